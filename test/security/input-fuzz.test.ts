/**
 * Bad input never reaches the database as a server error: every root Query
 * and Mutation field is called with random arguments of its own types
 * (test/helpers/graphql-fuzz.ts) through the app's pipeline, with a
 * full-access secret key and with a public key, and each answer must refuse
 * as the caller's mistake (BAD_USER_INPUT, NOT_FOUND, …), never as ours.
 *
 * Deterministic by default; FUZZ_SEED picks other cases, FUZZ_RUNS more of them:
 *   FUZZ_SEED=7 FUZZ_RUNS=200 npx vitest run --project pglite test/security/input-fuzz.test.ts
 */
import fc from 'fast-check';
import type { GraphQLField } from 'graphql';
import { beforeAll, expect, it } from 'vitest';
import { PUBLIC_KEY_SCOPES } from '../../src/auth/access/scopes.js';
import { INPUT_LIMITS, TEXT_LIMITS } from '../../src/lib/input-limits.js';
import { BOOKING_HORIZON_DAYS } from '../../src/modules/availability/slots.js';
import { buildSchema } from '../../src/schema.js';
import { AROUND_THE_CLOCK, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import { argumentsOf, operationFor, type FuzzContext } from '../helpers/graphql-fuzz.js';
import { expectBadUserInput, expectOk } from '../helpers/api-keys.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { testTier } from '../helpers/test-database.js';

// Each tier its own cases: PostgreSQL 30 per field; the embedded database, about three times as costly
// a request, 10 others (a seed of its own), so the two runs together try 40 different cases per field.
const onPglite = testTier() === 'pglite';
const SEED = Number(process.env.FUZZ_SEED ?? 20_251_201) + (onPglite ? 1 : 0);
const RUNS = Number(process.env.FUZZ_RUNS ?? (onPglite ? 10 : 30));

/** What a caller's mistake may be answered with; anything else (INTERNAL_SERVER_ERROR first) is ours. */
const REFUSALS = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'FORBIDDEN', 'SLOT_UNAVAILABLE', 'PAYLOAD_TOO_LARGE']);

const schema = buildSchema();
const rootFields = [
  ...Object.values(schema.getQueryType()!.getFields()).map((field) => ['query', field] as const),
  ...Object.values(schema.getMutationType()!.getFields()).map((field) => ['mutation', field] as const),
];

/** The same field gets the same cases whatever else the schema gains. */
const seedFor = (name: string) => [...name].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) | 0, SEED);

/** Variables as they can be read in a failure report: long strings cut, their length kept. */
const readable = (variables: unknown) =>
  JSON.stringify(variables, (_key, value: unknown) =>
    typeof value === 'string' && value.length > 80 ? `${value.slice(0, 40)}…(${value.length} chars)` : Array.isArray(value) && value.length > 20 ? [...value.slice(0, 3), `…(${value.length} items)`] : value,
  );

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');
const DAY = 86_400_000;

