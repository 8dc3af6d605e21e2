import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { RedisConnection } from '../../src/lib/redis.js';
import { SharedAdmission } from '../../src/rate-limit/shared-admission.js';
import { eventually } from '../helpers/eventually.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';

const redisUrl = inject('redisUrl');
const VIEWER = '{ viewer { scopes } }';
const LIMITS = { FIELD_RATE_LIMITS: 'on', QUERY_MAX_ALIASES: '40', QUERY_MAX_COST: '100000', TRUST_PROXY: 'true', AUTH_FAILURES_PER_MINUTE: '4' };

/** Two apps over one database and one Redis: two instances, in one process. */
describe.skipIf(!redisUrl)('limits shared through Redis', () => {
  let harness: TestHarness;
  let second: App;
  let org: TestOrganization;
  let redis: Redis;

  const call = (app: App, query: string, key: string | null, headers: Record<string, string> = {}) =>
    app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      body: JSON.stringify({ query }),
    });

  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl!, ...LIMITS };
    harness = await TestHarness.start(env);
    second = await createApp(loadConfig({ DATABASE_URL: 'memory://', ...env }), { database: harness.database, logger: createLogger('silent') });
    for (const app of [harness.app, second]) expect(await app.redis!.waitUntilReady(5000)).toBe(true);
    redis = new Redis(redisUrl!);
    org = await harness.organization();
  });
  afterAll(async () => {
    redis.disconnect();
    await second.stop();
    await harness.stop();
  });

  it('admits exactly L of 3L simultaneous requests spread over two instances', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    const limit = 25;
    await harness.request(`mutation { setApiKeyRateLimit(id: "${key.id}", limit: { requests: ${limit}, windowSeconds: 3600 }) { id } }`, {
      key: org.adminKey,
    });
    const responses = await Promise.all(
      Array.from({ length: 3 * limit }, (_, i) => call(i % 2 ? second : harness.app, VIEWER, key.secret)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * limit);
    expect(await redis.get(`tessera:key:3600:${key.id}`)).toBe(String(3 * limit));
  });

  it('counts failed authentications of one address on every instance', async () => {
    const from = { 'x-forwarded-for': '198.51.100.77' };
    const bad = 'sk_test_not_a_key';
    for (const app of [harness.app, second, harness.app, second]) expect((await call(app, VIEWER, bad, from)).status).toBe(401);
    // The fifth failure, on either instance, is over the shared count of four.
    expect((await call(second, VIEWER, bad, from)).status).toBe(429);
    expect((await call(harness.app, VIEWER, bad, from)).status).toBe(429);
  });

  it('counts field calls across instances', async () => {
    const target = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'keys:read'] });
    const aliased = (count: number) =>
      `mutation { ${Array.from({ length: count }, (_, i) => `m${i}: setApiKeyRateLimit(id: "${target.id}", limit: null) { id }`).join(' ')} }`;
    const first = await (await call(harness.app, aliased(20), manager.secret)).json();
    expect(first.errors).toBeUndefined();
    const rest = await (await call(second, aliased(11), manager.secret)).json();
    expect(rest.errors).toHaveLength(1);
    expect(rest.errors[0].extensions.code).toBe('FIELD_RATE_LIMITED');
  });

  describe('one admission script per request', () => {
    let connection: RedisConnection;
    let gateA: SharedAdmission;
    let gateB: SharedAdmission;
    let organization: string;
    const slots = () => redis.zcard(`tessera:inflight:${organization}`);
    const admit = (gate: SharedAdmission, caller = 'caller', limit = 1000) => gate.admit(`${organization}_${caller}`, limit, 60, organization);

    beforeAll(async () => {
      connection = new RedisConnection(redisUrl!, 250, createLogger('silent'));
      await connection.waitUntilReady(5000);
    });
    afterAll(() => connection.close());
    beforeEach(() => {
      // Two instances' gates on one Redis, two slots per organization.
      gateA = new SharedAdmission(connection, 2, 60_000);
      gateB = new SharedAdmission(connection, 2, 60_000);
      organization = `org_slots_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    });

    it('holds an organization to its concurrency limit across instances, and forgets slots of dead instances', async () => {
      const [time] = (await redis.time()) as unknown as [string, string];
      // Two slots an instance took and never gave back: their expiry has passed.
      await redis.zadd(`tessera:inflight:${organization}`, Number(time) * 1000 - 1000, 'dead:1', Number(time) * 1000 - 1000, 'dead:2');

      const first = (await admit(gateA)).slot;
      const second = (await admit(gateB)).slot;
      expect(first).not.toBeNull();
      expect(second).not.toBeNull();
      expect((await admit(gateA)).slot).toBeNull();
      expect(await slots()).toBe(2);
      first!.release();
      first!.release(); // twice is once
      // Not waited for, and sent on its own when no admission of the organization comes to carry it.
      await eventually(async () => (await slots()) === 1, 2000, 'the slot release');
      expect((await admit(gateB)).slot).not.toBeNull();
    });

    it("gives a released slot back with the organization's next admission, before counting", async () => {
      const first = (await admit(gateA)).slot!;
      expect((await admit(gateA)).slot).not.toBeNull();
      first.release();
      // At once, before the release could have gone on its own: the admission carries it.
      const next = await admit(gateA);
      expect(next.slot).not.toBeNull();
      expect(await slots()).toBe(2);
    });

    it('counts the window in the layout rate-limiter-flexible uses, and takes no slot for a request over the limit', async () => {
      const within = await admit(gateA, 'limited', 1);
      expect(within.count).toMatchObject({ allowed: true, limit: 1, remaining: 0 });
      expect(within.count.msBeforeReset).toBeGreaterThan(59_000);
      const over = await admit(gateB, 'limited', 1);
      expect(over.count).toMatchObject({ allowed: false, remaining: 0 });
      expect(over.slot).toBeNull();
      expect(await slots()).toBe(1);
      expect(await redis.get(`tessera:key:60:${organization}_limited`)).toBe('2');
      expect(await redis.pttl(`tessera:key:60:${organization}_limited`)).toBeGreaterThan(59_000);
    });
  });

  it('reports Redis on /ready', async () => {
    const ready = await (await harness.app.yoga.fetch('http://tessera.test/ready')).json();
    expect(ready).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
  });
});
