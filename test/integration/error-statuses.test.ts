/**
 * Every row of the error table (src/lib/errors.ts, docs/errors.md) produced
 * against the real server, under `Accept: application/json` and
 * `Accept: application/graphql-response+json`: the status each column states,
 * the code and type, and 2xx whenever the response has `data`. Each code has
 * scenarios for each way its row says it travels (failing the request, on a
 * field); a code added to the table without one fails the first test.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/key-format.js';
import { ALL_ERROR_CODES, type ErrorCodeEntry } from '../../src/lib/errors.js';
import { attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import { testTier } from '../helpers/test-database.js';

type Accept = 'application/json' | 'application/graphql-response+json';
const ACCEPTS: Accept[] = ['application/json', 'application/graphql-response+json'];
type TableCode = keyof typeof ALL_ERROR_CODES;
type Answer = { status: number; body: { data?: Record<string, unknown> | null; errors?: Array<{ extensions: Record<string, unknown> }> } };

type Scenario = {
  /** What the scenario does, for the test title. */
  what: string;
  /** How the error reaches the client: failing the whole request (no data), or on a field next to data. */
  on: 'request' | 'field';
  /** The case the table's application/json column names apart (its `when`). */
  applicationJsonCase?: true;
  /** Why this tier cannot produce it; the other tier does. */
  skipOnThisTier?: string;
  produce(accept: Accept): Promise<Answer>;
};

const VIEWER = '{ viewer { scopes } }';
const LIMITS = {
  RATE_LIMIT_LIVE_PER_MINUTE: '1',
  ORG_CONCURRENCY_LIMIT: '1',
  AUTH_FAILURES_PER_MINUTE: '3',
  FIELD_RATE_LIMITS: 'on',
  PUBLIC_BOOKINGS_PER_EMAIL_PER_DAY: '1',
  WEBHOOK_MAX_ENDPOINTS: '1',
  AVAILABILITY_MAX_HOST_DAYS: '5',
  MAX_BODY_BYTES: '4096',
  // Each request below comes from an address of its own (X-Forwarded-For), so failed authentications never add up by accident.
  TRUST_PROXY: 'true',
};
const resolveHost = async () => [{ address: '93.184.216.34', family: 4 as const }];

/** The status the table states for this scenario and Accept header. */
function expectedStatus(entry: ErrorCodeEntry, scenario: Scenario, accept: Accept): number {
  if (scenario.on === 'field') return 200;
  const json = accept === 'application/json' ? entry.applicationJson : undefined;
  if (json && (!json.when || scenario.applicationJsonCase)) return json.status;
  return entry.status!;
}

