export { ErrorFilter, toErrorResponse, isDependencyDown, type ErrorBody } from './error.filter';
export { validationPipe, validateItem } from './validation';
export { metrics, metricsRegistry, startDefaultMetrics } from './metrics';
export { HealthService, type HealthReport } from './health.service';
export { HealthController } from './health.controller';
export { loggingModule } from './logging';
export { createHttpApp } from './http-app';
export { SignatureGuard, SDK_SECRET_RESOLVER, type SdkSecretResolver } from './signature.guard';
export { TRANSPARENT_GIF } from './gif';
