import { beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/auth/principal.js';
import { BOOKING_FIELDS, CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const HOUR = 3_600_000;
type Status = 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'COMPLETED' | 'NO_SHOW';
type Action = 'confirm' | 'cancel' | 'complete' | 'noShow' | 'reschedule' | 'update';

const MUTATIONS: Record<Action, string> = {
  confirm: `mutation($id: ID!) { result: confirmBooking(id: $id) { ${BOOKING_FIELDS} } }`,
  cancel: `mutation($id: ID!, $reason: String) { result: cancelBooking(id: $id, reason: $reason) { ${BOOKING_FIELDS} } }`,
  complete: `mutation($id: ID!) { result: completeBooking(id: $id) { ${BOOKING_FIELDS} } }`,
  noShow: `mutation($id: ID!) { result: markBookingNoShow(id: $id) { ${BOOKING_FIELDS} } }`,
  reschedule: `mutation($id: ID!, $startAt: DateTime!) { result: rescheduleBooking(id: $id, startAt: $startAt) { ${BOOKING_FIELDS} } }`,
  update: `mutation($id: ID!, $input: UpdateBookingInput!) { result: updateBooking(id: $id, input: $input) { ${BOOKING_FIELDS} } }`,
};

/** Which actions the state machine allows from each status (once the start time has passed, for complete/no-show). */
const ALLOWED: Record<Status, Action[]> = {
  PENDING: ['confirm', 'cancel', 'reschedule', 'update'],
  CONFIRMED: ['cancel', 'complete', 'noShow', 'reschedule', 'update'],
  CANCELLED: [],
  COMPLETED: ['update'],
  NO_SHOW: ['update'],
};
const STATUSES = Object.keys(ALLOWED) as Status[];
const ACTIONS = Object.keys(MUTATIONS) as Action[];

describeIntegration('booking lifecycle', (harness) => {
  let org: TestOrganization;
  let tenant: Tenant;
  let eventTypeId: string;

  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    tenant = tenantOf(org);
    const host = await seedHost(harness, tenant, { capacity: 1000 });
    eventTypeId = (await seedEventType(harness, tenant, { hostIds: [host.id] })).id;
  });

  /** A grid-aligned time `hours` after the clock. */
  const later = (hours: number) => new Date(Math.ceil(harness.clock.getTime() / (15 * 60_000)) * 15 * 60_000 + hours * HOUR);

  async function run(action: Action, id: string, variables: Record<string, unknown> = {}, key = org.adminKey) {
    const defaults = { startAt: later(24).toISOString(), input: { notes: 'Bring slides' } };
    return harness.request(MUTATIONS[action], { key, variables: { id, ...defaults, ...variables } });
  }

  async function create(startAt = later(1), eventType = eventTypeId, key = org.adminKey) {
    const response = await harness.request(CREATE_BOOKING, {
      key,
      variables: { input: { eventTypeId: eventType, startAt: startAt.toISOString(), attendee: attendee() } },
    });
    return response.body.data!.createBooking as { id: string; status: Status; startAt: string };
  }

  /** A booking starting in an hour, driven into `status`; COMPLETED and NO_SHOW move the clock past its start. */
  async function bookingIn(status: Status): Promise<string> {
    const { id } = await create();
    if (status === 'CANCELLED') await run('cancel', id);
    if (status === 'CONFIRMED' || status === 'COMPLETED' || status === 'NO_SHOW') await run('confirm', id);
    if (status === 'COMPLETED' || status === 'NO_SHOW') {
      harness.advance(2 * HOUR);
      await run(status === 'COMPLETED' ? 'complete' : 'noShow', id);
    }
    return id;
  }

  const transitions = STATUSES.flatMap((status) => ACTIONS.map((action) => [status, action, ALLOWED[status].includes(action)] as const));

  it.each(transitions)('from %s, %s is allowed: %s', async (status, action, allowed) => {
    const id = await bookingIn(status);
    if (action === 'complete' || action === 'noShow') harness.advance(2 * HOUR);
    const response = await run(action, id);
    if (allowed) {
      expect(response.body.errors).toBeUndefined();
    } else {
      expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(response.body.errors![0]!.message).toContain(`a ${status} booking cannot be`);
    }
  });

  it.each(['complete', 'noShow'] as const)('refuses to %s a confirmed booking before its start time', async (action) => {
    const id = await bookingIn('CONFIRMED');
    const early = await run(action, id);
    expect(early.body.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(early.body.errors![0]!.message).toMatch(/only be .* after its start time/);
    harness.advance(HOUR);
    expect((await run(action, id)).body.data!.result.status).toBe(action === 'complete' ? 'COMPLETED' : 'NO_SHOW');
  });

  it('records each change in history with the key that made it', async () => {
    const confirmer = await harness.makeKey({ organization: org, scopes: ['bookings:transition', 'bookings:read'] });
    const canceller = await harness.makeKey({ organization: org, scopes: ['bookings:cancel', 'bookings:read'] });
    const { id } = await create();
    await run('confirm', id, {}, confirmer.secret);
    const cancelled = (await run('cancel', id, { reason: 'Double-booked elsewhere' }, canceller.secret)).body.data!.result;

    expect(cancelled).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'Double-booked elsewhere',
      cancelledAt: harness.clock.toISOString(),
    });
    expect(cancelled.history.map((e: any) => [e.type, e.fromStatus, e.toStatus, e.actingKey.id])).toEqual([
      ['CREATED', null, 'PENDING', org.adminKeyId],
      ['CONFIRMED', 'PENDING', 'CONFIRMED', confirmer.id],
      ['CANCELLED', 'CONFIRMED', 'CANCELLED', canceller.id],
    ]);
    expect(cancelled.history[2].details).toEqual({ reason: 'Double-booked elsewhere' });
  });

  it('frees the host’s time on cancellation', async () => {
    const host = await seedHost(harness, tenant, { capacity: 1 });
    const single = (await seedEventType(harness, tenant, { hostIds: [host.id] })).id;
    const slot = later(5);
    const first = await create(slot, single);
    const blocked = await harness.request(CREATE_BOOKING, {
      key: org.adminKey,
      variables: { input: { eventTypeId: single, startAt: slot.toISOString(), attendee: attendee() } },
    });
    expect(blocked.body.errors![0]!.extensions.code).toBe('SLOT_UNAVAILABLE');

    await run('cancel', first.id);
    expect((await create(slot, single)).status).toBe('PENDING');
  });

  describe('rescheduling', () => {
    let single: string;
    beforeAll(async () => {
      const host = await seedHost(harness, tenant, { capacity: 1 });
      single = (await seedEventType(harness, tenant, { hostIds: [host.id], durationMinutes: 60 })).id;
    });

    it('moves the booking, keeps its host and status, and records the previous time', async () => {
      const booking = await create(later(30), single);
      await run('confirm', booking.id);
      const to = later(50);
      const moved = (await run('reschedule', booking.id, { startAt: to.toISOString() })).body.data!.result;

      expect(moved).toMatchObject({ status: 'CONFIRMED', startAt: to.toISOString(), endAt: new Date(to.getTime() + HOUR).toISOString() });
      expect(moved.history.at(-1)).toMatchObject({
        type: 'RESCHEDULED',
        fromStatus: 'CONFIRMED',
        toStatus: 'CONFIRMED',
        details: { previousStartAt: booking.startAt, previousEndAt: new Date(Date.parse(booking.startAt) + HOUR).toISOString() },
      });
    });

    it('may overlap its own old time, which no longer counts against the host', async () => {
      const booking = await create(later(70), single);
      const overlapping = new Date(Date.parse(booking.startAt) + 15 * 60_000);
      expect((await run('reschedule', booking.id, { startAt: overlapping.toISOString() })).body.errors).toBeUndefined();
    });

    it('refuses a time the host is already booked, and a time in the past', async () => {
      const taken = await create(later(90), single);
      const booking = await create(later(95), single);

      const clash = await run('reschedule', booking.id, { startAt: taken.startAt });
      expect(clash.body.errors![0]!.extensions.code).toBe('SLOT_UNAVAILABLE');
      const past = await run('reschedule', booking.id, { startAt: later(-2).toISOString() });
      expect(past.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'startAt' });
    });
  });

  describe('updating', () => {
    it('changes attendee details and notes, and records which', async () => {
      const { id } = await create();
      const updated = (
        await run('update', id, { input: { attendee: { email: 'ada@lovelace.example' }, notes: 'Prefers video' } })
      ).body.data!.result;
      expect(updated.attendee).toEqual({ name: 'Ada Lovelace', email: 'ada@lovelace.example', timeZone: 'Europe/London' });
      expect(updated.notes).toBe('Prefers video');
      expect(updated.updatedAt).toBe(harness.clock.toISOString());
      expect(updated.history.at(-1)).toMatchObject({ type: 'UPDATED', details: { changed: ['attendeeEmail', 'notes'] } });

      const cleared = (await run('update', id, { input: { notes: null } })).body.data!.result;
      expect(cleared.notes).toBeNull();
    });

    it('refuses an invalid email and an empty change', async () => {
      const { id } = await create();
      const invalid = await run('update', id, { input: { attendee: { email: 'nope' } } });
      expect(invalid.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'attendee.email' });
      const empty = await run('update', id, { input: {} });
      expect(empty.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
    });
  });
});