describeIntegrationOnOneTier('the HTTP status of every error code', { env: LIMITS, deps: { resolveHost } }, (harness) => {
  let org: TestOrganization;
  let liveOrg: TestOrganization;
  let eventTypeId: string;
  let addresses = 0;
  let slots = 0;
  let emails = 0;

  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    liveOrg = await harness.organization('LIVE');
    const host = await seedHost(harness, tenantOf(org));
    eventTypeId = (await seedEventType(harness, tenantOf(org), { hostIds: [host.id] })).id;
    // Verified once, so admission needs no database while a scenario holds a table.
    await harness.request(VIEWER, { key: org.adminKey, headers: { 'x-forwarded-for': '198.51.100.1' } });
  });

  const from = () => ({ 'x-forwarded-for': `10.0.${Math.floor(++addresses / 250)}.${(addresses % 250) + 1}` });
  const ask = (accept: Accept, query: string, options: { key?: string | null; variables?: Record<string, unknown>; headers?: Record<string, string> } = {}) =>
    harness.request(query, { ...options, headers: { accept, ...from(), ...options.headers } });
  const raw = async (accept: Accept, init: RequestInit & { url?: string }, key: string | null = org.adminKey): Promise<Answer> => {
    const headers = { 'content-type': 'application/json', accept, ...from(), ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) };
    const response = await harness.app.yoga.fetch(init.url ?? 'http://tessera.test/graphql', { ...init, headers });
    return { status: response.status, body: await response.json() };
  };
  const booking = (email = 'ada@example.com') => ({
    eventTypeId,
    startAt: new Date(Date.parse('2030-01-08T00:00:00Z') + slots++ * 3_600_000).toISOString(),
    attendee: { ...attendee(), email },
  });
  const key = (scopes: string[], options: { type?: 'PUBLIC'; organization?: TestOrganization; environment?: 'LIVE' } = {}) =>
    harness.makeKey({ organization: options.organization ?? org, scopes, type: options.type, environment: options.environment });

  const SCENARIOS: Record<TableCode, Scenario[]> = {
    UNAUTHORIZED: [{ what: 'no key', on: 'request', produce: (accept) => ask(accept, VIEWER) }],
    INVALID_API_KEY: [{ what: 'an unknown key', on: 'request', produce: (accept) => ask(accept, VIEWER, { key: generateApiKey('SECRET', 'TEST') }) }],
    FORBIDDEN: [
      {
        what: 'another organization in X-Organization-Id',
        on: 'request',
        produce: (accept) => ask(accept, VIEWER, { key: org.adminKey, headers: { 'x-organization-id': 'org_someone_else' } }),
      },
      {
        what: 'a field the key has no scope for',
        on: 'field',
        produce: async (accept) => ask(accept, '{ viewer { scopes } apiKeys { id } }', { key: (await key(['event-types:read'])).secret }),
      },
    ],
    BAD_USER_INPUT: [
      {
        what: 'a variable that is not its type',
        on: 'request',
        produce: (accept) => ask(accept, 'query($n: Int) { eventTypes(first: $n) { nodes { id } } }', { key: org.adminKey, variables: { n: 'ten' } }),
      },
      { what: 'an argument out of bounds', on: 'field', produce: (accept) => ask(accept, '{ viewer { scopes } eventTypes(first: 500) { nodes { id } } }', { key: org.adminKey }) },
    ],
    SLOT_UNAVAILABLE: [
      {
        what: 'one alias books a taken slot, the other a free one',
        on: 'field',
        produce: async (accept) => {
          const taken = booking();
          await ask(accept, 'mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }', { key: org.adminKey, variables: { i: taken } });
          return ask(accept, 'mutation($a: CreateBookingInput!, $b: CreateBookingInput!) { a: createBooking(input: $a) { id } b: createBooking(input: $b) { id } }', {
            key: org.adminKey,
            variables: { a: taken, b: booking() },
          });
        },
      },
    ],
    RESOURCE_LIMIT_REACHED: [
      {
        what: 'two webhook endpoints where one is allowed',
        on: 'field',
        produce: async (accept) => {
          const fresh = await harness.organization();
          const endpoint = (alias: string) => `${alias}: createWebhook(input: { url: "https://hooks.example.com/${alias}", events: ["booking.created"] }) { secret }`;
          return ask(accept, `mutation { ${endpoint('first')} ${endpoint('second')} }`, { key: fresh.adminKey });
        },
      },
    ],
    NOT_FOUND: [{ what: 'an event type that does not exist', on: 'field', produce: (accept) => ask(accept, '{ viewer { scopes } eventType(id: "evtype_missing") { id } }', { key: org.adminKey }) }],
    BAD_REQUEST: [
      { what: 'a body with a parameter GraphQL does not know', on: 'request', produce: (accept) => raw(accept, { method: 'POST', body: JSON.stringify({ query: VIEWER, mood: 'curious' }) }) },
      { what: 'a body without `query`', on: 'request', applicationJsonCase: true, produce: (accept) => raw(accept, { method: 'POST', body: JSON.stringify({ variables: {} }) }) },
    ],
    METHOD_NOT_ALLOWED: [
      { what: 'PUT on /graphql', on: 'request', produce: (accept) => raw(accept, { method: 'PUT', body: JSON.stringify({ query: VIEWER }) }) },
      {
        what: 'a mutation over GET',
        on: 'request',
        produce: (accept) => raw(accept, { method: 'GET', url: `http://tessera.test/graphql?query=${encodeURIComponent('mutation { revokeApiKey(id: "key_x") { id } }')}` }),
      },
    ],
    QUERY_TOO_COMPLEX: [
      {
        what: 'more aliases than allowed',
        on: 'request',
        produce: (accept) => ask(accept, `{ ${Array.from({ length: 20 }, (_, i) => `v${i}: viewer { scopes }`).join(' ')} }`, { key: org.adminKey }),
      },
      {
        what: 'availability over more host-days than the request has',
        on: 'field',
        produce: (accept) =>
          ask(accept, `{ viewer { scopes } availability(eventTypeId: "${eventTypeId}", from: "2030-01-08T00:00:00Z", to: "2030-01-28T00:00:00Z", timeZone: "UTC") { start } }`, {
            key: org.adminKey,
          }),
      },
    ],
    PAYLOAD_TOO_LARGE: [{ what: 'a body over MAX_BODY_BYTES', on: 'request', produce: (accept) => raw(accept, { method: 'POST', body: JSON.stringify({ query: `${VIEWER}${' '.repeat(5000)}` }) }) }],
    PERSISTED_QUERY_NOT_SUPPORTED: [
      {
        what: 'a persisted-query hash without the query',
        on: 'request',
        produce: (accept) => raw(accept, { method: 'POST', body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }) }),
      },
    ],
    PERSISTED_DOCUMENT_NOT_FOUND: [
      {
        what: 'a documentId the organization never registered',
        on: 'request',
        produce: (accept) => raw(accept, { method: 'POST', body: JSON.stringify({ documentId: `sha256:${'0'.repeat(64)}` }) }),
      },
    ],
    RATE_LIMITED: [
      {
        what: "a live key's second request in a minute",
        on: 'request',
        produce: async (accept) => {
          const { secret } = await key(['event-types:read'], { organization: liveOrg, environment: 'LIVE' });
          await ask(accept, VIEWER, { key: secret });
          return ask(accept, VIEWER, { key: secret });
        },
      },
    ],
    USAGE_EXHAUSTED: [
      {
        what: 'the second request of a key with a usage limit of one',
        on: 'request',
        produce: async (accept) => {
          const { secret } = await harness.makeKey({ organization: org, scopes: ['event-types:read'], usageLimit: { requests: 1 } });
          await ask(accept, VIEWER, { key: secret });
          return ask(accept, VIEWER, { key: secret });
        },
      },
    ],
    CONCURRENCY_LIMITED: [
      {
        what: "a request while the organization's one slot is taken",
        on: 'request',
        produce: async (accept) => {
          const fresh = await harness.organization();
          await ask(accept, VIEWER, { key: fresh.adminKey });
          return whileHeld(harness, async () => {
            const inFlight = ask(accept, '{ eventTypes(first: 1) { nodes { id } } }', { key: fresh.adminKey });
            await eventually(() => harness.app.guard.concurrency.heldLocally(fresh.organizationId) === 1, 5000, 'the request taking its slot');
            return { answer: await ask(accept, VIEWER, { key: fresh.adminKey }), inFlight };
          });
        },
      },
    ],
    AUTHENTICATION_THROTTLED: [
      {
        what: 'a fourth failed authentication from one address',
        on: 'request',
        produce: async (accept) => {
          const address = from();
          for (let i = 0; i < 3; i++) await ask(accept, VIEWER, { key: generateApiKey('SECRET', 'TEST'), headers: address });
          return ask(accept, VIEWER, { key: generateApiKey('SECRET', 'TEST'), headers: address });
        },
      },
    ],
    FIELD_RATE_LIMITED: [
      {
        what: 'eleven createBooking calls of one public key and address (ten allowed)',
        on: 'field',
        produce: async (accept) => {
          const { secret } = await key(['bookings:create'], { type: 'PUBLIC' });
          const calls = Array.from({ length: 11 }, (_, i) => `b${i}: createBooking(input: $input) { id }`).join(' ');
          return ask(accept, `mutation($input: CreateBookingInput!) { ${calls} }`, { key: secret, variables: { input: { ...booking(), eventTypeId: 'evtype_missing' } } });
        },
      },
    ],
    BOOKING_LIMIT_REACHED: [
      {
        what: "a public key's second booking for one attendee email in a day",
        on: 'field',
        produce: async (accept) => {
          const { secret } = await key(['bookings:create'], { type: 'PUBLIC' });
          const email = `visitor${++emails}@example.com`;
          return ask(accept, 'mutation($a: CreateBookingInput!, $b: CreateBookingInput!) { a: createBooking(input: $a) { id } b: createBooking(input: $b) { id } }', {
            key: secret,
            variables: { a: booking(email), b: booking(email) },
          });
        },
      },
    ],
    SERVICE_UNAVAILABLE: [
      {
        what: 'the database handle closed: the next valid operation',
        on: 'request',
        skipOnThisTier: pgliteCannotGoAway(),
        produce: (accept) =>
          withClosedDatabase(async (closed, key) => {
            // The first call to fail marks the database down; the next valid operation is answered before it runs.
            await closed.request('{ eventTypes(first: 1) { nodes { id } } }', { key });
            return closed.request(VIEWER, { key, headers: { accept } });
          }),
      },
      {
        what: 'the database handle closed: a field that needs it, next to one that does not',
        on: 'field',
        skipOnThisTier: pgliteCannotGoAway(),
        produce: (accept) => withClosedDatabase((closed, key) => closed.request('{ viewer { scopes } eventTypes(first: 1) { nodes { id } } }', { key, headers: { accept } })),
      },
    ],
    TIMEOUT: [
      {
        what: 'a query waiting on a locked table past REQUEST_TIMEOUT_MS',
        on: 'request',
        produce: async (accept) => {
          const slow = await TestHarness.start({ REQUEST_TIMEOUT_MS: '50' });
          try {
            const fresh = await slow.organization();
            await slow.request(VIEWER, { key: fresh.adminKey });
            return await whileHeld(slow, async () => ({
              answer: await slow.request('{ eventTypes(first: 1) { nodes { id } } }', { key: fresh.adminKey, headers: { accept } }),
            }));
          } finally {
            await slow.stop();
          }
        },
      },
    ],
    CLIENT_CLOSED_REQUEST: [
      {
        // The 499 reaches nobody over HTTP: the answer is read from the app's own handler, which a real client's
        // disconnect reaches through the same signal.
        what: 'the client aborts a query waiting on a locked table',
        on: 'request',
        produce: async (accept) => {
          const fresh = await harness.organization();
          await ask(accept, VIEWER, { key: fresh.adminKey });
          return whileHeld(harness, async () => {
            const client = new AbortController();
            const request = new Request('http://tessera.test/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${fresh.adminKey}`, ...from() },
              body: JSON.stringify({ query: '{ eventTypes(first: 1) { nodes { id } } }' }),
              signal: client.signal,
            });
            const answered = Promise.resolve(harness.app.yoga.handleRequest(request, {}));
            await eventually(() => harness.app.guard.concurrency.heldLocally(fresh.organizationId) === 1, 5000, 'the request taking its slot');
            client.abort();
            const response = await answered;
            return { answer: { status: response.status, body: await response.json() } };
          });
        },
      },
    ],
    INTERNAL_SERVER_ERROR: [
      {
        what: 'key verification failing unexpectedly (its table renamed away)',
        on: 'request',
        produce: (accept) => withTableAway('api_keys', () => ask(accept, VIEWER, { key: generateApiKey('SECRET', 'TEST') })),
      },
      {
        what: 'a field failing unexpectedly (its table renamed away), next to one that does not',
        on: 'field',
        produce: (accept) => withTableAway('event_types', () => ask(accept, '{ viewer { scopes } eventTypes(first: 1) { nodes { id } } }', { key: org.adminKey })),
      },
    ],
    GRAPHQL_PARSE_FAILED: [{ what: 'a document that does not parse', on: 'request', produce: (accept) => ask(accept, '{ viewer {', { key: org.adminKey }) }],
    GRAPHQL_VALIDATION_FAILED: [{ what: 'a field the schema does not have', on: 'request', produce: (accept) => ask(accept, '{ noSuchField }', { key: org.adminKey }) }],
  };

  it('has a scenario for each way every row of the table says its code travels', () => {
    for (const [code, entry] of Object.entries(ALL_ERROR_CODES) as Array<[TableCode, ErrorCodeEntry]>) {
      const scenarios = SCENARIOS[code] ?? [];
      expect(scenarios.length, `${code} has no scenario: add one to SCENARIOS`).toBeGreaterThan(0);
      if (entry.status !== undefined) expect(scenarios.some((s) => s.on === 'request'), `${code}: no request-level scenario`).toBe(true);
      if (entry.onField) expect(scenarios.some((s) => s.on === 'field'), `${code}: no field-level scenario`).toBe(true);
      if (entry.applicationJson?.when) expect(scenarios.some((s) => s.applicationJsonCase), `${code}: no scenario ${entry.applicationJson.when}`).toBe(true);
    }
    expect(Object.keys(SCENARIOS).sort()).toEqual(Object.keys(ALL_ERROR_CODES).sort());
  });

  const cases = (Object.entries(SCENARIOS) as Array<[TableCode, Scenario[]]>).flatMap(([code, scenarios]) =>
    scenarios.map((scenario) => ({ code, scenario, title: `${code} (${scenario.on}): ${scenario.what}` })),
  );
  describe.each(cases)('$title', ({ code, scenario }) => {
    const entry: ErrorCodeEntry = ALL_ERROR_CODES[code];
    it.skipIf(scenario.skipOnThisTier !== undefined).each(ACCEPTS)('answers the status the table states, Accept: %s', async (accept) => {
      const { status, body } = await scenario.produce(accept);
      const error = body.errors?.find((candidate) => candidate.extensions.code === code);
      expect(error, JSON.stringify(body)).toBeDefined();
      expect(error!.extensions.type).toBe(entry.type);
      expect(status, JSON.stringify(body)).toBe(expectedStatus(entry, scenario, accept));
      if (scenario.on === 'field') expect(body.data, 'a field error comes with the other fields’ data').toBeTruthy();
      else expect(body.data ?? undefined).toBeUndefined();
      if (body.data != null) expect(status).toBeGreaterThanOrEqual(200);
      if (body.data != null) expect(status).toBeLessThan(300);
      // Whatever failed, the organization's slots are all given back.
      expect(harness.app.guard.concurrency.heldLocally(org.organizationId)).toBe(0);
    });
  });

  /** Runs `work` with a table renamed away (an unexpected failure for whatever reads it), then puts it back. */
  async function withTableAway<T>(table: string, work: () => Promise<T>): Promise<T> {
    await harness.database.query(`alter table ${table} rename to ${table}_away`);
    try {
      return await work();
    } finally {
      await harness.database.query(`alter table ${table}_away rename to ${table}`);
    }
  }
});

