/**
 * The attack: one public key stalls the instance for every tenant. 62-day
 * `availability` queries (1.1 MB and 0.2–0.5 s of CPU each) at 16 a second,
 * under the key's request limit, took another organization's trivial query
 * from 9 ms to 40 s, and work for clients that had gone away kept running.
 * Each test below is one part of that, and what refuses it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as pace from '../../src/lib/pace.js';
import { seedFlooder, type Flooder } from '../helpers/flooder.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { QueryCounter } from '../helpers/query-counter.js';
import { createEventType, createTeamMember, errorCode } from '../helpers/scheduling.js';
import { describeIntegration } from '../helpers/integration.js';
import { testTier } from '../helpers/test-database.js';

/**
 * Counts the units of availability work (a host's week, a member) and can make each one slow: a spy on
 * the pacer every long computation awaits between units, for this file only (its workers run other
 * files after it, with the same modules loaded).
 */
const probe = { pauses: 0, delayMs: 0, signals: [] as AbortSignal[] };
const originalPacer = pace.pacer;
beforeAll(() => {
  vi.spyOn(pace, 'pacer').mockImplementation((signal?: AbortSignal, sliceMs?: number) => {
    const pause = originalPacer(signal, sliceMs);
    if (signal) probe.signals.push(signal);
    return async () => {
      probe.pauses++;
      if (probe.delayMs) await new Promise((resolve) => setTimeout(resolve, probe.delayMs));
      await pause();
    };
  });
});
afterAll(() => {
  vi.mocked(pace.pacer).mockRestore();
});

const DAY = 86_400_000;
const AVAILABILITY = `query ($id: ID!, $from: DateTime!, $to: DateTime!) {
  availability(eventTypeId: $id, from: $from, to: $to) { start end localStart localEnd availableHosts } }`;
const FREE_BUSY = `query ($ids: [ID!]!, $from: DateTime!, $to: DateTime!) {
  freeBusy(teamMemberIds: $ids, from: $from, to: $to) { teamMemberId busy { start } } }`;
