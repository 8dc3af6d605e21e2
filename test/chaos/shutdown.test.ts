/**
 * SIGTERM under load, with requests in flight and two clients stalled
 * mid-request (one mid-headers, one mid-body): `/ready` turns 503 first (once the server acts on the signal), every
 * request already received is answered (kept-alive connections are told
 * `Connection: close`, never cut), idle ones are closed once no request has
 * come for half a second, the stalled clients at SHUTDOWN_TIMEOUT_MS, and
 * the process exits 0 within it. Timings are
 * printed and asserted loosely.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { buildWorld, sleep, startLoad, tally, type World } from './chaos-world.js';

const binDir = inject('postgresBinDir');
const DEADLINE_MS = 4000;
const IN_FLIGHT = 8;

function stalledClient(port: number, partial: string): { socket: Socket; closedAt: Promise<number> } {
  const socket = connect(port, '127.0.0.1', () => socket.write(partial));
  socket.on('error', () => {});
  return { socket, closedAt: new Promise((resolve) => socket.once('close', () => resolve(Date.now()))) };
}

/** A request whose headers the server has, and whose body it waits for until `finish()`. */
function requestInFlight(port: number, key: string, query: string) {
  const body = JSON.stringify({ query });
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` },
  });
  const answered = new Promise<{ status: number; text: string }>((resolve) => {
    request.once('response', (response: IncomingMessage) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, text }));
    });
    request.once('error', (error) => resolve({ status: 0, text: error.message }));
  });
  request.write(body.slice(0, 5));
  request.flushHeaders();
  return { answered, finish: () => request.end(body.slice(5)) };
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
    const inFlight = Array.from({ length: IN_FLIGHT }, (_, i) => requestInFlight(server.port, world.key, `query InFlight${i} { eventTypes(first: 5) { nodes { id } } }`));
    // Time for the server to have read their headers, even on a busy machine.
    await sleep(1500);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    // Once the server acts on the signal (its log says so), /ready no longer says ready. It was once asked
    // 100 ms after the signal: on a machine busy enough, the server had not yet acted on it and said 200.
    const actedAfter = await eventually(() => server.output.stdout.includes('shutting down: not ready'), 10_000, 'the server acting on SIGTERM');
    const readyStatus = await fetch(`http://127.0.0.1:${server.port}/ready`).then((r) => r.status, () => 0);
    for (const request of inFlight) request.finish();
    const exited = await server.exited;
    const exitedAt = Date.now();
    const answers = await load.stop();
    const inFlightAnswers = await Promise.all(inFlight.map((request) => request.answered));
    const [headersClosedAt, bodyClosedAt] = await Promise.all([midHeaders.closedAt, midBody.closedAt]);
    const drained = JSON.parse(server.output.stdout.split('\n').find((line) => line.includes('"msg":"HTTP drained"')) ?? '{}');

    const afterSignal = answers.filter((a) => a.sentAt + a.ms >= signalledAt);
    // A connection the kernel had queued but the server not yet accepted when the listener closed is
    // reset: that request was never received. Only requests sent well before the signal are surely received:
    // earlier than twice the slowest answer before it took (at least 500 ms), so a machine busy enough to delay
    // sending or accepting (a CI run's other tiers share its two cores) delays both alike. (Once the slowest
    // answer alone: on a starved machine, connections sent 660–780 ms before the signal were still queued
    // when the slowest answer had taken 650 ms.)
    const slowestBefore = 2 * Math.max(250, ...answers.filter((a) => a.status === 200 && a.sentAt + a.ms < signalledAt).map((a) => a.ms));
    const surelyReceived = answers.filter((a) => a.sentAt < signalledAt - slowestBefore);
    // What is still running at the deadline is closed by design; nothing may be cut before it.
    const cutAtDeadline = surelyReceived.filter((a) => a.status === 0 && a.sentAt + a.ms >= signalledAt + DEADLINE_MS - 100);
    const cut = surelyReceived.filter((a) => a.status === 0 && a.sentAt + a.ms < signalledAt + DEADLINE_MS - 100);
    const neverAccepted = answers.filter((a) => a.sentAt >= signalledAt - 250 && a.status === 0 && !/ECONNREFUSED/.test(a.failure ?? '')).length;
    console.log(
      `[chaos] SIGTERM: acted on after ${actedAfter} ms, /ready then ${readyStatus}; ${drained.inFlightAtStart} requests in flight at the signal, ` +
        `the ${IN_FLIGHT} held open answered ${JSON.stringify(inFlightAnswers.map((a) => a.status))}; load answers finishing after the signal ${JSON.stringify(tally(afterSignal))} ` +
        `(${neverAccepted} reset while queued in the kernel at the close, ${cutAtDeadline.length} still running at the deadline; surely received: sent over ${slowestBefore} ms before the signal); exit ${exited.code} after ${exitedAt - signalledAt} ms; ` +
        `stalled clients closed after ${headersClosedAt - signalledAt} / ${bodyClosedAt - signalledAt} ms (${drained.cutAtDeadline} connections cut at the deadline)`,
    );

    expect(exited.code).toBe(0);
    expect(inFlightAnswers.map((a) => a.status)).toEqual(Array(IN_FLIGHT).fill(200));
    expect(inFlightAnswers.every((a) => JSON.parse(a.text).data.eventTypes.nodes.length > 0)).toBe(true);
    expect(cut.map((a) => ({ sent: a.sentAt - signalledAt, ended: a.sentAt + a.ms - signalledAt, failure: a.failure }))).toEqual([]);
    expect(answers.filter((a) => a.status !== 0 && a.status !== 200)).toEqual([]);
    expect(readyStatus === 503 || readyStatus === 0).toBe(true);
    // Stalled mid-headers or mid-body, both keep their connection until the deadline closes it.
    expect(headersClosedAt - signalledAt).toBeGreaterThanOrEqual(DEADLINE_MS - 500);
    expect(bodyClosedAt - signalledAt).toBeGreaterThanOrEqual(DEADLINE_MS - 500);
    expect(exitedAt - signalledAt).toBeLessThan(DEADLINE_MS + 5000);
    expect(server.output.stdout).toMatch(/"msg":"stopped"/);
  });
});
