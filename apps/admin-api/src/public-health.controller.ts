import { Controller } from '@nestjs/common';
import { HealthController } from '@app/http';
import { Public } from './auth/scopes';

/** /health and /metrics answer without an API key, for load balancers and Prometheus. */
@Public()
@Controller()
export class PublicHealthController extends HealthController {}