const VIEWER = '{ viewer { scopes } }';
const range = (from: Date, days: number) => ({ from: from.toISOString(), to: new Date(from.getTime() + days * DAY).toISOString() });
const aliased = (field: string, count: number, args: string) =>
  `query { ${Array.from({ length: count }, (_, i) => `c${i}: ${field}(${args}) { __typename }`).join(' ')} }`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeIntegration(`one tenant cannot starve another: limits, cost, deadline`, { env: {
      TRUST_PROXY: 'true',
      FIELD_RATE_LIMITS: 'on',
      // 31 days of two hosts fit; 62 do not.
      AVAILABILITY_MAX_HOST_DAYS: '100',
      REQUEST_TIMEOUT_MS: '1000',
    } }, (harness) => {
  let org: TestOrganization;
  let eventTypeId: string;
  let hostIds: string[];
  let tomorrow: Date;

  beforeAll(async () => {
    org = await harness.organization();
    tomorrow = new Date(Math.ceil(harness.clock.getTime() / DAY) * DAY + DAY);
    hostIds = [(await createTeamMember(harness, org.adminKey)).id, (await createTeamMember(harness, org.adminKey)).id];
    eventTypeId = (await createEventType(harness, org.adminKey, { hostIds })).id;
  });

  it('limits availability and freeBusy per public key and client address: the 61st call in a minute is refused', async () => {
    const widget = await harness.makeKey({ organization: org, scopes: ['availability:read'], type: 'PUBLIC' });
    const from = (ip: string) => ({ key: widget.secret, headers: { 'x-forwarded-for': ip } });
    // No hosts: each call is cheap, and every aliased call counts.
    const empty = (await createEventType(harness, org.adminKey)).id;
    const calls = aliased('availability', 15, `eventTypeId: "${empty}", from: "${range(tomorrow, 1).from}", to: "${range(tomorrow, 1).to}"`);
    for (let i = 0; i < 4; i++) expect((await harness.request(calls, from('203.0.113.1'))).body.errors).toBeUndefined();
    const sixtyFirst = await harness.request(calls, from('203.0.113.1'));
    expect(sixtyFirst.body.errors).toHaveLength(15);
    expect(sixtyFirst.body.errors![0]!.extensions).toMatchObject({ code: 'FIELD_RATE_LIMITED', field: 'availability', limit: { max: 60, by: 'public-client' } });
    expect(sixtyFirst.body.errors![0]!.message).toMatch(/^availability is limited to 60 calls per 1m per public key and client address; retry in \d+ s\.$/);
    // Another browser with the same key has its own allowance; freeBusy is counted apart.
    expect((await harness.request(calls, from('203.0.113.2'))).body.errors).toBeUndefined();
    const busy = aliased('freeBusy', 15, `teamMemberIds: ["${hostIds[0]}"], from: "${range(tomorrow, 1).from}", to: "${range(tomorrow, 1).to}"`);
    for (let i = 0; i < 4; i++) expect((await harness.request(busy, from('203.0.113.1'))).body.errors).toBeUndefined();
    expect(errorCode(await harness.request(busy, from('203.0.113.1')))).toBe('FIELD_RATE_LIMITED');
  });

  it('publishes both limits on both fields as @rateLimit in schema.graphql', async () => {
    const { printedSchemaWithoutDescriptions } = await import('../helpers/schema-text.js');
    const printed = printedSchemaWithoutDescriptions();
    for (const field of ['availability', 'freeBusy']) {
      const declared = `@requiresScopes(scopes: [["availability:read"]]) @rateLimit(max: 300, window: "1m", by: "key") @rateLimit(max: 60, window: "1m", by: "public-client")`;
      // From the field's name across its arguments (no directive among them) to its directives.
      expect(printed.slice(printed.indexOf(`  ${field}(`)).split('\n').find((line) => line.includes('@'))).toContain(declared);
    }
  });

  it('limits availability per key, secret keys included: the 301st call in a minute is refused', async () => {
    const server = await harness.makeKey({ organization: org, scopes: ['availability:read'] });
    const empty = (await createEventType(harness, org.adminKey)).id;
    const calls = aliased('availability', 15, `eventTypeId: "${empty}", from: "${range(tomorrow, 1).from}", to: "${range(tomorrow, 1).to}"`);
    for (let i = 0; i < 20; i++) expect((await harness.request(calls, { key: server.secret })).body.errors).toBeUndefined();
    const refused = await harness.request(calls, { key: server.secret });
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'FIELD_RATE_LIMITED', limit: { max: 300, window: '1m', by: 'key' } });
  });

  it('refuses a call that would cover too many host-days before reading any schedule, naming the argument', async () => {
    const counter = QueryCounter.attach(harness.db);
    const pauses = probe.pauses;
    let answer!: Awaited<ReturnType<TestHarness['request']>>;
    const statements = await counter.during(async () => {
      answer = await harness.request(AVAILABILITY, { key: org.adminKey, variables: { id: eventTypeId, ...range(tomorrow, 62) } });
    });
    expect(answer.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', argument: 'to', cost: 124, budget: 100 });
    expect(answer.body.errors![0]!.message).toMatch(/^availability over 62 days for 2 hosts costs 124 host-days; one request may spend 100\./);
    expect(statements.some((sql) => /"bookings"|calendar/.test(sql))).toBe(false);
    expect(probe.pauses).toBe(pauses);

    // One request's calls share the budget: two 31-day calls fit, a third does not.
    const three = `query ($id: ID!, $from: DateTime!, $to: DateTime!) { a: availability(eventTypeId: $id, from: $from, to: $to) { start }
      b: availability(eventTypeId: $id, from: $from, to: $to) { start } c: availability(eventTypeId: $id, from: $from, to: $to) { start } }`;
    const shared = await harness.request(three, { key: org.adminKey, variables: { id: eventTypeId, ...range(tomorrow, 25) } });
    // Aliases resolve concurrently (on PostgreSQL in any order): whichever comes last is the one refused.
    expect(shared.body.errors?.map((error) => error.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(Object.values(shared.body.data!).filter((slots) => slots !== null)).toHaveLength(2);
    expect(shared.body.errors![0]!.message).toMatch(/\(0 left after its other calls\)/);

    const busy = await harness.request(FREE_BUSY, { key: org.adminKey, variables: { ids: hostIds, ...range(tomorrow, 62) } });
    expect(busy.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', argument: 'to', cost: 124 });
  });

  it('answers at most 1,000 slots, the earliest', async () => {
    const allDay = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
    const host = await createTeamMember(harness, org.adminKey, { workingHours: allDay });
    const open = (await createEventType(harness, org.adminKey, { hostIds: [host.id] })).id;
    const answer = await harness.request(AVAILABILITY, { key: org.adminKey, variables: { id: open, ...range(tomorrow, 31) } });
    const slots = answer.body.data!.availability as Array<{ start: string }>;
    expect(slots).toHaveLength(1000);
    expect(slots[0]!.start).toBe(tomorrow.toISOString());
    expect(slots.at(-1)!.start).toBe(new Date(tomorrow.getTime() + 999 * 15 * 60_000).toISOString());
  });

  it('answers 504 TIMEOUT at the deadline and stops the computation', async () => {
    probe.delayMs = 400; // each host's week now takes 0.4 s: ten of them run well past the 1 s deadline
    try {
      const started = performance.now();
      const answer = await harness.request(AVAILABILITY, { key: org.adminKey, variables: { id: eventTypeId, ...range(tomorrow, 31) } });
      const elapsed = performance.now() - started;
      expect(answer.status).toBe(504);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/deadline/) })]);
      expect(answer.body.errors![0]!.extensions).toMatchObject({ code: 'TIMEOUT', type: 'api_error' });
      expect(elapsed).toBeLessThan(3000);
      const atAnswer = probe.pauses;
      await sleep(900);
      expect(probe.pauses).toBe(atAnswer);
      expect(probe.signals.at(-1)!.reason).toMatchObject({ code: 'TIMEOUT' });
    } finally {
      probe.delayMs = 0;
    }
  });

  it('stops the computation when the client goes away', async () => {
    probe.delayMs = 100;
    try {
      const before = probe.pauses;
      const client = new AbortController();
      const pending = Promise.resolve(harness.app.yoga.fetch('http://tessera.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminKey}` },
        body: JSON.stringify({ query: AVAILABILITY, variables: { id: eventTypeId, ...range(tomorrow, 31) } }),
        signal: client.signal,
      }));
      for (let waited = 0; probe.pauses === before && waited < 5000; waited += 5) await sleep(5);
      client.abort();
      await pending.then((response) => response.text()).catch(() => undefined);
      expect(probe.signals.at(-1)!.reason).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
      await sleep(150);
      const afterAbort = probe.pauses;
      await sleep(500);
      expect(probe.pauses).toBe(afterAbort);
      // Ten host-weeks were asked for; the work stopped after the first few.
      expect(afterAbort - before).toBeLessThan(5);
    } finally {
      probe.delayMs = 0;
    }
  });
});

