import { beforeAll, expect, it } from 'vitest';
import type { ApiKeyEnvironment } from '../../src/auth/key-format.js';
import { tenantOf, type Principal } from '../../src/auth/principal.js';
import { bookings } from '../../src/db/schema/index.js';
import { newId } from '../../src/lib/random.js';
import { findApiKey, listApiKeys } from '../../src/modules/api-keys/api-keys.service.js';
import { findEventType } from '../../src/modules/event-types/event-types.service.js';
import { createdKey, expectFieldError, expectOk } from '../helpers/api-keys.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

type Owner = { organizationId: string; environment: ApiKeyEnvironment | null; kind: string };
type Key = { id: string; secret: string; organizationId: string; environment: ApiKeyEnvironment; scopes: Set<string> };

const EVENT_TYPE_FIELDS = 'id title slug';

async function createEventType(harness: TestHarness, key: string, slug: string): Promise<string> {
  const response = await harness.request(
    'mutation New($input: CreateEventTypeInput!) { createEventType(input: $input) { id } }',
    { key, variables: { input: { title: `Event ${slug}`, slug, durationMinutes: 30 } } },
  );
  return expectOk(response).createEventType.id;
}

async function insertBooking(harness: TestHarness, owner: { organizationId: string; environment: ApiKeyEnvironment }, eventTypeId: string, createdByKeyId: string, startAt: Date) {
  const id = newId('bkg');
  await harness.db.insert(bookings).values({
    id,
    organizationId: owner.organizationId,
    environment: owner.environment,
    eventTypeId,
    startAt,
    endAt: new Date(startAt.getTime() + 30 * 60_000),
    attendeeName: 'Ada',
    attendeeEmail: 'ada@example.com',
    createdByKeyId,
    createdAt: harness.clock,
    updatedAt: harness.clock,
  });
  return id;
}

