export { loadConfig, loadConfigOrExit, ConfigError, type LookbackConfig } from './config';
export { ConfigModule, LOOKBACK_CONFIG } from './config.module';
