import { beforeAll, expect, it } from 'vitest';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const VIEWER = '{ viewer { scopes } }';
const SET_LIMIT = `mutation ($id: ID!, $limit: ApiKeyRateLimitInput) {
  setApiKeyRateLimit(id: $id, limit: $limit) { id rateLimit { requests windowSeconds isDefault } }
}`;

// '' selects the production defaults (the harness relaxes them for other suites).
describeIntegrationOnOneTier('per-key request limits', { env: { RATE_LIMIT_LIVE_PER_MINUTE: '', RATE_LIMIT_TEST_PER_MINUTE: '', FIELD_RATE_LIMITS: 'on' } }, (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization('LIVE');
  });

  const keyWith = (environment: 'LIVE' | 'TEST') => harness.makeKey({ organization: org, scopes: ['keys:read'], environment });

  it('gives test keys 100 requests a minute and refuses the 101st with 429, Retry-After and no data', async () => {
    const key = await keyWith('TEST');
    for (let i = 0; i < 100; i++) {
      const response = await harness.request(VIEWER, { key: key.secret });
      expect(response.status).toBe(200);
    }
    const refused = await harness.request(VIEWER, { key: key.secret });
    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', type: 'rate_limit_error' });
    expect(refused.body.errors?.[0]?.message).toMatch(/limit of 100 requests per 60 s; retry in \d+ s/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('gives live keys 1,000 requests a minute', async () => {
    const key = await keyWith('LIVE');
    const response = await harness.request(VIEWER, { key: key.secret });
    expect(response.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('999');
  });

  it('puts X-RateLimit-* and the IETF RateLimit fields on every authenticated response', async () => {
    const key = await keyWith('TEST');
    const first = await harness.request(VIEWER, { key: key.secret });
    // Refused by validation, yet still counted: the key is checked before the query is read.
    const second = await harness.request('{ nope }', { key: key.secret });
    for (const [response, remaining] of [
      [first, 99],
      [second, 98],
    ] as const) {
      expect(response.headers.get('x-ratelimit-limit')).toBe('100');
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      const nowSeconds = Date.now() / 1000;
      expect(reset).toBeGreaterThan(nowSeconds);
      expect(reset).toBeLessThanOrEqual(Math.ceil(nowSeconds) + 60);
      expect(response.headers.get('ratelimit-policy')).toBe('"key";q=100;w=60');
      expect(response.headers.get('ratelimit')).toMatch(new RegExp(`^"key";r=${remaining};t=\\d+$`));
    }
    expect(second.body.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);
  });

  it('shows the limit on ApiKey and lets keys:manage override and restore it', async () => {
    const target = await keyWith('TEST');
    const read = `{ apiKeys { id rateLimit { requests windowSeconds isDefault } } }`;
    const before = await harness.request(read, { key: org.adminKey });
    const shown = before.body.data?.apiKeys.find((key: { id: string }) => key.id === target.id);
    expect(shown.rateLimit).toEqual({ requests: 100, windowSeconds: 60, isDefault: true });

    const set = await harness.request(SET_LIMIT, { key: org.adminKey, variables: { id: target.id, limit: { requests: 5, windowSeconds: 10 } } });
    expect(set.body.errors).toBeUndefined();
    expect(set.body.data?.setApiKeyRateLimit.rateLimit).toEqual({ requests: 5, windowSeconds: 10, isDefault: false });
    const used = await harness.request(VIEWER, { key: target.secret });
    expect(used.headers.get('x-ratelimit-limit')).toBe('5');
    expect(used.headers.get('ratelimit-policy')).toBe('"key";q=5;w=10');

    const restored = await harness.request(SET_LIMIT, { key: org.adminKey, variables: { id: target.id, limit: null } });
    expect(restored.body.data?.setApiKeyRateLimit.rateLimit).toEqual({ requests: 100, windowSeconds: 60, isDefault: true });
    const after = await harness.request(VIEWER, { key: target.secret });
    expect(after.headers.get('x-ratelimit-limit')).toBe('100');
  });

  it('refuses an override without keys:manage, and out-of-range values naming the field', async () => {
    const target = await keyWith('TEST');
    const reader = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    const denied = await harness.request(SET_LIMIT, { key: reader.secret, variables: { id: target.id, limit: { requests: 5, windowSeconds: 10 } } });
    expect(denied.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const invalid = await harness.request(SET_LIMIT, { key: org.adminKey, variables: { id: target.id, limit: { requests: 0, windowSeconds: 10 } } });
    expect(invalid.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit.requests' });
  });

  it('admits exactly L of 3L simultaneous requests', async () => {
    const key = await keyWith('TEST');
    const limit = 20;
    await harness.request(SET_LIMIT, { key: org.adminKey, variables: { id: key.id, limit: { requests: limit, windowSeconds: 3600 } } });
    const responses = await Promise.all(Array.from({ length: 3 * limit }, () => harness.request(VIEWER, { key: key.secret })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * limit);
  });
});
