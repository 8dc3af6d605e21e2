import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/auth/principal.js';
import { bookings, eventTypes } from '../../src/db/schema/index.js';
import { availableHostsAt } from '../../src/modules/availability/availability.service.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { createEventType, createTeamMember, errorCode } from '../helpers/scheduling.js';

const AVAILABILITY = `query ($eventTypeId: ID!, $from: DateTime!, $to: DateTime!, $timeZone: String) {
  availability(eventTypeId: $eventTypeId, from: $from, to: $to, timeZone: $timeZone) { start end localStart availableHosts } }`;
const FREE_BUSY = `query ($ids: [ID!]!, $from: DateTime!, $to: DateTime!) {
  freeBusy(teamMemberIds: $ids, from: $from, to: $to) { teamMemberId busy { start end source } } }`;

// Monday 7 January 2030; New York is UTC-5 in winter.
const MONDAY = '2030-01-07';
const DAY = { from: `${MONDAY}T00:00:00Z`, to: '2030-01-08T00:00:00Z' };

type SlotAnswer = { start: string; end: string; localStart: string; availableHosts: string[] };

describeIntegration('availability', (harness) => {
  let org: TestOrganization;
  let bookingCount = 0;

  beforeEach(async () => {
    harness.clock = new Date('2030-01-01T00:00:00Z');
    org = await harness.organization();
  });

  const tenant = (): Tenant => ({ organizationId: org.organizationId, environment: 'TEST' });

  async function slots(eventTypeId: string, range = DAY, timeZone?: string): Promise<SlotAnswer[]> {
    const response = await harness.request(AVAILABILITY, { key: org.adminKey, variables: { eventTypeId, ...range, timeZone } });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.availability;
  }
  const startsOf = (answer: SlotAnswer[]) => answer.map((slot) => slot.start.slice(11, 16));

  /** Occupies a host directly in storage, as a booking made earlier would. */
  async function book(hostId: string, eventTypeId: string, startAt: string, minutes: number, status: 'PENDING' | 'CONFIRMED' | 'CANCELLED' = 'CONFIRMED') {
    const id = `bk_${++bookingCount}`;
    const start = new Date(startAt);
    await harness.db.insert(bookings).values({
      id,
      ...tenant(),
      eventTypeId,
      hostId,
      status,
      startAt: start,
      endAt: new Date(start.getTime() + minutes * 60_000),
      attendeeName: 'Attendee',
      attendeeEmail: 'attendee@example.com',
      createdByKeyId: org.adminKeyId,
    });
    return id;
  }

  async function hostWithCall(member: Record<string, unknown> = {}, eventType: Record<string, unknown> = {}) {
    const host = await createTeamMember(harness, org.adminKey, { timeZone: 'America/New_York', ...member });
    const call = await createEventType(harness, org.adminKey, { durationMinutes: 60, hostIds: [host.id], ...eventType });
    return { host, call };
  }

  it("offers slots within the host's working hours in their own time zone, every 15 minutes", async () => {
    const { host, call } = await hostWithCall();
    const answer = await slots(call.id, DAY, 'Europe/Berlin');
    // 09:00–17:00 in New York is 14:00–22:00 UTC; a one-hour meeting starts at 21:00 UTC at the latest.
    expect(answer[0]).toEqual({
      start: `${MONDAY}T14:00:00.000Z`,
      end: `${MONDAY}T15:00:00.000Z`,
      localStart: `${MONDAY}T15:00:00+01:00`,
      availableHosts: [host.id],
    });
    expect(answer.at(-1)!.start).toBe(`${MONDAY}T21:00:00.000Z`);
    expect(answer).toHaveLength(29);
  });

  it('keeps the buffers of the new meeting and of existing bookings free', async () => {
    const { host, call } = await hostWithCall({}, { bufferBeforeMinutes: 15, bufferAfterMinutes: 30 });
    await book(host.id, call.id, `${MONDAY}T17:00:00Z`, 60);
    // The booking holds 16:45–18:30. A new meeting holds 15 minutes before and 30 after itself.
    const starts = startsOf(await slots(call.id));
    expect(starts).toContain('15:15'); // holds 15:00–16:45
    expect(starts).not.toContain('15:30');
    expect(starts).not.toContain('18:30');
    expect(starts).toContain('18:45'); // holds 18:30–20:15
  });

  it("counts another event type's bookings with that event type's own buffers", async () => {
    const { host, call } = await hostWithCall();
    const padded = await createEventType(harness, org.adminKey, { durationMinutes: 30, bufferAfterMinutes: 60, hostIds: [host.id] });
    await book(host.id, padded.id, `${MONDAY}T15:00:00Z`, 30); // holds 15:00–16:30
    const starts = startsOf(await slots(call.id));
    expect(starts).toContain('14:00');
    expect(starts).not.toContain('16:15');
    expect(starts).toContain('16:30');
  });

  it('sees bookings just before the asked range that the first slot would collide with', async () => {
    const { host, call } = await hostWithCall({}, { bufferBeforeMinutes: 30 });
    await book(host.id, call.id, `${MONDAY}T13:00:00Z`, 45); // holds 12:30–13:45
    const starts = startsOf(await slots(call.id, { from: `${MONDAY}T14:00:00Z`, to: `${MONDAY}T15:00:00Z` }));
    expect(starts).toEqual(['14:15', '14:30', '14:45']); // 14:00 would hold 13:30–15:00
  });

  it('respects minimum notice relative to the current time', async () => {
    const { call } = await hostWithCall({}, { minimumNoticeMinutes: 120 });
    harness.clock = new Date(`${MONDAY}T14:00:00Z`);
    expect(startsOf(await slots(call.id))[0]).toBe('16:00');
    harness.advance(65 * 60_000);
    expect(startsOf(await slots(call.id))[0]).toBe('17:15');
  });

  it('admits overlapping bookings up to the host capacity; cancelled ones hold nothing', async () => {
    const { host, call } = await hostWithCall({ capacity: 2 });
    const at = `${MONDAY}T15:00:00.000Z`;
    const hostsAt = async () => (await slots(call.id)).find((slot) => slot.start === at)?.availableHosts ?? [];
    await book(host.id, call.id, at, 60);
    await book(host.id, call.id, at, 60, 'CANCELLED');
    expect(await hostsAt()).toEqual([host.id]);
    await book(host.id, call.id, at, 60, 'PENDING');
    expect(await hostsAt()).toEqual([]);
  });

  it('leaves deactivated hosts out', async () => {
    const { host, call } = await hostWithCall();
    const other = await createTeamMember(harness, org.adminKey, { timeZone: 'America/New_York' });
    await harness.request('mutation ($id: ID!, $input: UpdateEventTypeInput!) { updateEventType(id: $id, input: $input) { id } }', {
      key: org.adminKey,
      variables: { id: call.id, input: { hostIds: [host.id, other.id] } },
    });
    expect((await slots(call.id))[0]!.availableHosts).toEqual([host.id, other.id].sort());
    await harness.request('mutation ($id: ID!) { deactivateTeamMember(id: $id) { id } }', { key: org.adminKey, variables: { id: other.id } });
    expect((await slots(call.id))[0]!.availableHosts).toEqual([host.id]);
  });

  it('offers nothing for inactive or deleted event types, or without hosts', async () => {
    const { call } = await hostWithCall();
    const hostless = await createEventType(harness, org.adminKey);
    expect(await slots(hostless.id)).toEqual([]);
    await harness.db.update(eventTypes).set({ active: false }).where(eq(eventTypes.id, call.id));
    expect(await slots(call.id)).toEqual([]);
    await harness.db.update(eventTypes).set({ active: true, deletedAt: harness.clock }).where(eq(eventTypes.id, call.id));
    expect(await slots(call.id)).toEqual([]);
  });

  it('follows Europe/Berlin and America/New_York across their spring-forward changes', async () => {
    harness.clock = new Date('2030-03-01T00:00:00Z'); // within the 90-day booking window
    const mondays = [{ weekday: 'MONDAY', start: '09:00', end: '10:00' }];
    const berlin = await hostWithCall({ timeZone: 'Europe/Berlin', workingHours: mondays });
    const newYork = await hostWithCall({ timeZone: 'America/New_York', workingHours: mondays });
    // Berlin moves its clocks on 31 March 2030, New York on 10 March 2030.
    const berlinStarts = (await slots(berlin.call.id, { from: '2030-03-25T00:00:00Z', to: '2030-04-02T00:00:00Z' })).map((s) => s.start);
    expect(berlinStarts).toEqual(['2030-03-25T08:00:00.000Z', '2030-04-01T07:00:00.000Z']);
    const newYorkStarts = (await slots(newYork.call.id, { from: '2030-03-04T00:00:00Z', to: '2030-03-12T00:00:00Z' })).map((s) => s.start);
    expect(newYorkStarts).toEqual(['2030-03-04T14:00:00.000Z', '2030-03-11T13:00:00.000Z']);
  });

  it('follows America/New_York across the fall-back night: 25 hours of slots', async () => {
    harness.clock = new Date('2030-10-01T00:00:00Z'); // within the 90-day booking window
    const sunday = [{ weekday: 'SUNDAY', start: '00:00', end: '24:00' }];
    const { call } = await hostWithCall({ workingHours: sunday });
    // 3 November 2030, 00:00 EDT to 24:00 EST.
    const answer = await slots(call.id, { from: '2030-11-03T04:00:00Z', to: '2030-11-04T05:00:00Z' });
    expect(answer).toHaveLength((25 * 60 - 60) / 15 + 1);
    expect(answer.at(-1)!.end).toBe('2030-11-04T05:00:00.000Z');
  });

  it('refuses ranges over 62 days, reversed ranges and unknown time zones', async () => {
    const { call } = await hostWithCall();
    const ask = (variables: Record<string, unknown>) =>
      harness.request(AVAILABILITY, { key: org.adminKey, variables: { eventTypeId: call.id, ...DAY, ...variables } });
    expect((await ask({ from: '2030-01-01T00:00:00Z', to: '2030-03-04T00:00:00Z' })).body.errors).toBeUndefined(); // 62 days
    const tooLong = await ask({ from: '2030-01-01T00:00:00Z', to: '2030-03-04T00:01:00Z' });
    expect(tooLong.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    expect(errorCode(await ask({ from: DAY.to, to: DAY.from }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await ask({ from: DAY.from, to: DAY.from }))).toBe('BAD_USER_INPUT');
    const zone = await ask({ timeZone: 'Europe/Atlantis' });
    expect(zone.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeZone' });
  });

  it("answers NOT_FOUND for another organization's or the other world's event type", async () => {
    const { call } = await hostWithCall();
    const other = await harness.organization();
    const foreign = await harness.request(AVAILABILITY, { key: other.adminKey, variables: { eventTypeId: call.id, ...DAY } });
    expect(errorCode(foreign)).toBe('NOT_FOUND');
    const live = await harness.makeKey({ organization: org, scopes: ['availability:read'], environment: 'LIVE' });
    const crossWorld = await harness.request(AVAILABILITY, { key: live.secret, variables: { eventTypeId: call.id, ...DAY } });
    expect(errorCode(crossWorld)).toBe('NOT_FOUND');
  });

  it('needs availability:read', async () => {
    const { call } = await hostWithCall();
    const reader = await harness.makeKey({ organization: org, scopes: ['availability:read'] });
    const other = await harness.makeKey({ organization: org, scopes: ['event-types:read', 'team:read'] });
    expect((await harness.request(AVAILABILITY, { key: reader.secret, variables: { eventTypeId: call.id, ...DAY } })).body.errors).toBeUndefined();
    expect(errorCode(await harness.request(AVAILABILITY, { key: other.secret, variables: { eventTypeId: call.id, ...DAY } }))).toBe('FORBIDDEN');
    expect(errorCode(await harness.request(FREE_BUSY, { key: other.secret, variables: { ids: [], ...DAY } }))).toBe('FORBIDDEN');
  });

  describe('freeBusy', () => {
    it("lists each member's held bookings with buffers, and nothing for cancelled ones", async () => {
      const { host, call } = await hostWithCall({}, { bufferBeforeMinutes: 10, bufferAfterMinutes: 20 });
      const idle = await createTeamMember(harness, org.adminKey);
      await book(host.id, call.id, `${MONDAY}T15:00:00Z`, 60);
      await book(host.id, call.id, `${MONDAY}T18:00:00Z`, 60, 'CANCELLED');
      const response = await harness.request(FREE_BUSY, { key: org.adminKey, variables: { ids: [host.id, idle.id], ...DAY } });
      expect(response.body.data!.freeBusy).toEqual([
        {
          teamMemberId: host.id,
          busy: [{ start: `${MONDAY}T14:50:00.000Z`, end: `${MONDAY}T16:20:00.000Z`, source: 'BOOKING' }],
        },
        { teamMemberId: idle.id, busy: [] },
      ]);
    });

    it("answers NOT_FOUND for another organization's member and refuses long ranges", async () => {
      const other = await harness.organization();
      const foreign = await createTeamMember(harness, other.adminKey);
      expect(errorCode(await harness.request(FREE_BUSY, { key: org.adminKey, variables: { ids: [foreign.id], ...DAY } }))).toBe('NOT_FOUND');
      const mine = await createTeamMember(harness, org.adminKey);
      const long = await harness.request(FREE_BUSY, {
        key: org.adminKey,
        variables: { ids: [mine.id], from: '2030-01-01T00:00:00Z', to: '2030-06-01T00:00:00Z' },
      });
      expect(errorCode(long)).toBe('BAD_USER_INPUT');
    });
  });

  describe('availableHostsAt (the contract bookings use)', () => {
    async function twoHosts() {
      const first = await createTeamMember(harness, org.adminKey, { timeZone: 'America/New_York' });
      const second = await createTeamMember(harness, org.adminKey, { timeZone: 'America/New_York' });
      const call = await createEventType(harness, org.adminKey, { durationMinutes: 60, hostIds: [first.id, second.id] });
      const [eventType] = await harness.db.select().from(eventTypes).where(eq(eventTypes.id, call.id));
      return { first, second, call, eventType: eventType! };
    }

    it('orders free hosts by fewest bookings that day, then id, and works inside a transaction', async () => {
      const { first, second, call, eventType } = await twoHosts();
      const [busier, lighter] = [first.id, second.id].sort();
      await book(busier!, call.id, `${MONDAY}T14:00:00Z`, 60);
      const at = new Date(`${MONDAY}T16:00:00Z`);
      const hosts = await harness.db.transaction((tx) => availableHostsAt(tx, tenant(), eventType, at, harness.clock));
      expect(hosts).toEqual([lighter, busier]);
    });

    it('excludes the booking being moved and can be limited to some hosts', async () => {
      const { first, call, eventType } = await twoHosts();
      const at = new Date(`${MONDAY}T16:00:00Z`);
      const moving = await book(first.id, call.id, at.toISOString(), 60);
      const only = { hostIds: [first.id] };
      expect(await availableHostsAt(harness.db, tenant(), eventType, at, harness.clock, only)).toEqual([]);
      expect(await availableHostsAt(harness.db, tenant(), eventType, at, harness.clock, { ...only, excludeBookingId: moving })).toEqual([
        first.id,
      ]);
    });

    it('refuses times off the slot grid, before the notice, or outside working hours', async () => {
      const { eventType } = await twoHosts();
      const ask = (iso: string) => availableHostsAt(harness.db, tenant(), eventType, new Date(iso), harness.clock);
      expect(await ask(`${MONDAY}T16:00:00Z`)).toHaveLength(2);
      expect(await ask(`${MONDAY}T16:05:00Z`)).toEqual([]);
      expect(await ask(`${MONDAY}T21:15:00Z`)).toEqual([]); // would end after 17:00 in New York
      harness.clock = new Date(`${MONDAY}T16:30:00Z`);
      expect(await ask(`${MONDAY}T16:00:00Z`)).toEqual([]);
    });

    it("never offers another tenant's view of the same hosts", async () => {
      const { eventType } = await twoHosts();
      const elsewhere: Tenant = { organizationId: org.organizationId, environment: 'LIVE' };
      expect(await availableHostsAt(harness.db, elsewhere, eventType, new Date(`${MONDAY}T16:00:00Z`), harness.clock)).toEqual([]);
    });
  });
});
