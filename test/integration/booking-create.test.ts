import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/auth/principal.js';
import type { WorkingHours } from '../../src/db/schema/index.js';
import { CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const MONDAY_8AM = new Date('2030-01-07T08:00:00Z');
const TUESDAY_10AM = '2030-01-08T10:00:00.000Z';
const TUESDAY_9_TO_5: WorkingHours[] = [{ weekday: 'TUESDAY', start: '09:00', end: '17:00' }];

describeIntegration('createBooking', (harness) => {
  let org: TestOrganization;
  let tenant: Tenant;
  let key: { id: string; secret: string };

  beforeAll(async () => {
    harness.clock = MONDAY_8AM;
    org = await harness.organization();
    tenant = tenantOf(org);
    key = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: ['bookings:create', 'bookings:read-own'] });
  });
  beforeEach(() => {
    harness.clock = MONDAY_8AM;
  });

  const book = (input: Record<string, unknown>, secret = key.secret) =>
    harness.request(CREATE_BOOKING, { key: secret, variables: { input: { startAt: TUESDAY_10AM, attendee: attendee(), ...input } } });

  async function bookableEventType(options: Partial<Parameters<typeof seedEventType>[2]> = {}, capacity = 1) {
    const host = await seedHost(harness, tenant, { capacity });
    return { host, eventType: await seedEventType(harness, tenant, { hostIds: [host.id], ...options }) };
  }

  const errorOf = (response: Awaited<ReturnType<typeof book>>) => response.body.errors?.[0];

  it('starts a booking PENDING with a free host, an end from the duration and a CREATED entry by the creating key', async () => {
    const { host, eventType } = await bookableEventType({ durationMinutes: 45 });
    const response = await book({ eventTypeId: eventType.id });

    const booking = response.body.data!.createBooking;
    expect(booking).toMatchObject({
      status: 'PENDING',
      startAt: TUESDAY_10AM,
      endAt: '2030-01-08T10:45:00.000Z',
      attendee: { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'Europe/London' },
      eventType: { id: eventType.id },
      host: { id: host.id },
      createdByKey: { id: key.id },
      createdAt: MONDAY_8AM.toISOString(),
    });
    expect(booking.createdByKey.preview).toMatch(/^pk_test_/);
    expect(booking.history).toEqual([
      { type: 'CREATED', fromStatus: null, toStatus: 'PENDING', actingKey: { id: key.id }, details: {}, createdAt: MONDAY_8AM.toISOString() },
    ]);
  });

  it('books the requested host, and refuses a hostId that does not host the event type', async () => {
    const [first, second, stranger] = [await seedHost(harness, tenant), await seedHost(harness, tenant), await seedHost(harness, tenant)];
    const eventType = await seedEventType(harness, tenant, { hostIds: [first.id, second.id] });

    expect((await book({ eventTypeId: eventType.id, hostId: second.id })).body.data!.createBooking.host.id).toBe(second.id);
    const refused = await book({ eventTypeId: eventType.id, hostId: stranger.id });
    expect(errorOf(refused)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'hostId' } });
  });

  describe('idempotency', () => {
    it('returns the first booking when the same key repeats an idempotency key', async () => {
      const { eventType } = await bookableEventType({}, 5);
      const first = await book({ eventTypeId: eventType.id, idempotencyKey: 'order-1-7f3c9a2e4b6d8f01' });
      const again = await book({ eventTypeId: eventType.id, idempotencyKey: 'order-1-7f3c9a2e4b6d8f01', attendee: attendee('Grace Hopper') });

      expect(again.body.data!.createBooking.id).toBe(first.body.data!.createBooking.id);
      expect(again.body.data!.createBooking.attendee.name).toBe('Ada Lovelace');
      const [stored] = await harness.database.query<{ count: number }>(
        `select count(*)::int as count from bookings where event_type_id = '${eventType.id}'`,
      );
      expect(stored!.count).toBe(1);
    });

    it('refuses a guessable idempotency key from a public key, whose replays anyone holding the key could read', async () => {
      const { eventType } = await bookableEventType({}, 5);
      const refused = await book({ eventTypeId: eventType.id, idempotencyKey: 'order-1' });
      expect(errorOf(refused)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'idempotencyKey' } });
      const server = await harness.makeKey({ organization: org, scopes: ['bookings:create'] });
      const accepted = await book({ eventTypeId: eventType.id, idempotencyKey: 'order-1' }, server.secret);
      expect(accepted.body.errors).toBeUndefined();
    });

    it('keeps idempotency keys apart between API keys', async () => {
      const { eventType } = await bookableEventType({}, 5);
      const other = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: ['bookings:create'] });
      const mine = await book({ eventTypeId: eventType.id, idempotencyKey: 'order-2-9b1d3f5a7c2e4068' });
      const theirs = await book({ eventTypeId: eventType.id, idempotencyKey: 'order-2-9b1d3f5a7c2e4068' }, other.secret);
      expect(theirs.body.data!.createBooking.id).not.toBe(mine.body.data!.createBooking.id);
    });

    it.each([1, 5])('creates one booking when a request races its own retries (capacity %i)', async (capacity) => {
      const { eventType } = await bookableEventType({}, capacity);
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => book({ eventTypeId: eventType.id, idempotencyKey: `race-${capacity}-5e8a1c3f7b9d2046` })),
      );

      const ids = new Set(responses.map((r) => r.body.data?.createBooking.id));
      expect(responses.map((r) => r.body.errors)).toEqual(responses.map(() => undefined));
      expect(ids.size).toBe(1);
      const [stored] = await harness.database.query<{ count: number }>(
        `select count(*)::int as count from bookings where event_type_id = '${eventType.id}'`,
      );
      expect(stored!.count).toBe(1);
    });
  });

  describe('custom fields', () => {
    const customFields = [
      { key: 'company', label: 'Company', type: 'TEXT' as const, required: true, options: [] },
      { key: 'size', label: 'Team size', type: 'SELECT' as const, required: false, options: ['1-10', '11-50'] },
    ];

    it('stores values that match the event type’s fields, trimmed', async () => {
      const { eventType } = await bookableEventType({ customFields }, 5);
      const response = await book({ eventTypeId: eventType.id, customFieldValues: { company: ' Acme ', size: '1-10' } });
      expect(response.body.data!.createBooking.customFieldValues).toEqual({ company: 'Acme', size: '1-10' });
    });

    it.each([
      ['a required field is missing', { size: '1-10' }, 'customFieldValues.company'],
      ['a value is not one of the options', { company: 'Acme', size: '500+' }, 'customFieldValues.size'],
      ['a key is not a field of the event type', { company: 'Acme', shoeSize: 42 }, 'customFieldValues.shoeSize'],
    ])('refuses the booking when %s', async (_rule, customFieldValues, field) => {
      const { eventType } = await bookableEventType({ customFields }, 5);
      const response = await book({ eventTypeId: eventType.id, customFieldValues });
      expect(errorOf(response)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
      expect(response.body.data?.createBooking ?? null).toBeNull();
    });
  });

  describe('what can be booked', () => {
    it.each([
      ['a deleted event type', { deletedAt: MONDAY_8AM }, /deleted/],
      ['an inactive event type', { active: false }, /inactive/],
      ['an event type without hosts', { hostIds: [] }, /no active hosts/],
    ])('refuses %s', async (_what, options, message) => {
      const { eventType } = await bookableEventType(options);
      const response = await book({ eventTypeId: eventType.id });
      expect(errorOf(response)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'eventTypeId' } });
      expect(errorOf(response)!.message).toMatch(message);
    });

    it('offers nobody whose host was deactivated', async () => {
      const host = await seedHost(harness, tenant, { active: false });
      const eventType = await seedEventType(harness, tenant, { hostIds: [host.id] });
      expect(errorOf(await book({ eventTypeId: eventType.id }))!.message).toMatch(/no active hosts/);
    });

    it.each([
      ['in the past', '2030-01-07T07:00:00.000Z', /future/],
      ['off the 15-minute grid', '2030-01-08T10:05:00.000Z', /15-minute/],
      ['within the minimum notice', '2030-01-07T09:00:00.000Z', /at least 120 minutes ahead/],
    ])('refuses a start time %s as BAD_USER_INPUT', async (_rule, startAt, message) => {
      const { eventType } = await bookableEventType({ minimumNoticeMinutes: 120 });
      const response = await book({ eventTypeId: eventType.id, startAt });
      expect(errorOf(response)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'startAt' } });
      expect(errorOf(response)!.message).toMatch(message);
    });

    it('answers SLOT_UNAVAILABLE outside the host’s working hours', async () => {
      const host = await seedHost(harness, tenant, { workingHours: TUESDAY_9_TO_5 });
      const eventType = await seedEventType(harness, tenant, { hostIds: [host.id] });
      const outside = await book({ eventTypeId: eventType.id, startAt: '2030-01-08T16:45:00.000Z' });
      expect(outside.status).toBe(200);
      expect(outside.body.errors?.[0]?.extensions.code).toBe('SLOT_UNAVAILABLE');
      expect((await book({ eventTypeId: eventType.id, startAt: '2030-01-08T16:30:00.000Z' })).status).toBe(200);
    });

    it('keeps an existing booking’s buffers free', async () => {
      const { eventType } = await bookableEventType({ bufferAfterMinutes: 15 });
      expect((await book({ eventTypeId: eventType.id })).status).toBe(200);
      const during = await book({ eventTypeId: eventType.id, startAt: '2030-01-08T10:30:00.000Z' });
      expect(errorOf(during)!.extensions.code).toBe('SLOT_UNAVAILABLE');
      expect((await book({ eventTypeId: eventType.id, startAt: '2030-01-08T10:45:00.000Z' })).status).toBe(200);
    });

    it('names the attendee field that is wrong', async () => {
      const { eventType } = await bookableEventType();
      const response = await book({ eventTypeId: eventType.id, attendee: { name: 'Ada', email: 'ada-at-example.com' } });
      expect(errorOf(response)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'attendee.email' } });
      const zone = await book({ eventTypeId: eventType.id, attendee: { name: 'Ada', email: 'ada@example.com', timeZone: 'Mars/Olympus' } });
      expect(errorOf(zone)).toMatchObject({ extensions: { field: 'attendee.timeZone' } });
    });

    it('answers NOT_FOUND for another organization’s event type', async () => {
      const other = await harness.organization();
      const host = await seedHost(harness, tenantOf(other));
      const theirs = await seedEventType(harness, tenantOf(other), { hostIds: [host.id] });
      expect(errorOf(await book({ eventTypeId: theirs.id }))!.extensions.code).toBe('NOT_FOUND');
    });
  });
});