// On PostgreSQL only: with the embedded database every query of every tenant also runs on the
// server's own thread, so how fast the victim is answered during a flood says as much about the
// machine's other load as about us (on a busy two-core run, p95 3.5 s where PostgreSQL answers in
// 40 ms). Production's many tenants are on PostgreSQL; the limits above are tested on both.
describe.skipIf(testTier() !== 'postgres')('the flood, on PostgreSQL', () => {
describeIntegration(
  `one tenant cannot starve another: the flood`,
  {
    env: { TRUST_PROXY: 'true', FIELD_RATE_LIMITS: 'on', RATE_LIMIT_LIVE_PER_MINUTE: '', ORG_CONCURRENCY_LIMIT: '' },
  },
  (harness) => {
  const FLOOD_PER_SECOND = 16;
  const FLOOD_SECONDS = 4;
  let server: Server;
  let url: string;
  let flooder: Flooder;
  let victim: TestOrganization;

  beforeAll(async () => {
    // Production defaults for every limit; the flood comes from many addresses behind a trusted proxy.
    flooder = await seedFlooder(harness.db, harness.clock, 3);
    victim = await harness.organization();
    server = createServer(harness.app.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = async (key: string, body: unknown, headers: Record<string, string> = {}) => {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { data?: Record<string, unknown[]>; errors?: Array<{ extensions: { code: string } }> };
    return { ms: performance.now() - started, answer };
  };
  const askAsVictim = () => post(victim.adminKey, { query: VIEWER });
  const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.ceil((p / 100) * values.length) - 1]!;

  it(`keeps another organization's queries fast while a public key floods 62-day availability at ${FLOOD_PER_SECOND}/s`, async () => {
    const from = new Date(Math.ceil(harness.clock.getTime() / DAY) * DAY + DAY);
    const flood = { query: AVAILABILITY, variables: { id: flooder.eventTypeId, ...range(from, 62) } };
    const floodFrom = (n: number) => ({ origin: flooder.origin, 'x-forwarded-for': `198.51.100.${(n % 250) + 1}` });
    for (let i = 0; i < 5; i++) await askAsVictim();
    await post(flooder.key, flood, floodFrom(0));

    const alone: number[] = [];
    for (let end = Date.now() + 1000; Date.now() < end; await sleep(50)) alone.push((await askAsVictim()).ms);

    const sent: Array<ReturnType<typeof post>> = [];
    const started = Date.now();
    // Open loop: whatever is due goes out, answered or not, even when a timer fires late.
    const sender = setInterval(() => {
      while (sent.length < ((Date.now() - started) / 1000) * FLOOD_PER_SECOND) sent.push(post(flooder.key, flood, floodFrom(sent.length + 1)));
    }, 20);
    const during: number[] = [];
    try {
      while (Date.now() - started < FLOOD_SECONDS * 1000) {
        during.push((await askAsVictim()).ms);
        await sleep(50);
      }
    } finally {
      clearInterval(sender);
    }
    const flooded = await Promise.all(sent);
    const floodMs = flooded.map((answer) => answer.ms);
    const codes = flooded.map(({ answer }) => answer.errors?.[0]?.extensions.code ?? 'ok');
    console.log(
      `[${testTier()}] victim alone: p50 ${percentile(alone, 50).toFixed(0)} ms, p95 ${percentile(alone, 95).toFixed(0)} ms (${alone.length} requests); ` +
        `during the flood: p50 ${percentile(during, 50).toFixed(0)} ms, p95 ${percentile(during, 95).toFixed(0)} ms, ` +
        `max ${Math.max(...during).toFixed(0)} ms (${during.length} requests); flood: ${sent.length} sent, ` +
        `${codes.filter((code) => code === 'ok').length} answered in full, median ${percentile(floodMs, 50).toFixed(0)} ms`,
    );

    // The flood was the key's to send: no limit refused it, and the answers held the most one call may. On a
    // slow day a few calls run past their deadline: TIMEOUT is the deadline's answer, not a refusal.
    expect(sent.length).toBeGreaterThanOrEqual(FLOOD_PER_SECOND * FLOOD_SECONDS - 1);
    expect([...new Set(codes)].filter((code) => code !== 'ok' && code !== 'TIMEOUT')).toEqual([]);
    expect(codes.filter((code) => code === 'ok').length).toBeGreaterThan(codes.length / 2);
    expect(flooded[0]!.answer.data!.availability).toHaveLength(1000);
    // Not starved: before the fix the victim waited behind the flood, tens of seconds. Alone on a quiet machine
    // it is answered in milliseconds (a flood call in ≈ 30 ms); in the full suite on a shared two-core machine
    // both stretch with the load (one day's runs: the victim's p95 0.8–3.2 s while the flood's median call took
    // 4.4–10.2 s). So: within 2 s, or half a flood call when the machine makes those slower than 4 s; never 5.
    expect(percentile(during, 95)).toBeLessThan(Math.max(2000, percentile(floodMs, 50) / 2));
    expect(percentile(during, 95)).toBeLessThan(5000);
  });
});
});
