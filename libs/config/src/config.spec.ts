import { ConfigError, hashTagOf, loadConfig } from './config';
import { usesCluster } from './redis';

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
      rateLimitRedisUrl: undefined,
      redisCluster: undefined,
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

  it('counts rate limits on the queues\' Redis unless RATE_LIMIT_REDIS_URL names another Redis', () => {
    const queues = loadConfig({ REDIS_URL: 'redis://queues:6379' });
    expect(queues.rateLimitRedisUrl).toBeUndefined();
    expect(usesCluster(queues, 'rate-limits')).toBe(false);
    expect(loadConfig({ REDIS_URL: 'redis://queues:6379', RATE_LIMIT_REDIS_URL: 'redis://limits:6380' }).rateLimitRedisUrl).toBe(
      'redis://limits:6380',
    );
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000', QUEUE_PREFIX: '{lookback}' });
    expect(usesCluster(cluster, 'queues')).toBe(true);
    expect(usesCluster(cluster, 'rate-limits')).toBe(true);
    const own = loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000', QUEUE_PREFIX: '{lookback}', RATE_LIMIT_REDIS_URL: 'redis://limits:6380' });
    expect(usesCluster(own, 'rate-limits')).toBe(false);
  });

  describe('Redis Cluster', () => {
    it('reads seed nodes as host:port or URLs, with the user, password and TLS every node shares', () => {
      expect(loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, r2.internal:7001,[::1]:7002', QUEUE_PREFIX: '{lookback}' }).redisCluster).toEqual({
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: 'r2.internal', port: 7001 },
          { host: '::1', port: 7002 },
        ],
        username: undefined,
        password: undefined,
        tls: false,
      });
      expect(
        loadConfig({ REDIS_CLUSTER_NODES: 'rediss://app:s%3Acret@r1:6380,rediss://app:s%3Acret@r2', QUEUE_PREFIX: 'lb-{prod}' }).redisCluster,
      ).toEqual({ nodes: [{ host: 'r1', port: 6380 }, { host: 'r2', port: 6379 }], username: 'app', password: 's:cret', tls: true });
    });

    it.each([
      ['lookback', /e\.g\. \{lookback\}/],
      ['{}lookback', /hash tag/],
      ['look}back{', /hash tag/],
    ])('refuses QUEUE_PREFIX=%s without a hash tag, saying what to set', (prefix, message) => {
      let error: unknown;
      try {
        loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000', QUEUE_PREFIX: prefix });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('QUEUE_PREFIX');
      expect((error as ConfigError).message).toMatch(message);
    });

    it('refuses the default prefix too: a cluster deployment names its hash tag', () => {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000' })).toThrow(/QUEUE_PREFIX="lookback"/);
    });

    it.each([
      ['http://r1:7000'],
      ['r1:notaport'],
      ['r1:7000,,r2:7001'],
      ['redis://r1:7000/3'],
      ['redis://r1:7000?db=1'],
      ['redis://a:x@r1:7000,redis://a:y@r2:7001'],
      ['redis://r1:7000,rediss://r2:7001'],
    ])('refuses REDIS_CLUSTER_NODES=%s naming the variable', (value) => {
      let error: unknown;
      try {
        loadConfig({ REDIS_CLUSTER_NODES: value, QUEUE_PREFIX: '{lookback}' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('REDIS_CLUSTER_NODES');
      expect((error as ConfigError).message).not.toContain('\n');
    });

    it('refuses REDIS_URL beside it, and never prints a password it refuses', () => {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000', REDIS_URL: 'redis://r:6379', QUEUE_PREFIX: '{lookback}' })).toThrow(
        /REDIS_CLUSTER_NODES.*not both/,
      );
      let message = '';
      try {
        loadConfig({ REDIS_CLUSTER_NODES: 'redis://a:topsecret@r1:7000,redis://a:othersecret@r2:7001', QUEUE_PREFIX: '{lookback}' });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('REDIS_CLUSTER_NODES');
      expect(message).not.toMatch(/topsecret|othersecret/);
    });
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

  it('finds the hash tag the way Redis Cluster does: the first {…} that is not empty', () => {
    expect(hashTagOf('{lookback}:attribution:wait')).toBe('lookback');
    expect(hashTagOf('lb-{prod}-x:{y}')).toBe('prod');
    expect(hashTagOf('{}lookback')).toBeUndefined();
    expect(hashTagOf('}{x')).toBeUndefined();
    expect(hashTagOf('lookback')).toBeUndefined();
  });

  it('never prints the owner key it refuses', () => {
    expect(() => loadConfig({ ADMIN_API_KEY: 'secret1' })).toThrow(/<hidden>/);
  });
});
