import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { RedisConnection } from '../../src/lib/redis.js';
import { eventually } from '../helpers/eventually.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const binary = inject('redisServerBinary');
const VIEWER = '{ viewer { scopes } }';

describe.skipIf(!binary)('when Redis goes away', () => {
  let server: RedisServer;
  let harness: TestHarness;
  let org: TestOrganization;
  const ready = async () => (await harness.app.yoga.fetch('http://tessera.test/ready')).json();

  beforeAll(async () => {
    // A Redis of this suite's own, so killing it disturbs no one else.
    server = await startRedisServer(binary!);
    harness = await TestHarness.start({ REDIS_URL: server.url, RATE_LIMIT_TEST_PER_MINUTE: '1000', ORG_CONCURRENCY_LIMIT: '100' });
    await harness.app.redis!.waitUntilReady(5000);
    org = await harness.organization();
  });
  afterAll(async () => {
    await harness.stop();
    await server.stop();
  });

  it('keeps serving on per-instance memory limits, warns on /ready, and returns to Redis once it is back', async () => {
    expect((await harness.request(VIEWER, { key: org.adminKey })).headers.get('x-ratelimit-remaining')).toBe('999');
    expect(await ready()).toMatchObject({ status: 'ready', redis: 'ok' });

    await server.stop(); // SIGKILL: no goodbye to the clients
    const during = await Promise.all(Array.from({ length: 30 }, () => harness.request(VIEWER, { key: org.adminKey })));
    expect(during.map((response) => response.status)).toEqual(Array(30).fill(200));
    expect(during.every((response) => response.headers.get('x-ratelimit-limit') === '1000')).toBe(true);
    await eventually(async () => (await ready()).redis === 'unreachable', 3000, '/ready noticing');
    const degraded = await harness.app.yoga.fetch('http://tessera.test/ready');
    expect(degraded.status).toBe(200);
    expect((await degraded.json()).warnings[0]).toMatch(/fall back to per-instance memory/);

    server = await startRedisServer(binary!, server.port);
    await eventually(async () => (await ready()).redis === 'ok', 5000, 'the client reconnecting');
    expect((await harness.request(VIEWER, { key: org.adminKey })).status).toBe(200);
    const direct = new Redis(server.url);
    try {
      // The fresh Redis holds the count again (it started empty).
      expect(await direct.get(`tessera:key:60:${org.adminKeyId}`)).toBe('1');
    } finally {
      direct.disconnect();
    }
  });

  it('answers every request while Redis hangs (stopped, its connection still open), waiting at most REDIS_TIMEOUT_MS per call', async () => {
    await eventually(async () => (await ready()).redis === 'ok', 5000, 'Redis available');
    server.process.kill('SIGSTOP');
    try {
      // Without a command timeout these would wait for Redis forever, and the test would time out.
      const responses = await Promise.all(Array.from({ length: 5 }, () => harness.request(VIEWER, { key: org.adminKey })));
      expect(responses.map((response) => response.status)).toEqual(Array(5).fill(200));
    } finally {
      server.process.kill('SIGCONT');
    }
    expect((await harness.request(VIEWER, { key: org.adminKey })).status).toBe(200);
  });

  it('takes a reply that came in while the event loop was held past REDIS_TIMEOUT_MS, and times out only on a Redis that does not answer', async () => {
    const connection = new RedisConnection(server.url, 100, createLogger('silent'));
    try {
      expect(await connection.waitUntilReady(5000)).toBe(true);
      // The command goes out in the loop's check phase (ioredis pipelines what a turn sends, with
      // setImmediate); right after it, in the same phase, the loop is held three timeouts long (a long
      // query, a garbage collection), while the reply comes in. On the next turn timers run before I/O
      // is read: a plain timer would call that healthy Redis hanging.
      const answered = connection.client.ping();
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          const heldUntil = performance.now() + 300;
          while (performance.now() < heldUntil);
          resolve();
        }),
      );
      expect(await answered).toBe('PONG');

      server.process.kill('SIGSTOP');
      try {
        const started = performance.now();
        await expect(connection.client.ping()).rejects.toThrow('Command timed out');
        expect(performance.now() - started).toBeLessThan(1000);
      } finally {
        server.process.kill('SIGCONT');
      }
    } finally {
      await connection.close();
    }
  });
});
