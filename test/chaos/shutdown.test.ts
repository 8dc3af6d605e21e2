/**
 * SIGTERM under load, with two clients stalled mid-request (one mid-headers,
 * one mid-body): `/ready` turns 503 first, every request already received is
 * answered (kept-alive connections are told `Connection: close`, never cut),
 * the stalled clients are closed at SHUTDOWN_TIMEOUT_MS, and the process
 * exits 0 within it. Timings are printed and asserted loosely.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWorld, sleep, startLoad, tally, type World } from './chaos-world.js';

const binDir = inject('postgresBinDir');
const DEADLINE_MS = 4000;

function stalledClient(port: number, partial: string): { socket: Socket; closedAt: Promise<number> } {
  const socket = connect(port, '127.0.0.1', () => socket.write(partial));
  socket.on('error', () => {});
  return { socket, closedAt: new Promise((resolve) => socket.once('close', () => resolve(Date.now()))) };
}

describe.skipIf(!binDir)('SIGTERM under load with stalled clients', () => {
  let world: World;

  beforeAll(async () => {
    world = await buildWorld(binDir!);
  });
  afterAll(() => world?.stop());

  it('answers every received request, closes the stalled clients at the deadline and exits 0', async () => {
    const server = await world.serve({ SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS) });
    const load = startLoad(world, () => server.port, { perSecond: 60, waitMs: 15_000 });
    const midHeaders = stalledClient(server.port, 'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl');
    const midBody = stalledClient(
      server.port,
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${world.key}\r\nContent-Length: 100\r\n\r\n{"query":`,
    );
    await sleep(2000);

    // Slower requests (62 days of availability each) in flight at the signal.
    const from = new Date(Date.now() + 86_400_000);
    const to = new Date(from.getTime() + 62 * 86_400_000);
    const slow = Array.from({ length: 8 }, () =>
      fetch(`http://127.0.0.1:${server.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${world.key}` },
        body: JSON.stringify({
          query: 'query ($id: ID!, $from: DateTime!, $to: DateTime!) { availability(eventTypeId: $id, from: $from, to: $to) { start end availableHosts } }',
          variables: { id: world.eventTypeId, from: from.toISOString(), to: to.toISOString() },
        }),
      }).then(async (response) => ({ status: response.status, slots: ((await response.json()) as { data?: { availability?: unknown[] } }).data?.availability?.length }), (error: Error) => ({ status: 0, slots: String(error.cause ?? error) })),
    );
    await sleep(20);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await sleep(50);
    const readyStatus = await fetch(`http://127.0.0.1:${server.port}/ready`).then((r) => r.status, () => 0);
    const exited = await server.exited;
    const exitedAt = Date.now();
    const answers = await load.stop();
    const slowAnswers = await Promise.all(slow);
    const [headersClosedAt, bodyClosedAt] = await Promise.all([midHeaders.closedAt, midBody.closedAt]);
    const drained = JSON.parse(server.output.stdout.split('\n').find((line) => line.includes('"msg":"HTTP drained"')) ?? '{}');

    const afterSignal = answers.filter((a) => a.sentAt + a.ms >= signalledAt);
    // Refused connections were never received: the listener had closed. Anything else without an answer was cut.
    const cut = answers.filter((a) => a.status === 0 && !/ECONNREFUSED/.test(a.failure ?? ''));
    console.log(
      `[chaos] SIGTERM: /ready 50 ms after the signal ${readyStatus}; ${drained.inFlightAtStart} requests in flight at the signal; ` +
        `answers finishing after the signal ${JSON.stringify(tally(afterSignal))}; exit ${exited.code} after ${exitedAt - signalledAt} ms; ` +
        `slow requests ${JSON.stringify(slowAnswers)}; stalled clients closed after ${headersClosedAt - signalledAt} / ${bodyClosedAt - signalledAt} ms (${drained.cutAtDeadline} connections cut at the deadline)`,
    );

    expect(exited.code).toBe(0);
    expect(cut).toEqual([]);
    expect(answers.filter((a) => a.status !== 0 && a.status !== 200)).toEqual([]);
    expect(slowAnswers.every((answer) => answer.status === 200 && Number(answer.slots) > 0)).toBe(true);
    expect(readyStatus === 503 || readyStatus === 0).toBe(true);
    expect(headersClosedAt - signalledAt).toBeGreaterThanOrEqual(DEADLINE_MS - 500);
    expect(exitedAt - signalledAt).toBeLessThan(DEADLINE_MS + 5000);
    expect(server.output.stdout).toMatch(/"msg":"stopped"/);
  });
});
