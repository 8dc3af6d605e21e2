import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { rateLimitHeaders } from '../../src/rate-limit/headers.js';
import { windowMs } from '../../src/rate-limit/field-limiter.js';

describe('limit configuration', () => {
  it('defaults to the documented limits', () => {
    const { limits, redisUrl } = loadConfig({ DATABASE_URL: 'memory://' });
    expect(redisUrl).toBeNull();
    expect(limits.keyRequestsPerMinute).toEqual({ LIVE: 1000, TEST: 100 });
    expect(limits.organizationConcurrency).toBe(100);
    expect(limits.authFailuresPerMinute).toBe(30);
    expect(limits.fieldLimits).toBe(true);
    expect(limits.query).toEqual({ maxDepth: 10, maxAliases: 15, maxTokens: 2000, maxDirectives: 20, maxCost: 20_000 });
    expect(limits.maxBodyBytes).toBe(262_144);
  });

  it.each([
    ['REDIS_URL', 'http://localhost:6379'],
    ['RATE_LIMIT_LIVE_PER_MINUTE', '0'],
    ['ORG_CONCURRENCY_LIMIT', 'many'],
    ['AUTH_FAILURES_PER_MINUTE', '-1'],
    ['MAX_BODY_BYTES', '12'],
    ['QUERY_MAX_DEPTH', '1.5'],
    ['FIELD_RATE_LIMITS', 'maybe'],
    ['REDIS_TIMEOUT_MS', '0'],
  ])('names %s in a one-line error when it is invalid', (variable, value) => {
    expect(() => loadConfig({ DATABASE_URL: 'memory://', [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it('never echoes a Redis password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'memory://', REDIS_URL: 'tcp://user:hunter2@host' })).toThrow(/^REDIS_URL: (?!.*hunter2)/);
    expect(loadConfig({ DATABASE_URL: 'memory://', REDIS_URL: 'redis://:pw@127.0.0.1:6379' }).redisUrl).toBe('redis://:pw@127.0.0.1:6379');
  });
});

describe('rate limit headers', () => {
  it('carries the X-RateLimit trio (Reset in Unix seconds) and the IETF draft fields', () => {
    const headers = rateLimitHeaders({ allowed: true, limit: 100, remaining: 42, msBeforeReset: 30_500 }, 60, 1_700_000_000_000);
    expect(headers).toEqual({
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '42',
      'X-RateLimit-Reset': '1700000031',
      'RateLimit-Policy': '"key";q=100;w=60',
      RateLimit: '"key";r=42;t=31',
    });
  });
});

describe('field limit windows', () => {
  it('reads 30s, 1m, 2h and 1d, and refuses anything else', () => {
    expect(windowMs({ window: '30s' })).toBe(30_000);
    expect(windowMs({ window: '1m' })).toBe(60_000);
    expect(windowMs({ window: '2h' })).toBe(7_200_000);
    expect(windowMs({ window: '1d' })).toBe(86_400_000);
    for (const window of ['60', '1 minute', '0m', '1w']) expect(() => windowMs({ window })).toThrow(/not a duration/);
  });
});