describeIntegration(`bad input is refused as the caller's mistake, never a server error`, { env: { WEBHOOK_POLL_INTERVAL_MS: '0', CALENDAR_REFRESH_INTERVAL_MS: '0', CALENDAR_FETCH_TIMEOUT_MS: '500' }, deps: // No name resolves: URLs with host names are refused without touching the network.
      { resolveHost: async () => Promise.reject(new Error('ENOTFOUND')) }, }, (harness) => {
  let callers: Array<[who: string, key: string]>;
  let context: FuzzContext;
  let world: World;
  let admin: string;

  beforeAll(async () => {
    const org = await harness.organization();
    const publicKey = await harness.makeKey({ organization: org, scopes: [...PUBLIC_KEY_SCOPES], type: 'PUBLIC' });
    callers = [
      ['secret (*)', org.adminKey],
      ['public', publicKey.secret],
    ];
    admin = org.adminKey;
    world = await seedWorld(harness, org, publicKey.secret);
    context = { now: harness.clock, knownIds: world.knownIds };
  });

  const ask = (query: string, variables: Record<string, unknown> = {}) => harness.request(query, { key: admin, variables });

  it('refuses dates in year 9999 or 0001 by the argument, before they reach the database', async () => {
    const analytics = 'query ($from: DateTime!, $to: DateTime!) { analytics(from: $from, to: $to, timeZone: "UTC") { totalBookings } }';
    expectBadUserInput(await ask(analytics, { from: '9999-12-01T00:00:00Z', to: '9999-12-31T00:00:00Z' }), 'from');
    const error = expectBadUserInput(await ask('query ($from: DateTime) { bookings(filter: { from: $from }) { nodes { id } } }', { from: '0001-01-01T00:00:00Z' }), 'filter.from');
    expect(error.message).toContain('2000-01-01T00:00:00.000Z');
    expectBadUserInput(await ask('{ freeBusy(teamMemberIds: ["tm_x"], from: "2099-12-31T00:00:00Z", to: "2101-01-01T00:00:00Z") { teamMemberId } }'), 'to');
  });

  it(`refuses a booking further ahead than the booking window (${BOOKING_HORIZON_DAYS} days), and offers no slot there`, async () => {
    const beyond = new Date(Math.ceil((harness.clock.getTime() + BOOKING_HORIZON_DAYS * DAY) / 900_000) * 900_000 + 900_000);
    const input = { eventTypeId: world.eventTypeId, startAt: beyond.toISOString(), attendee: { name: 'Ada', email: 'ada@example.com' } };
    const error = expectBadUserInput(await ask('mutation ($input: CreateBookingInput!) { createBooking(input: $input) { id } }', { input }), 'startAt');
    expect(error.message).toMatch(/days ahead/);
    const slots = await ask('query ($id: ID!, $from: DateTime!, $to: DateTime!) { availability(eventTypeId: $id, from: $from, to: $to) { start } }', {
      id: world.eventTypeId,
      from: new Date(beyond.getTime() - DAY).toISOString(),
      to: new Date(beyond.getTime() + DAY).toISOString(),
    });
    expect(Math.max(...expectOk(slots).availability.map((slot: { start: string }) => Date.parse(slot.start)))).toBeLessThan(beyond.getTime());
  });

  it('refuses a NUL character in an id or a string by its name, before PostgreSQL would fail on it', async () => {
    expectBadUserInput(await ask('query ($id: ID!) { teamMember(id: $id) { id } }', { id: 'tm_\u0000' }), 'id');
    const input = { name: 'Ada\u0000', email: 'ada@example.com', timeZone: 'UTC' };
    expectBadUserInput(await ask('mutation ($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { id } }', { input }), 'name');
  });

  it('refuses strings over their limit by name: every string, and each field at its own', async () => {
    expectBadUserInput(await ask('query ($action: String) { auditEvents(action: $action) { nodes { id } } }', { action: 'a'.repeat(INPUT_LIMITS.maxStringLength + 1) }), 'action');
    expectBadUserInput(await ask('query ($action: String) { auditEvents(action: $action) { nodes { id } } }', { action: 'a'.repeat(TEXT_LIMITS.auditAction + 1) }), 'action');
    expectBadUserInput(await ask('query ($slug: String!) { eventTypeBySlug(slug: $slug) { id } }', { slug: 'a'.repeat(TEXT_LIMITS.slug + 1) }), 'slug');
    const timeZone = 'Europe/'.padEnd(TEXT_LIMITS.timeZone + 1, 'x');
    expectBadUserInput(await ask('query ($tz: String!) { analytics(from: "2030-01-01T00:00:00Z", to: "2030-01-02T00:00:00Z", timeZone: $tz) { totalBookings } }', { tz: timeZone }), 'timeZone');
    expectBadUserInput(await ask('query ($id: ID!) { webhook(id: $id) { id } }', { id: 'wh_'.padEnd(INPUT_LIMITS.maxIdLength + 1, 'x') }), 'id');
  });

  it('refuses lists over 200 items and JSON nested too deep, by name', async () => {
    const ids = Array.from({ length: INPUT_LIMITS.maxListItems + 1 }, (_, i) => `tm_${i}`);
    expectBadUserInput(await ask('query ($ids: [ID!]!) { freeBusy(teamMemberIds: $ids, from: "2030-01-01T00:00:00Z", to: "2030-01-02T00:00:00Z") { teamMemberId } }', { ids }), 'teamMemberIds');
    let deep: unknown = 'bottom';
    for (let i = 0; i < 50; i++) deep = { topic: deep };
    const input = { eventTypeId: world.eventTypeId, startAt: '2030-01-01T10:00:00Z', attendee: { name: 'Ada', email: 'ada@example.com' }, customFieldValues: deep };
    const error = expectBadUserInput(await ask('mutation ($input: CreateBookingInput!) { createBooking(input: $input) { id } }', { input }));
    expect(error.extensions.field).toMatch(/^customFieldValues/);
  });

  it('refuses a page cursor this API never returned (a time past year 9999)', async () => {
    expectBadUserInput(await ask('query ($after: String) { teamMembers(after: $after) { nodes { id } } }', { after: cursorOf('99999|tm_x') }), 'after');
  });

  it('answers values GraphQL cannot coerce (a 40-bit first, an unknown enum, a null ID!) as BAD_USER_INPUT naming the argument', async () => {
    // Nothing ran, so there is no data: a request-level 400.
    expectBadUserInput(await ask('query ($first: Int) { teamMembers(first: $first) { nodes { id } } }', { first: 2 ** 40 }), 'first', 400);
    expectBadUserInput(await ask('query ($status: BookingStatus!) { bookings(filter: { status: [$status] }) { nodes { id } } }', { status: 'MAYBE' }), 'filter.status', 400);
    expectBadUserInput(await ask('query ($id: ID!) { booking(id: $id) { id } }', { id: null }), 'id', 400);
  });

  it('reads analytics in a zone Intl still knows by an alias the database dropped (US/Pacific-New)', async () => {
    const response = await ask('query ($from: DateTime!, $to: DateTime!) { analytics(from: $from, to: $to, timeZone: "US/Pacific-New") { timeZone totalBookings busiestHour } }', {
      from: new Date(harness.clock.getTime() - DAY).toISOString(),
      to: new Date(harness.clock.getTime() + 10 * DAY).toISOString(),
    });
    expect(expectOk(response).analytics).toMatchObject({ timeZone: 'America/Los_Angeles', totalBookings: 2 });
  });

  it.each(rootFields.map(([kind, field]) => [`${kind === 'query' ? 'Query' : 'Mutation'}.${field.name}`, kind, field] as const))(
    '%s',
    async (name, kind, field) => {
      const operation = operationFor(kind, field as GraphQLField<unknown, unknown>);
      const details = await fc.check(
        fc.asyncProperty(argumentsOf(field as GraphQLField<unknown, unknown>, context), async (variables) => {
          for (const [who, key] of callers) {
            const response = await harness.request(operation, { key, variables });
            const ours = (response.body.errors ?? []).filter((error) => !REFUSALS.has(error.extensions?.code));
            if (response.status >= 500 || ours.length > 0) {
              throw new Error(`${who} key: HTTP ${response.status}, ${JSON.stringify(ours.length ? ours : response.body.errors)}\n${operation}\nvariables: ${readable(variables)}`);
            }
          }
        }),
        { seed: seedFor(name), numRuns: RUNS },
      );
      expect(details.failed, details.failed ? `${name} (seed ${details.seed}, path ${details.counterexamplePath}):\n${(details.errorInstance as Error).message}` : '').toBe(false);
    },
  );
});

