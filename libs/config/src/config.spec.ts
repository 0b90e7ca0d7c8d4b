import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the contract defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/lookback',
      redisUrl: 'redis://127.0.0.1:6379',
      adminApiKey: undefined,
      publicTrackingUrl: 'http://localhost:3000',
      outboundAllowPrivate: false,
      trustProxy: 'loopback',
      ingestionPort: 3000,
      adminPort: 3001,
      workerHealthPort: 3002,
      rateLimitAppPerMinute: 120000,
      rateLimitKeyPerMinute: 6000,
      rateLimitRedisUrl: 'redis://127.0.0.1:6379',
      rateLimitTimeoutMs: 100,
    });
  });

  it('reads and normalizes given values', () => {
    const c = loadConfig({
      PUBLIC_TRACKING_URL: 'https://t.example.com/',
      OUTBOUND_ALLOW_PRIVATE: 'TRUE',
      TRUST_PROXY: '2',
      INGESTION_PORT: '8080',
      ADMIN_API_KEY: 'a-long-enough-owner-key',
    });
    expect(c.publicTrackingUrl).toBe('https://t.example.com');
    expect(c.outboundAllowPrivate).toBe(true);
    expect(c.trustProxy).toBe(2);
    expect(c.ingestionPort).toBe(8080);
    expect(c.adminApiKey).toBe('a-long-enough-owner-key');
  });

  it('counts rate limits on REDIS_URL unless RATE_LIMIT_REDIS_URL names another Redis', () => {
    expect(loadConfig({ REDIS_URL: 'redis://queues:6379' }).rateLimitRedisUrl).toBe('redis://queues:6379');
    expect(loadConfig({ REDIS_URL: 'redis://queues:6379', RATE_LIMIT_REDIS_URL: 'redis://limits:6380' }).rateLimitRedisUrl).toBe(
      'redis://limits:6380',
    );
  });

  it.each([
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['INGESTION_PORT', 'abc'],
    ['ADMIN_PORT', '70000'],
    ['OUTBOUND_ALLOW_PRIVATE', 'maybe'],
    ['TRUST_PROXY', 'everyone; rm -rf'],
    ['PUBLIC_TRACKING_URL', 'ftp://x'],
    ['ADMIN_API_KEY', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['RATE_LIMIT_APP_PER_MINUTE', 'abc'],
    ['RATE_LIMIT_KEY_PER_MINUTE', '0'],
    ['RATE_LIMIT_REDIS_URL', 'http://127.0.0.1:6379'],
    ['RATE_LIMIT_TIMEOUT_MS', '0'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as ConfigError).message).toContain(name);
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('never prints the owner key it refuses', () => {
    expect(() => loadConfig({ ADMIN_API_KEY: 'secret1' })).toThrow(/<hidden>/);
  });
});
