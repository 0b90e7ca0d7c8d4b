export { loadConfig, loadConfigOrExit, ConfigError, hashTagOf, type LookbackConfig, type RedisClusterConfig } from './config';
export { ConfigModule, LOOKBACK_CONFIG } from './config.module';
export { createRedisClient, usesCluster, type RedisClient, type RedisClientOptions, type RedisUse } from './redis';
