import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config', () => {
  it('has working defaults on a bare environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.database.url).toBeUndefined();
    expect(config.database.dataDir).toMatch(/\.data$/);
    expect(config.rateLimits.enabled).toBe(true);
  });

  it('treats an empty DATABASE_URL as unset (embedded database)', () => {
    expect(loadConfig({ DATABASE_URL: '  ' }).database.url).toBeUndefined();
  });

  it('reports every bad value at once, by name', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', RATE_LIMITS: 'maybe' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      for (const key of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'RATE_LIMITS']) expect(message).toContain(key);
    }
  });

  it('RATE_LIMITS=off disables rate limiting', () => {
    expect(loadConfig({ RATE_LIMITS: 'off' }).rateLimits.enabled).toBe(false);
  });
});

describe('config strictness', () => {
  function problems(env: Record<string, string>): string {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  }

  it('refuses an empty value by name instead of taking it as 0 or as the default', () => {
    const message = problems({ PORT: '', TOKEN_CACHE_TTL_MS: ' ', LOG_LEVEL: '' });
    for (const name of ['PORT', 'TOKEN_CACHE_TTL_MS', 'LOG_LEVEL']) expect(message).toContain(`${name}: is set but empty`);
  });

  it('refuses an empty value of a module variable too', () => {
    expect(problems({ GIT_NETWORK_TIMEOUT_MS: '' })).toContain('GIT_NETWORK_TIMEOUT_MS: is set but empty');
  });

  it('reads every on/off flag in the same spellings: true/false, 1/0 (and on/off)', () => {
    for (const [value, expected] of [['true', true], ['1', true], ['on', true], ['false', false], ['0', false], ['off', false]] as const) {
      const config = loadConfig({ RATE_LIMITS: value, JOBS: value, GIT_ALLOW_PRIVATE_HOSTS: value });
      expect([config.rateLimits.enabled, config.jobs.enabled, config.gitIntegration.allowPrivateHosts], value).toEqual([expected, expected, expected]);
    }
    for (const name of ['RATE_LIMITS', 'JOBS']) expect(problems({ [name]: 'yes' })).toContain(`${name}: must be true or false`);
  });

  it('DB_POOL_SIZE counts the job runner: the request pool gets the rest', () => {
    const byDefault = loadConfig({});
    expect(byDefault.database.poolSize + byDefault.jobs.poolSize).toBe(14);
    expect(byDefault.jobs.poolSize).toBe(3);
    const small = loadConfig({ DB_POOL_SIZE: '5' });
    expect([small.database.poolSize, small.jobs.poolSize]).toEqual([4, 1]);
    const noJobs = loadConfig({ DB_POOL_SIZE: '5', JOBS: 'false' });
    expect([noJobs.database.poolSize, noJobs.jobs.poolSize]).toEqual([5, 0]);
    expect(loadConfig({ DB_POOL_SIZE: '40' }).jobs.poolSize).toBe(4);
    expect(problems({ DB_POOL_SIZE: '1' })).toContain('DB_POOL_SIZE: must be at least 2 while JOBS is on');
  });

  it('REDIS_URL: a redis:// or rediss:// URL with a host, read once; anything else is refused at start', () => {
    expect(loadConfig({}).rateLimits.redis).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).rateLimits.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'spec-sync:' });
    for (const good of ['redis://:secret@cache.internal:6380/2', 'rediss://user:pw@redis.example.com', 'redis://[::1]:6379/0']) {
      expect(loadConfig({ REDIS_URL: good, REDIS_KEY_PREFIX: 'prod:' }).rateLimits.redis, good).toEqual({ url: good, keyPrefix: 'prod:' });
    }
    for (const bad of ['127.0.0.1:6379', 'http://cache:6379', 'redis://', 'redis://cache:99999', 'redis://cache/db', 'redis://cache:6379?family=6', 'redis:/cache']) {
      expect(problems({ REDIS_URL: bad }), bad).toContain('REDIS_URL: must be redis://');
    }
    expect(problems({ REDIS_URL: '' })).toContain('REDIS_URL: is set but empty');
    expect(problems({ REDIS_KEY_PREFIX: 'has space' })).toContain('REDIS_KEY_PREFIX');
  });

  it('SHUTDOWN_GRACE_MS bounds the job runner stop, leaving time to close the database', () => {
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '30000' }).jobs.stopTimeoutMs).toBe(28_000);
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '2000' }).jobs.stopTimeoutMs).toBe(1_600);
  });
});