type World = { knownIds: string[]; eventTypeId: string };

/**
 * A small world whose ids the fuzzer mixes in: hosts, event types (one with
 * custom fields), bookings (one by the public key, with its access token), a
 * webhook with a delivery, a key to be revoked, and another organization's rows.
 */
async function seedWorld(harness: TestHarness, org: TestOrganization, publicKey: string): Promise<World> {
  const tenant = tenantOf(org);
  const host = await seedHost(harness, tenant, { workingHours: AROUND_THE_CLOCK });
  const otherHost = await seedHost(harness, tenant, { capacity: 3 });
  const plain = await seedEventType(harness, tenant, { hostIds: [host.id, otherHost.id] });
  const withFields = await seedEventType(harness, tenant, {
    hostIds: [host.id],
    customFields: [
      { key: 'topic', label: 'Topic', type: 'TEXT', required: false, options: [] },
      { key: 'size', label: 'Team size', type: 'NUMBER', required: false, options: [] },
      { key: 'consent', label: 'I agree', type: 'BOOLEAN', required: false, options: [] },
      { key: 'email', label: 'Work email', type: 'EMAIL', required: false, options: [] },
      { key: 'phone', label: 'Phone', type: 'PHONE', required: false, options: [] },
    ],
  });
  const webhook = expectOk(
    await harness.request('mutation { createWebhook(input: { url: "http://127.0.0.1:9/hook", events: ["booking.created"] }) { webhook { id } } }', { key: org.adminKey }),
  ).createWebhook.webhook.id as string;
  const tomorrow = new Date(Math.ceil(harness.clock.getTime() / 900_000) * 900_000 + 86_400_000);
  const book = (key: string, startAt: Date) =>
    harness.request('mutation Book($input: CreateBookingInput!) { createBooking(input: $input) { id accessToken } }', {
      key,
      variables: { input: { eventTypeId: plain.id, startAt: startAt.toISOString(), attendee: { name: 'Ada', email: 'ada@example.com' } } },
    });
  const booking = expectOk(await book(org.adminKey, tomorrow)).createBooking;
  const publicBooking = expectOk(await book(publicKey, new Date(tomorrow.getTime() + 3_600_000))).createBooking;
  const delivery = expectOk(
    await harness.request('query Deliveries($id: ID!) { webhook(id: $id) { deliveries { nodes { id } } } }', { key: org.adminKey, variables: { id: webhook } }),
  ).webhook.deliveries.nodes[0].id as string;
  const doomedKey = await harness.makeKey({ organization: org, scopes: ['bookings:read'] });
  const cursor = expectOk(await harness.request('{ bookings(first: 1) { pageInfo { endCursor } } }', { key: org.adminKey })).bookings.pageInfo
    .endCursor as string;

  const other = await harness.organization();
  const elsewhereHost = await seedHost(harness, tenantOf(other));
  const elsewhere = await seedEventType(harness, tenantOf(other), { hostIds: [elsewhereHost.id] });
  const knownIds = [
    host.id, otherHost.id, plain.id, withFields.id, plain.slug, booking.id, publicBooking.id, publicBooking.accessToken,
    webhook, delivery, doomedKey.id, cursor, elsewhereHost.id, elsewhere.id, other.adminKeyId,
  ];
  return { knownIds, eventTypeId: plain.id };
}