/**
 * Runs `work` while a transaction holds event_types locked, so a query reading it waits; `work` may leave a
 * request in flight, which finishes once the lock goes.
 */
async function whileHeld(harness: TestHarness, work: () => Promise<{ answer: Answer; inFlight?: Promise<unknown> }>): Promise<Answer> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holding = harness.db.transaction(async (tx) => {
    await tx.execute(sql`lock table event_types in access exclusive mode`);
    locked();
    await released;
  });
  await isLocked;
  try {
    const { answer, inFlight } = await work();
    release();
    await inFlight;
    return answer;
  } finally {
    release();
    await holding;
  }
}

/**
 * An embedded PGlite goes away only with its process (and, closed under a transaction, rejects where no caller
 * can catch it): the postgres tier produces SERVICE_UNAVAILABLE with a closed handle, as
 * database-unavailable.test.ts does.
 */
function pgliteCannotGoAway(): string | undefined {
  return testTier() === 'pglite' ? 'PGlite cannot be closed under a running app' : undefined;
}

/** A harness of its own whose database handle is closed after its key was verified (cached). */
async function withClosedDatabase(work: (closed: TestHarness, key: string) => Promise<Answer>): Promise<Answer> {
  const closed = await TestHarness.start();
  try {
    const org = await closed.organization();
    // Closed only once key changes are heard: a LISTEN the closed database refused would leave nothing cached,
    // and the key's verification would need the database (a busy machine set up the LISTEN late enough).
    await closed.app.keyChangesHeard;
    await closed.request(VIEWER, { key: org.adminKey });
    await closed.database.close();
    return await work(closed, org.adminKey);
  } finally {
    await closed.app.stop();
  }
}
