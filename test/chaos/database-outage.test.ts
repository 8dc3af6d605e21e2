/**
 * PostgreSQL stopped for 8 s (`pg_ctl stop -m fast`: every session is ended)
 * under 40 requests a second of reads and bookings: the server never crashes,
 * answers every request within 5 s (200, or 503 with Retry-After), and serves
 * again within 2 s of PostgreSQL's return, without a restart; `/ready` says
 * so without flapping. Timings are outcomes, asserted loosely and printed; an
 * answer's time is the server's own (its access log), which a loaded machine's
 * delays in the test process do not add to.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../helpers/processes.js';
import { buildWorld, sleep, startLoad, tally, type World } from './chaos-world.js';

const binDir = inject('postgresBinDir');

describe.skipIf(!binDir)('PostgreSQL stopped for 8 s under load', () => {
  let world: World;
  let server: RunningServer;

  beforeAll(async () => {
    world = await buildWorld(binDir!);
    server = await world.serve();
  });
  afterAll(() => world?.stop());

  it('answers every request within 5 s, 503 while down, and recovers within 2 s', async () => {
    const load = startLoad(world, () => server.port, { perSecond: 40, waitMs: 15_000 });
    const readiness: Array<{ at: number; status: number }> = [];
    let watching = true;
    const watchReady = (async () => {
      while (watching) {
        const at = Date.now();
        const status = await fetch(`http://127.0.0.1:${server.port}/ready`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0);
        readiness.push({ at, status });
        await sleep(100);
      }
    })();

    await sleep(2000);
    const stoppedAt = Date.now();
    await world.cluster.halt('fast');
    await sleep(8000);
    await world.cluster.resume();
    const backAt = Date.now();
    await sleep(3500);
    const answers = await load.stop();
    watching = false;
    await watchReady;

    const during = answers.filter((a) => a.sentAt >= stoppedAt && a.sentAt < backAt);
    const firstSuccessAfter = answers.filter((a) => a.status === 200 && a.sentAt >= backAt).sort((a, b) => a.sentAt - b.sentAt)[0];
    const recoveryMs = firstSuccessAfter ? firstSuccessAfter.sentAt + firstSuccessAfter.ms - backAt : Infinity;
    const slowest = Math.max(...answers.map((a) => a.ms));
    // The server's own time for each /graphql request, from its access log: what it answers for. The load's
    // timings include the test process's own waits for a core, seconds when the machine is loaded.
    const served = server.output.stdout
      .split('\n')
      .filter((line) => line.includes('"msg":"request"') && line.includes('"path":"/graphql"'))
      .map((line) => JSON.parse(line) as { durationMs: number; status: number });
    const slowestServed = Math.max(...served.map((entry) => entry.durationMs));
    const firstReady = readiness.find((r) => r.at >= backAt && r.status === 200);
    const flaps = firstReady ? readiness.filter((r) => r.at > firstReady.at && r.status !== 200).length : -1;
    // When the server marked the database down and up (relative to the stop), to tell a real outage from a false alarm.
    const transitions = server.output.stdout
      .split('\n')
      .filter((line) => /"msg":"database (unavailable: answering 503|reachable again)/.test(line))
      .map((line) => {
        const entry = JSON.parse(line) as { time: number; msg: string; reason?: string };
        return `${entry.msg.startsWith('database unavailable') ? `down (${entry.reason})` : 'up'} at +${entry.time - stoppedAt} ms`;
      });
    console.log(
      `[chaos] outage: ${answers.length} requests, during the outage ${JSON.stringify(tally(during))}; overall ${JSON.stringify(tally(answers))}; ` +
        `slowest answer ${slowest} ms (${Math.round(slowestServed)} ms in the server, of ${served.length} logged); first success ${recoveryMs} ms after PostgreSQL was back; /ready 200 again after ${firstReady ? firstReady.at - backAt : 'never'} ms, ${flaps} flaps after; the server marked it ${transitions.join(', ')}`,
    );

    expect(server.child.exitCode).toBeNull();
    expect(answers.filter((a) => a.status === 0)).toEqual([]);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    expect(served.length).toBeGreaterThanOrEqual(answers.length);
    expect(slowestServed).toBeLessThanOrEqual(5000);
    expect(during.some((a) => a.status === 503)).toBe(true);
    expect(recoveryMs).toBeLessThanOrEqual(2000);
    // Sent once recovery had time to happen: all served.
    expect(answers.filter((a) => a.sentAt > backAt + 2000 && a.status !== 200)).toEqual([]);
    expect(flaps).toBe(0);
  });

  it('loses no acknowledged booking when PostgreSQL crashes (-m immediate) under load', async () => {
    const load = startLoad(world, () => server.port, { perSecond: 40, waitMs: 15_000 });
    await sleep(2000);
    await world.cluster.halt('immediate');
    await sleep(1000);
    await world.cluster.resume(); // crash recovery replays the WAL
    await sleep(3000);
    const answers = await load.stop();
    const acknowledged = answers.flatMap((a) => (a.bookingId ? [a.bookingId] : []));
    const sql = postgres(world.databaseUrl, { max: 1, onnotice: () => {} });
    const stored = await sql<{ id: string }[]>`select id from bookings where id = any(${acknowledged})`;
    await sql.end();
    console.log(`[chaos] crash: ${answers.length} requests ${JSON.stringify(tally(answers))}; ${acknowledged.length} bookings acknowledged, ${stored.length} stored after recovery`);

    expect(server.child.exitCode).toBeNull();
    expect(answers.filter((a) => a.status === 0)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(stored.map((row) => row.id).sort()).toEqual([...acknowledged].sort());
  });

  it('starts while PostgreSQL is down: waits, retrying, then serves once it is up', async () => {
    await world.cluster.halt('fast');
    const startedAt = Date.now();
    const late = world.spawn();
    // Down until the server has said it is waiting (a slow machine may take seconds to get there).
    await late.waitFor(/database not reachable yet/);
    await sleep(1000);
    await world.cluster.resume();
    const backAt = Date.now();
    const port = await late.listening;
    const retries = late.output.stdout.split('\n').filter((line) => line.includes('database not reachable yet')).length;
    console.log(`[chaos] start-up with PostgreSQL down: ${retries} retries logged over ${backAt - startedAt} ms; listening ${Date.now() - backAt} ms after PostgreSQL was back`);
    expect(retries).toBeGreaterThan(0);
    expect(late.child.exitCode).toBeNull();
    const response = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(response.status).toBe(200);
  });

  it('gives up after DATABASE_STARTUP_TIMEOUT_MS with one line saying why, and exit code 1', async () => {
    await world.cluster.halt('fast');
    try {
      const failed = await world.serve({ DATABASE_STARTUP_TIMEOUT_MS: '1500' }).then(
        () => null,
        (error: Error) => error.message,
      );
      expect(failed).toMatch(/server exited \(1\)/);
      expect(failed).toMatch(/Cannot start: the database is not usable \(ECONNREFUSED/);
      expect(failed).toContain('DATABASE_STARTUP_TIMEOUT_MS=1500');
    } finally {
      await world.cluster.resume();
    }
  });
});