describeIntegration('tenancy and live/test separation', (harness) => {
  let a: TestOrganization;
  let b: TestOrganization;

  beforeAll(async () => {
    a = await harness.organization('LIVE');
    b = await harness.organization('LIVE');
  });

  it("answers NOT_FOUND, never FORBIDDEN, for another organization's event type and booking", async () => {
    const theirs = await createEventType(harness, b.adminKey, 'theirs');
    const theirBooking = await insertBooking(harness, { organizationId: b.organizationId, environment: 'LIVE' }, theirs, b.adminKeyId, harness.clock);

    const eventType = await harness.request(`query One($id: ID!) { eventType(id: $id) { ${EVENT_TYPE_FIELDS} } }`, {
      key: a.adminKey,
      variables: { id: theirs },
    });
    expect(expectFieldError(eventType, 'NOT_FOUND').extensions.type).toBe('invalid_request_error');
    expect(eventType.body.data).toEqual({ eventType: null });

    const booking = await harness.request('query One($id: ID!) { booking(id: $id) { id } }', { key: a.adminKey, variables: { id: theirBooking } });
    expectFieldError(booking, 'NOT_FOUND');

    // The same answer as for an id that exists nowhere.
    const missing = await harness.request(`query One($id: ID!) { eventType(id: $id) { id } }`, { key: a.adminKey, variables: { id: 'evtype_nothing' } });
    expect(expectFieldError(missing, 'NOT_FOUND').message).toBe(
      expectFieldError(eventType, 'NOT_FOUND').message.replace(theirs, 'evtype_nothing'),
    );

    const lists = expectOk(await harness.request('{ eventTypes(first: 200) { nodes { id } } bookings { nodes { id } } }', { key: a.adminKey }));
    expect(lists.eventTypes.nodes.map((e: { id: string }) => e.id)).not.toContain(theirs);
    expect(lists.bookings.nodes.map((n: { id: string }) => n.id)).not.toContain(theirBooking);
  });

  it('keeps live and test data apart within one organization', async () => {
    const testKey = await harness.makeKey({ organization: a, environment: 'TEST', scopes: ['*'] });
    const liveEvent = await createEventType(harness, a.adminKey, 'same-slug');
    // The slug is free again in the other world: they are separate.
    const testEvent = await createEventType(harness, testKey.secret, 'same-slug');
    const liveBooking = await insertBooking(harness, { organizationId: a.organizationId, environment: 'LIVE' }, liveEvent, a.adminKeyId, harness.clock);
    const testBooking = await insertBooking(harness, { organizationId: a.organizationId, environment: 'TEST' }, testEvent, testKey.id, harness.clock);

    const query = '{ eventTypes(first: 200) { nodes { id } } bookings { nodes { id } } }';
    const fromTest = expectOk(await harness.request(query, { key: testKey.secret }));
    expect(fromTest.eventTypes.nodes.map((e: { id: string }) => e.id)).toEqual([testEvent]);
    expect(fromTest.bookings.nodes.map((n: { id: string }) => n.id)).toEqual([testBooking]);
    const fromLive = expectOk(await harness.request(query, { key: a.adminKey }));
    expect(fromLive.eventTypes.nodes.map((e: { id: string }) => e.id)).not.toContain(testEvent);
    expect(fromLive.bookings.nodes.map((n: { id: string }) => n.id)).toContain(liveBooking);
    expect(fromLive.bookings.nodes.map((n: { id: string }) => n.id)).not.toContain(testBooking);

    const one = `query One($id: ID!) { eventType(id: $id) { id } }`;
    expectFieldError(await harness.request(one, { key: testKey.secret, variables: { id: liveEvent } }), 'NOT_FOUND');
    expectFieldError(await harness.request(one, { key: a.adminKey, variables: { id: testEvent } }), 'NOT_FOUND');
  });

  it('filters in the data layer, whatever a resolver passes', async () => {
    const theirs = await createEventType(harness, b.adminKey, 'layer');
    const tenantA = { organizationId: a.organizationId, environment: 'LIVE' as const };
    await expect(findEventType(harness.db, tenantA, theirs)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const principalA = {
      kind: 'api-key',
      id: a.adminKeyId,
      organizationId: a.organizationId,
      scopes: new Set(),
      key: { environment: 'LIVE' },
    } as unknown as Principal;
    await expect(findApiKey(harness.db, principalA, b.adminKeyId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await listApiKeys(harness.db, principalA, { includeRevoked: true, revealedToInactiveMembers: false }, new Date())).every((key) => key.organizationId === a.organizationId)).toBe(true);
    expect(tenantOf(principalA)).toEqual(tenantA);
  });
});

/** Small, seedable PRNG so a failing run can be replayed with TENANCY_SEED. */
function mulberry32(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describeIntegration('no read crosses organizations, property-style', (harness) => {
  const seed = Number(process.env.TENANCY_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const subset = <T>(items: readonly T[]): T[] => items.filter(() => random() < 0.5);

  const READ_SCOPES = ['event-types:read', 'event-types:write', 'bookings:read', 'bookings:read-own', 'keys:read', 'keys:manage', 'audit:read'];
  const owners = new Map<string, Owner>();
  const keys: Key[] = [];
  const eventTypeIds: string[] = [];
  const bookingIds: string[] = [];
  const bookingCreator = new Map<string, string>();

  async function populate(round: number) {
    for (const admin of keys.filter((key) => key.scopes.has('*'))) {
      const world = { organizationId: admin.organizationId, environment: admin.environment };
      for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) {
        const scopes = subset(READ_SCOPES);
        const made = await createdKey(harness, admin.secret, {
          environment: admin.environment,
          scopes: scopes.length ? scopes : ['team:read'],
        });
        keys.push({ id: made.id, secret: made.secret, ...world, scopes: new Set(scopes) });
        owners.set(made.id, { ...world, kind: 'key' });
      }
      const worldKeys = keys.filter((key) => key.organizationId === admin.organizationId && key.environment === admin.environment);
      for (let i = 0, n = 1 + Math.floor(random() * 2); i < n; i++) {
        const id = await createEventType(harness, admin.secret, `r${round}-${i}-${Math.floor(random() * 1e9)}`);
        eventTypeIds.push(id);
        owners.set(id, { ...world, kind: 'eventType' });
      }
      const worldEventTypes = eventTypeIds.filter((id) => owners.get(id)!.organizationId === admin.organizationId && owners.get(id)!.environment === admin.environment);
      for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) {
        const creator = pick(worldKeys);
        const id = await insertBooking(harness, world, pick(worldEventTypes), creator.id, new Date(harness.clock.getTime() + random() * 1e9));
        bookingIds.push(id);
        bookingCreator.set(id, creator.id);
        owners.set(id, { ...world, kind: 'booking' });
      }
    }
  }

  /** Every id anywhere in a response must belong to the caller's organization (and world, for domain rows). */
  function assertOwnRows(key: Key, data: unknown, context: string) {
    const visit = (value: unknown) => {
      if (typeof value === 'string') {
        const owner = owners.get(value);
        if (!owner) return;
        const where = `${context} (seed ${seed}) returned ${owner.kind} ${value}`;
        expect(owner.organizationId, where).toBe(key.organizationId);
        if (owner.kind === 'eventType' || owner.kind === 'booking') expect(owner.environment, where).toBe(key.environment);
        if (key.environment === 'TEST' && owner.environment) expect(owner.environment, where).toBe('TEST');
      } else if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') Object.values(value).forEach(visit);
    };
    visit(data);
  }

  async function checkEveryRead() {
    await harness.app.flush();
    const auditRows = await harness.database.query<{ id: string; organization_id: string; environment: ApiKeyEnvironment }>(
      'select id, organization_id, environment from audit_events',
    );
    for (const row of auditRows) owners.set(row.id, { organizationId: row.organization_id, environment: row.environment, kind: 'auditEvent' });

    for (const key of keys) {
      const lists = await harness.request(
        `{
          viewer { organization { id } apiKey { id createdBy { id } } }
          apiKeys(includeRevoked: true) { id createdBy { id } }
          eventTypes(first: 200) { nodes { id } }
          bookings(first: 200) { nodes { id eventType { id } } }
          auditEvents(first: 200) { nodes { id apiKeyId targetId } }
        }`,
        { key: key.secret },
      );
      expect(lists.status).toBe(200);
      const data = lists.body.data!;
      assertOwnRows(key, data, `lists for ${key.id}`);
      expect(data.viewer.organization.id).toBe(key.organizationId);
      expect(data.viewer.apiKey.id).toBe(key.id);
      if (data.bookings && !key.scopes.has('bookings:read') && !key.scopes.has('*')) {
        for (const node of data.bookings.nodes) expect(bookingCreator.get(node.id), `read-own (seed ${seed})`).toBe(key.id);
      }
      // Only refusals for missing scopes, never anything else.
      for (const error of lists.body.errors ?? []) expect(error.extensions.code).toBe('FORBIDDEN');

      for (const [field, ids] of [['eventType', eventTypeIds], ['booking', bookingIds]] as const) {
        if (ids.length === 0) continue;
        const id = pick(ids);
        const one = await harness.request(`query One($id: ID!) { ${field}(id: $id) { id } }`, { key: key.secret, variables: { id } });
        assertOwnRows(key, one.body.data, `${field}(${id}) for ${key.id}`);
        const owner = owners.get(id)!;
        const own = owner.organizationId === key.organizationId && owner.environment === key.environment;
        const codes = (one.body.errors ?? []).map((error) => error.extensions.code);
        if (!own) {
          expect(one.body.data?.[field] ?? null).toBeNull();
          expect(codes.length, `${field}(${id}) for ${key.id} (seed ${seed})`).toBe(1);
          expect(['NOT_FOUND', 'FORBIDDEN']).toContain(codes[0]);
        }
      }
    }
  }

  it(`random keys and data across three organizations and both worlds never leak`, async () => {
    for (let i = 0; i < 3; i++) {
      const org = await harness.organization('LIVE');
      const testAdmin = await harness.makeKey({ organization: org, environment: 'TEST', scopes: ['*'] });
      owners.set(org.organizationId, { organizationId: org.organizationId, environment: null, kind: 'organization' });
      owners.set(org.adminMemberId, { organizationId: org.organizationId, environment: null, kind: 'member' });
      owners.set(testAdmin.memberId, { organizationId: org.organizationId, environment: null, kind: 'member' });
      keys.push({ id: org.adminKeyId, secret: org.adminKey, organizationId: org.organizationId, environment: 'LIVE', scopes: new Set(['*']) });
      keys.push({ id: testAdmin.id, secret: testAdmin.secret, organizationId: org.organizationId, environment: 'TEST', scopes: new Set(['*']) });
      owners.set(org.adminKeyId, { organizationId: org.organizationId, environment: 'LIVE', kind: 'key' });
      owners.set(testAdmin.id, { organizationId: org.organizationId, environment: 'TEST', kind: 'key' });
    }
    for (let round = 0; round < 2; round++) {
      await populate(round);
      await checkEveryRead();
    }
    // Every world of every organization got data in each round, so every probe had something to leak.
    expect(eventTypeIds.length, `seed ${seed}`).toBeGreaterThanOrEqual(12);
    expect(bookingIds.length, `seed ${seed}`).toBeGreaterThanOrEqual(12);
  });
});
