import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { LookbackConfig } from './config';

/** Injection token of the validated configuration. */
export const LOOKBACK_CONFIG = Symbol('LOOKBACK_CONFIG');

/**
 * Configuration is validated before Nest starts (so a bad value exits with one line instead of a
 * stack trace) and handed to the module tree as a value; tests build their own without touching process.env.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: LookbackConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: LOOKBACK_CONFIG, useValue: config }],
      exports: [LOOKBACK_CONFIG],
    };
  }
}
