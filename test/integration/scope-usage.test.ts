import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, webhookEvents, webhooks } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { newId } from '../../src/lib/random.js';
import { OverprivilegedKeyReview } from '../../src/modules/api-keys/overprivileged-keys.js';
import { expectBadUserInput, expectOk, expectPolicyRefusal, updateKey, updatePolicy, viewer } from '../helpers/api-keys.js';
import { attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { QueryCounter } from '../helpers/query-counter.js';

const DAY = 86_400_000;
const USAGE = `query Usage($days: Int) { apiKeys { id scopeUsage(days: $days) { days scopes { scope requests lastUsedAt } unusedScopes suggestedScopes } } }`;

type Usage = { scopes: Array<{ scope: string; requests: number; lastUsedAt: string | null }>; unusedScopes: string[]; suggestedScopes: string[] };

describeIntegration('which scopes a key exercised', (harness) => {
  let org: TestOrganization;
  let eventTypeId: string;

  const usageOf = async (keyId: string, days?: number): Promise<Usage> => {
    await harness.app.flush();
    const listed = expectOk(await harness.request(USAGE, { key: org.adminKey, variables: { days } })).apiKeys as Array<{ id: string; scopeUsage: Usage }>;
    return listed.find((key) => key.id === keyId)!.scopeUsage;
  };

  /** What the integration does: two bookings, one list of them, and event types next to a webhook list it may not read. */
  const integrationRequests = async (secret: string) => {
    const book = (hour: number) =>
      harness.request('mutation($input: CreateBookingInput!) { createBooking(input: $input) { id } }', {
        key: secret,
        variables: { input: { eventTypeId, startAt: new Date(harness.clock.getTime() + DAY + hour * 3_600_000).toISOString(), attendee: attendee() } },
      });
    const responses = [
      await book(1),
      await book(2),
      await harness.request('{ bookings { nodes { id } } }', { key: secret }),
      await harness.request('{ eventTypes { nodes { id } } webhooks { id } }', { key: secret }),
    ];
    return responses.map((response) => (response.body.errors ?? []).map((error) => `${error.path?.join('.')}: ${error.extensions.code}`));
  };

  beforeAll(async () => {
    harness.clock = new Date('2031-03-03T08:00:00Z');
    org = await harness.organization();
    const host = await seedHost(harness, tenantOf(org), { capacity: 10 });
    eventTypeId = (await seedEventType(harness, tenantOf(org), { hostIds: [host.id] })).id;
  });

  it('credits each scope it holds, a group included, with the requests that needed it, and suggests the smallest grant', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['bookings:write', 'bookings:read', 'event-types:read', 'team:read'] });
    const startedAt = harness.clock.toISOString();
    // The webhook list is refused FORBIDDEN: a scope the key lacks was not used, and nothing it holds is credited for it.
    expect(await integrationRequests(key.secret)).toEqual([[], [], [], ['webhooks: FORBIDDEN']]);

    const usage = await usageOf(key.id);
    expect(usage.scopes).toEqual([
      { scope: 'bookings:write', requests: 2, lastUsedAt: startedAt },
      { scope: 'bookings:read', requests: 1, lastUsedAt: startedAt },
      { scope: 'event-types:read', requests: 1, lastUsedAt: startedAt },
      { scope: 'team:read', requests: 0, lastUsedAt: null },
    ]);
    expect(usage.unusedScopes).toEqual(['team:read']);
    expect(usage.suggestedScopes).toEqual(['bookings:create', 'bookings:read', 'event-types:read']);

    // The audit records carry what was met: the booking list met "bookings:read or bookings:read-own" through the one alternative the key held.
    const records = await harness.db
      .select({ rootFields: auditEvents.rootFields, scopeRequirements: auditEvents.scopeRequirements })
      .from(auditEvents)
      .where(eq(auditEvents.apiKeyId, key.id));
    expect(records.map((record) => [record.rootFields.join(' '), record.scopeRequirements]).sort()).toEqual([
      ['bookings', ['bookings:read']],
      ['createBooking', ['bookings:create']],
      ['createBooking', ['bookings:create']],
      ['eventTypes webhooks', ['event-types:read']],
    ]);
  });

  it('narrowed to its suggestion, the key still does everything it did', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['*'] });
    const before = await integrationRequests(key.secret);
    // With * the webhook list was allowed too: it is part of what the key did.
    expect(before).toEqual([[], [], [], []]);
    await harness.app.flush();
    const applied = expectOk(await updateKey(harness, org.adminKey, key.id, { applySuggestedScopes: { days: 1 } })).updateApiKey;
    expect(applied.scopes).toEqual(['bookings:create', 'bookings:read', 'event-types:read', 'webhooks:read']);
    expect(await integrationRequests(key.secret)).toEqual(before);
    expect((await usageOf(key.id)).unusedScopes).toEqual([]);
  });

  it('reports a key that made no request as using nothing, and narrowing it to nothing is not refused', async () => {
    const idle = await harness.makeKey({ organization: org, scopes: ['event-types:read', 'bookings:write'] });
    expect(expectOk(await viewer(harness, idle.secret)).viewer.apiKey.id).toBe(idle.id); // open to any key: needs no scope
    expect(await usageOf(idle.id)).toEqual({
      days: 30,
      scopes: [
        { scope: 'event-types:read', requests: 0, lastUsedAt: null },
        { scope: 'bookings:write', requests: 0, lastUsedAt: null },
      ],
      unusedScopes: ['event-types:read', 'bookings:write'],
      suggestedScopes: [],
    });
    expect(expectOk(await updateKey(harness, org.adminKey, idle.id, { applySuggestedScopes: {} })).updateApiKey.scopes).toEqual([]);
    expect(expectOk(await viewer(harness, idle.secret)).viewer.scopes).toEqual([]);
  });

  it("reads a page of keys' usage in one statement per window asked for, each key credited with its own requests", async () => {
    const reader = await harness.makeKey({ organization: org, scopes: ['event-types:read', 'bookings:read'] });
    const other = await harness.makeKey({ organization: org, scopes: ['event-types:read', 'bookings:read'] });
    expectOk(await harness.request('{ eventTypes { nodes { id } } }', { key: reader.secret }));
    expectOk(await harness.request('{ bookings { nodes { id } } }', { key: other.secret }));
    await harness.app.flush();
    const counter = QueryCounter.attach(harness.db);
    let listed: Array<{ id: string; month: Usage; week: Usage }> = [];
    const statements = await counter.during(async () => {
      const page = `{ apiKeys { id month: scopeUsage(days: 30) { scopes { scope requests lastUsedAt } unusedScopes suggestedScopes }
                                    week: scopeUsage(days: 7) { scopes { scope requests lastUsedAt } unusedScopes suggestedScopes } } }`;
      listed = expectOk(await harness.request(page, { key: org.adminKey })).apiKeys as typeof listed;
    });
    expect(listed.length).toBeGreaterThan(3);
    expect(statements.filter((statement) => /from "audit_events"/.test(statement) && /group by/.test(statement))).toHaveLength(2);
    const usage = (id: string) => listed.find((key) => key.id === id)!;
    expect(usage(reader.id).month.unusedScopes).toEqual(['bookings:read']);
    expect(usage(other.id).month.unusedScopes).toEqual(['event-types:read']);
    expect(usage(reader.id).week).toEqual(usage(reader.id).month);
  });

  it('refuses a window outside 1 day to AUDIT_RETENTION_DAYS, naming the argument', async () => {
    for (const days of [0, 401]) {
      const response = await harness.request(`query($days: Int) { viewer { apiKey { scopeUsage(days: $days) { days } } } }`, { key: org.adminKey, variables: { days } });
      expect(response.body.data!.viewer.apiKey.scopeUsage).toBeNull();
      expect(response.body.errors!.map((error) => [error.extensions.code, error.extensions.field])).toEqual([['BAD_USER_INPUT', 'days']]);
    }
    expectBadUserInput(await updateKey(harness, org.adminKey, org.adminKeyId, { applySuggestedScopes: { days: 401 } }), 'applySuggestedScopes.days');
    expectBadUserInput(await updateKey(harness, org.adminKey, org.adminKeyId, { scopes: ['*'], applySuggestedScopes: {} }), 'applySuggestedScopes');
  });

  it('never refuses narrowing a key the key policy would refuse as it is; any other change still is', async () => {
    const live = await harness.organization('LIVE');
    expectOk(await updatePolicy(harness, live.adminKey, { requireAllowedIpsForLiveSecretKeys: true }));
    const wide = await harness.makeKey({ organization: live, environment: 'LIVE', scopes: ['event-types:read', 'team:read'] });
    expectPolicyRefusal(await updateKey(harness, live.adminKey, wide.id, { name: 'renamed' }), 'requireAllowedIpsForLiveSecretKeys', 'allowedIps');
    expect(expectOk(await updateKey(harness, live.adminKey, wide.id, { scopes: ['team:read'] })).updateApiKey.scopes).toEqual(['team:read']);
    expectPolicyRefusal(await updateKey(harness, live.adminKey, wide.id, { scopes: ['team:read', 'event-types:read'] }), 'requireAllowedIpsForLiveSecretKeys', 'allowedIps');
  });

  describe('api_key.overprivileged', () => {
    let live: TestOrganization;
    const reportsOf = async (keyId?: string) =>
      (await harness.db.select().from(webhookEvents).where(and(eq(webhookEvents.organizationId, live.organizationId), eq(webhookEvents.type, 'api_key.overprivileged'))))
        .map((event) => event.data as { apiKey: { id: string }; exercisedScopes: string[]; unusedScopes: string[]; suggestedScopes: string[] })
        .filter((data) => !keyId || data.apiKey.id === keyId);
    const review = () => harness.app.keyScopeReview.runOnce();
    let old: { id: string; secret: string };
    let young: { id: string; secret: string };
    let busy: { id: string; secret: string };

    beforeAll(async () => {
      live = await harness.organization('LIVE');
      await harness.db.insert(webhooks).values({
        id: newId('wh'),
        organizationId: live.organizationId,
        environment: 'LIVE',
        url: 'https://hooks.example.com/keys',
        events: ['api_key.overprivileged'],
        secretSealed: 'unused: nothing is delivered in this test',
      });
      const scopes = ['event-types:read', 'team:read', 'calendars:read'];
      old = await harness.makeKey({ organization: live, environment: 'LIVE', scopes });
      busy = await harness.makeKey({ organization: live, environment: 'LIVE', scopes });
      harness.advance(25 * DAY);
      young = await harness.makeKey({ organization: live, environment: 'LIVE', scopes });
      harness.advance(6 * DAY);
      for (const key of [old, young]) expectOk(await harness.request('{ eventTypes { nodes { id } } }', { key: key.secret }));
      expectOk(await harness.request('{ eventTypes { nodes { id } } teamMembers { nodes { id } } }', { key: busy.secret }));
      await harness.app.flush();
    });

    it('is off by default', async () => {
      expect(expectOk(await harness.request('{ organizationKeyPolicy { reportOverprivilegedKeys } }', { key: live.adminKey }))).toEqual({
        organizationKeyPolicy: { reportOverprivilegedKeys: false },
      });
      expect(await review()).toBe(0);
      expect(await reportsOf()).toEqual([]);
    });

    it('once on, reports a month-old key that used under half its scopes, once, and not a young or a busy one', async () => {
      expectOk(await updatePolicy(harness, live.adminKey, { reportOverprivilegedKeys: true }));
      const otherInstance = new OverprivilegedKeyReview(harness.db, { intervalMs: 0 }, { now: () => harness.clock, logger: createLogger('silent') });
      const [here, there] = await Promise.all([review(), otherInstance.runOnce()]);
      // The organization's first key is a month old too, and its * was used for the key policy alone.
      expect(here + there).toBe(2);
      expect((await reportsOf()).map((data) => data.apiKey.id).sort()).toEqual([live.adminKeyId, old.id].sort());
      expect(await reportsOf(old.id)).toEqual([
        expect.objectContaining({
          apiKey: expect.objectContaining({ id: old.id }),
          exercisedScopes: ['event-types:read'],
          unusedScopes: ['team:read', 'calendars:read'],
          suggestedScopes: ['event-types:read'],
        }),
      ]);
      harness.advance(6 * DAY);
      expect(await review()).toBe(0);
      expect(await reportsOf()).toHaveLength(2);
    });

    it('reports it again a week after the last review', async () => {
      harness.advance(DAY);
      expect(await review()).toBe(2);
      expect(await reportsOf(old.id)).toHaveLength(2);
      expect(await reportsOf(young.id)).toEqual([]);
      expect(await reportsOf(busy.id)).toEqual([]);
    });
  });
});
