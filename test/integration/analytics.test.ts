import { beforeAll, expect, it } from 'vitest';
import type { Tenant } from '../../src/auth/principal.js';
import { bookings } from '../../src/db/schema/index.js';
import { newId } from '../../src/lib/random.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { createEventType, createTeamMember, errorCode } from '../helpers/scheduling.js';

type Status = 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'COMPLETED' | 'NO_SHOW';

const ANALYTICS = `query ($from: DateTime!, $to: DateTime!, $zone: String!) {
  analytics(from: $from, to: $to, timeZone: $zone) {
    totalBookings
    bookingsByStatus { status count }
    cancellationRate
    noShowRate
    bookingsPerEventType { eventType { id } count }
    bookingsPerHost { host { id } count }
    bookingsByWeekday { weekday count }
    bookingsByHour { hour count }
    busiestWeekday
    busiestHour
  }
}`;
const JANUARY = { from: '2030-01-01T00:00:00Z', to: '2030-02-01T00:00:00Z', zone: 'America/New_York' };

describeIntegration('analytics', { env: { WEBHOOK_POLL_INTERVAL_MS: '0', CALENDAR_REFRESH_INTERVAL_MS: '0' } }, (harness) => {
  let org: TestOrganization;
  let hosts: { a: string; b: string };
  let types: { x: string; y: string };

  async function seed(tenant: Tenant, host: string, eventType: string, startAt: string, status: Status, createdByKeyId: string) {
    const start = new Date(startAt);
    await harness.db.insert(bookings).values({
      id: newId('bkg'),
      ...tenant,
      eventTypeId: eventType,
      hostId: host,
      status,
      startAt: start,
      endAt: new Date(start.getTime() + 30 * 60_000),
      attendeeName: 'Ada',
      attendeeEmail: 'ada@example.com',
      createdByKeyId,
      createdAt: harness.clock,
      updatedAt: harness.clock,
    });
  }

  beforeAll(async () => {
    harness.clock = new Date('2030-01-20T12:00:00Z');
    org = await harness.organization('TEST');
    hosts = { a: (await createTeamMember(harness, org.adminKey)).id, b: (await createTeamMember(harness, org.adminKey)).id };
    types = {
      x: (await createEventType(harness, org.adminKey, { hostIds: [hosts.a, hosts.b] })).id,
      y: (await createEventType(harness, org.adminKey, { hostIds: [hosts.a, hosts.b] })).id,
    };
    const test: Tenant = { organizationId: org.organizationId, environment: 'TEST' };
    const by = org.adminKeyId;
    // New York wall clock (UTC-5 in January) in the comments.
    await seed(test, hosts.a, types.x, '2030-01-07T14:00:00Z', 'CONFIRMED', by); // Mon 09:00
    await seed(test, hosts.a, types.x, '2030-01-14T14:00:00Z', 'COMPLETED', by); // Mon 09:00
    await seed(test, hosts.b, types.x, '2030-01-21T14:30:00Z', 'NO_SHOW', by); // Mon 09:30
    await seed(test, hosts.b, types.y, '2030-01-08T20:00:00Z', 'CANCELLED', by); // Tue 15:00
    await seed(test, hosts.b, types.y, '2030-01-09T03:00:00Z', 'COMPLETED', by); // Tue 22:00 (Wednesday in UTC)
    await seed(test, hosts.a, types.y, '2030-01-10T15:00:00Z', 'CONFIRMED', by); // Thu 10:00
    await seed(test, hosts.a, types.y, '2030-01-11T16:00:00Z', 'PENDING', by); // Fri 11:00
    // Not counted: after the range, the live world, another organization.
    await seed(test, hosts.a, types.x, '2030-02-03T14:00:00Z', 'CONFIRMED', by);
    await seed({ ...test, environment: 'LIVE' }, hosts.a, types.x, '2030-01-07T15:00:00Z', 'CONFIRMED', by);
    const stranger = await harness.organization('TEST');
    await seed({ organizationId: stranger.organizationId, environment: 'TEST' }, hosts.a, types.x, '2030-01-07T16:00:00Z', 'CANCELLED', by);
  });

  async function january(key = org.adminKey) {
    const response = await harness.request(ANALYTICS, { key, variables: JANUARY });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.analytics;
  }

  it("counts the organization's bookings in the range by status, with rates", async () => {
    const figures = await january();
    expect(figures.totalBookings).toBe(7);
    expect(figures.bookingsByStatus).toEqual([
      { status: 'PENDING', count: 1 },
      { status: 'CONFIRMED', count: 2 },
      { status: 'CANCELLED', count: 1 },
      { status: 'COMPLETED', count: 2 },
      { status: 'NO_SHOW', count: 1 },
      { status: 'EXPIRED', count: 0 },
    ]);
    expect(figures.cancellationRate).toBeCloseTo(1 / 7);
    expect(figures.noShowRate).toBeCloseTo(1 / 3);
  });

  it('counts bookings per event type and per host, most booked first', async () => {
    const figures = await january();
    expect(figures.bookingsPerEventType).toEqual([
      { eventType: { id: types.y }, count: 4 },
      { eventType: { id: types.x }, count: 3 },
    ]);
    expect(figures.bookingsPerHost).toEqual([
      { host: { id: hosts.a }, count: 4 },
      { host: { id: hosts.b }, count: 3 },
    ]);
  });

  it('finds the busiest weekday and hour on the wall clock of the requested zone, leaving out cancellations', async () => {
    const figures = await january();
    const weekdays = Object.fromEntries(figures.bookingsByWeekday.map((w: any) => [w.weekday, w.count]));
    expect(weekdays).toEqual({ MONDAY: 3, TUESDAY: 1, WEDNESDAY: 0, THURSDAY: 1, FRIDAY: 1, SATURDAY: 0, SUNDAY: 0 });
    expect(figures.busiestWeekday).toBe('MONDAY');
    const hours = figures.bookingsByHour.filter((h: any) => h.count > 0);
    expect(hours).toEqual([
      { hour: 9, count: 3 },
      { hour: 10, count: 1 },
      { hour: 11, count: 1 },
      { hour: 22, count: 1 },
    ]);
    expect(figures.busiestHour).toBe(9);

    const inUtc = await harness.request(ANALYTICS, { key: org.adminKey, variables: { ...JANUARY, zone: 'UTC' } });
    const utcWeekdays = Object.fromEntries(inUtc.body.data!.analytics.bookingsByWeekday.map((w: any) => [w.weekday, w.count]));
    expect(utcWeekdays.WEDNESDAY).toBe(1);
    expect(inUtc.body.data!.analytics.busiestHour).toBe(14);
  });

  it('answers null rates and no busiest time for an empty period', async () => {
    const response = await harness.request(ANALYTICS, {
      key: org.adminKey,
      variables: { from: '2031-01-01T00:00:00Z', to: '2031-02-01T00:00:00Z', zone: 'UTC' },
    });
    expect(response.body.data!.analytics).toMatchObject({ totalBookings: 0, cancellationRate: null, noShowRate: null, busiestWeekday: null, busiestHour: null });
  });

  it('counts API requests per key from the audit records', async () => {
    const analyst = await harness.makeKey({ organization: org, scopes: ['analytics:read', 'calendars:read'] });
    const other = await harness.makeKey({ organization: org, scopes: ['calendars:read'] });
    await harness.request('{ calendars { id } }', { key: analyst.secret });
    await harness.request('{ calendars { id } }', { key: analyst.secret });
    await harness.request('{ webhooks { id } }', { key: analyst.secret });
    await harness.request('{ calendars { id } }', { key: other.secret });
    await harness.app.flush();

    const response = await harness.request(
      `query ($from: DateTime!, $to: DateTime!) { analytics(from: $from, to: $to, timeZone: "UTC") { apiRequestsPerKey { apiKeyId name requests denied errors } } }`,
      { key: analyst.secret, variables: { from: JANUARY.from, to: JANUARY.to } },
    );
    const perKey = response.body.data!.analytics.apiRequestsPerKey as any[];
    expect(perKey.find((k) => k.apiKeyId === analyst.id)).toEqual({ apiKeyId: analyst.id, name: 'test key', requests: 3, denied: 1, errors: 0 });
    expect(perKey.find((k) => k.apiKeyId === other.id)).toMatchObject({ requests: 1, denied: 0 });

    const stranger = await harness.organization('TEST');
    const theirs = await harness.request(
      `query ($from: DateTime!, $to: DateTime!) { analytics(from: $from, to: $to, timeZone: "UTC") { apiRequestsPerKey { apiKeyId } totalBookings } }`,
      { key: stranger.adminKey, variables: { from: JANUARY.from, to: JANUARY.to } },
    );
    expect(theirs.body.data!.analytics.apiRequestsPerKey.map((k: any) => k.apiKeyId)).not.toContain(analyst.id);
  });

  it('refuses unknown zones, empty ranges and ranges over 366 days', async () => {
    const ask = (variables: Record<string, string>) => harness.request(ANALYTICS, { key: org.adminKey, variables: { ...JANUARY, ...variables } });
    expect((await ask({ zone: 'Mars/Olympus' })).body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeZone' });
    expect(errorCode(await ask({ to: JANUARY.from }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await ask({ to: '2031-06-01T00:00:00Z' }))).toBe('BAD_USER_INPUT');
  });

  it('needs analytics:read', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['bookings:read'] });
    const response = await harness.request(ANALYTICS, { key: key.secret, variables: JANUARY });
    expect(errorCode(response)).toBe('FORBIDDEN');
  });
});
