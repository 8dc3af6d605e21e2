/**
 * Redis killed (SIGKILL) for 5 s under 40 requests a second, then started
 * again on its port: every request is answered 200 (limits fall back to
 * per-instance memory and return to Redis by themselves).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../helpers/processes.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { buildWorld, sleep, startLoad, tally, type World } from './chaos-world.js';

const binDir = inject('postgresBinDir');
const redisBinary = inject('redisServerBinary');

describe.skipIf(!binDir || !redisBinary)('Redis killed under load', () => {
  let world: World;
  let redis: RedisServer;
  let server: RunningServer;

  beforeAll(async () => {
    world = await buildWorld(binDir!);
    redis = await startRedisServer(redisBinary!);
    // The organization's concurrency limit (100 in flight) is not under test here: on a starved CI
    // machine requests can take seconds, and its 429s would hide what Redis's loss does or does not do.
    server = await world.serve({ REDIS_URL: redis.url, ORG_CONCURRENCY_LIMIT: '100000' });
  });
  afterAll(async () => {
    await redis?.stop();
    await world?.stop();
  });

  it('answers every request while Redis is gone and after it is back', async () => {
    const load = startLoad(world, () => server.port, { perSecond: 40, waitMs: 15_000 });
    await sleep(2000);
    const killedAt = Date.now();
    await redis.stop();
    await sleep(5000);
    redis = await startRedisServer(redisBinary!, redis.port);
    const backAt = Date.now();
    await sleep(3000);
    const answers = await load.stop();
    const ready = (await (await fetch(`http://127.0.0.1:${server.port}/ready`)).json()) as { redis?: string };
    const during = answers.filter((a) => a.sentAt >= killedAt && a.sentAt < backAt);
    console.log(
      `[chaos] Redis killed for 5 s: ${answers.length} requests ${JSON.stringify(tally(answers))}, ${during.length} while it was gone; ` +
        `slowest ${Math.max(...answers.map((a) => a.ms))} ms; /ready says redis ${ready.redis} 3 s after it was back; ` +
        `refusals at ${JSON.stringify(answers.filter((a) => a.status !== 200).map((a) => `${a.status}@${a.sentAt - killedAt}ms/${a.ms}ms`))}`,
    );
    expect(server.child.exitCode).toBeNull();
    expect(during.length).toBeGreaterThan(100);
    expect(answers.filter((a) => a.status !== 200 || a.code)).toEqual([]);
    expect(ready.redis).toBe('ok');
  });
});
