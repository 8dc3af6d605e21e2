/**
 * The attack: a public key (it sits in every visitor's browser) books junk
 * PENDING bookings far into the future, as many as it likes, and PENDING
 * never ends on its own, so a host's calendar fills with holds nobody keeps.
 * Each test below is one way of trying that, and what refuses it.
 */
import { and, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { bookingEvents, bookings, webhookEvents } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { BookingExpiry } from '../../src/modules/bookings/booking-expiry.js';
import { CREATE_BOOKING, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { GraphQLResponse, TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const MONDAY_8AM = new Date('2030-01-07T08:00:00Z');
const TUESDAY_10AM = '2030-01-08T10:00:00.000Z';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The n-th half-hour slot from Tuesday midnight: distinct slots, so only the limits under test refuse. */
const slot = (n: number) => new Date(Date.parse('2030-01-08T00:00:00Z') + n * 30 * MINUTE).toISOString();

const guest = (n: number, email = `guest${n}@example.com`) => ({ name: `Guest ${n}`, email, timeZone: 'Europe/London' });

const CREATE_EVENT_TYPE = `mutation($input: CreateEventTypeInput!) {
  createEventType(input: $input) { id }
}`;

describeIntegration(`booking hoarding with public keys`, { env: {
      // The client address comes from X-Forwarded-For, as behind a trusted proxy.
      TRUST_PROXY: 'true',
      // Production defaults for the limits under test (an empty value means "unset").
      PUBLIC_BOOKINGS_PER_EMAIL_PER_DAY: '',
      PUBLIC_BOOKINGS_PER_ADDRESS_PER_DAY: '',
      // Sweeps and deliveries run when a test says so.
      BOOKING_EXPIRY_INTERVAL_MS: '0',
      WEBHOOK_POLL_INTERVAL_MS: '0',
    } }, (harness) => {

  beforeEach(() => {
    harness.clock = MONDAY_8AM;
  });

  type World = { org: TestOrganization; publicKey: string; hostId: string; eventTypeId: string };

  /** A fresh organization (so counts never mix between tests) with one host and an event type made through the API. */
  async function world(eventType: Record<string, unknown> = {}, capacity = 1): Promise<World> {
    const org = await harness.organization();
    const host = await seedHost(harness, tenantOf(org), { capacity });
    const created = await harness.request(CREATE_EVENT_TYPE, {
      key: org.adminKey,
      variables: { input: { title: 'Intro', slug: 'intro', durationMinutes: 30, hostIds: [host.id], ...eventType } },
    });
    expect(created.body.errors).toBeUndefined();
    const key = await harness.makeKey({
      organization: org,
      type: 'PUBLIC',
      scopes: ['bookings:create', 'bookings:read-own', 'availability:read'],
    });
    return { org, publicKey: key.secret, hostId: host.id, eventTypeId: created.body.data!.createEventType.id };
  }

  type BookingRequest = { startAt?: string; attendee?: ReturnType<typeof guest>; address?: string; key?: string };

  const book = (w: World, { startAt = TUESDAY_10AM, attendee = guest(0), address = '203.0.113.7', key = w.publicKey }: BookingRequest = {}) =>
    harness.request(CREATE_BOOKING, {
      key,
      headers: { 'x-forwarded-for': address },
      variables: { input: { eventTypeId: w.eventTypeId, startAt, attendee } },
    });

  const errorOf = (response: GraphQLResponse) => response.body.errors?.[0];
  const booked = (responses: GraphQLResponse[]) => responses.filter((r) => r.body.data?.createBooking);
  const codes = (responses: GraphQLResponse[]) => responses.flatMap((r) => (r.body.errors ?? []).map((e) => e.extensions.code));

  async function storedBookings(w: World) {
    return harness.db.select().from(bookings).where(eq(bookings.eventTypeId, w.eventTypeId));
  }

  describe('how far ahead', () => {
    it('refuses a booking in 2099, naming startAt and the 90-day window', async () => {
      const w = await world();
      const response = await book(w, { startAt: '2099-01-06T10:00:00Z' });

      expect(response.body.data?.createBooking ?? null).toBeNull();
      expect(errorOf(response)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'startAt' } });
      expect(errorOf(response)!.message).toMatch(/at most 90 days ahead/);
      expect(await storedBookings(w)).toHaveLength(0);
    });

    it("offers no slot past the event type's window and books up to its last minute only", async () => {
      const w = await world({ bookingWindowDays: 7 });
      const lastStart = new Date(MONDAY_8AM.getTime() + 7 * DAY);

      const slots = await harness.request<{ availability: { start: string }[] }>(
        'query($id: ID!, $from: DateTime!, $to: DateTime!) { availability(eventTypeId: $id, from: $from, to: $to) { start } }',
        { key: w.publicKey, variables: { id: w.eventTypeId, from: new Date(lastStart.getTime() - DAY).toISOString(), to: new Date(lastStart.getTime() + DAY).toISOString() } },
      );
      expect(slots.body.errors).toBeUndefined();
      expect(slots.body.data!.availability.at(-1)!.start).toBe(lastStart.toISOString());

      const tooLate = await book(w, { startAt: new Date(lastStart.getTime() + 15 * MINUTE).toISOString() });
      expect(errorOf(tooLate)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'startAt' } });
      expect(errorOf(tooLate)!.message).toMatch(/at most 7 days ahead/);
      expect((await book(w, { startAt: lastStart.toISOString() })).body.errors).toBeUndefined();
    });

    it('refuses to move a booking past the window', async () => {
      const w = await world();
      const id = (await book(w)).body.data!.createBooking.id;
      const moved = await harness.request('mutation($id: ID!) { rescheduleBooking(id: $id, startAt: "2099-01-06T10:00:00Z") { id } }', {
        key: w.org.adminKey,
        variables: { id },
      });
      expect(errorOf(moved)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'startAt' } });
      expect((await storedBookings(w))[0]!.startAt.toISOString()).toBe(TUESDAY_10AM);
    });

    it.each([
      ['a window of 0 days', { bookingWindowDays: 0 }, 'bookingWindowDays'],
      ['a window over two years', { bookingWindowDays: 731 }, 'bookingWindowDays'],
      ['a hold under 5 minutes', { pendingHoldMinutes: 1 }, 'pendingHoldMinutes'],
    ])('refuses an event type with %s', async (_what, settings, field) => {
      const org = await harness.organization();
      const refused = await harness.request(CREATE_EVENT_TYPE, {
        key: org.adminKey,
        variables: { input: { title: 'Intro', slug: 'intro', durationMinutes: 30, ...settings } },
      });
      expect(errorOf(refused)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
    });
  });

  describe('how many', () => {
    it('refuses the sixth booking for one attendee email in a day, from any address, saying when to retry', async () => {
      const w = await world({}, 100);
      const server = await harness.makeKey({ organization: w.org, scopes: ['bookings:create'] });
      const byServer = (n: number) => book(w, { startAt: slot(n), attendee: guest(n, 'ada@example.com'), key: server.secret });
      // A server books for many people: its bookings are neither limited nor counted.
      for (let n = 0; n < 10; n++) expect((await byServer(n)).body.errors).toBeUndefined();
      for (let n = 10; n < 15; n++) {
        const email = n % 2 ? 'Ada@Example.com' : 'ada@example.com'; // one attendee, however it is spelled
        const response = await book(w, { startAt: slot(n), attendee: guest(n, email), address: `198.51.100.${n}` });
        expect(response.body.errors).toBeUndefined();
        harness.advance(MINUTE);
      }

      const sixth = await book(w, { startAt: slot(15), attendee: guest(15, 'ada@example.com'), address: '198.51.100.99' });
      const retryAt = new Date(MONDAY_8AM.getTime() + DAY).toISOString();
      expect(sixth.status).toBe(200);
      expect(errorOf(sixth)).toMatchObject({
        extensions: { code: 'BOOKING_LIMIT_REACHED', type: 'rate_limit_error', field: 'attendee.email', retryAt },
      });
      expect(errorOf(sixth)!.message).toContain(`retry after ${retryAt}`);
      expect(await storedBookings(w)).toHaveLength(15);
      expect((await byServer(16)).body.errors).toBeUndefined();

      harness.clock = new Date(Date.parse(retryAt) + 1);
      expect((await book(w, { startAt: slot(40), attendee: guest(40, 'ada@example.com') })).body.errors).toBeUndefined();
    });

    it('admits 20 of 50 bookings by one public key from one address in a day, and no other organization pays for it', async () => {
      const w = await world({}, 100);
      const responses: GraphQLResponse[] = [];
      for (let n = 0; n < 50; n++) responses.push(await book(w, { startAt: slot(n), attendee: guest(n) }));

      expect(booked(responses)).toHaveLength(20);
      expect(codes(responses)).toEqual(Array(30).fill('BOOKING_LIMIT_REACHED'));
      expect(errorOf(responses[20]!)!.message).toMatch(/from this address/);
      expect(errorOf(responses[20]!)!.extensions.retryAt).toBe(new Date(MONDAY_8AM.getTime() + DAY).toISOString());

      const elsewhere = await world();
      expect((await book(elsewhere, { attendee: guest(0) })).body.errors).toBeUndefined();
    });

    it('admits at most 5 of 15 simultaneous bookings for one attendee email', async () => {
      const w = await world({}, 100);
      const responses = await Promise.all(
        Array.from({ length: 15 }, (_, n) => book(w, { startAt: slot(n), attendee: guest(n, 'ada@example.com'), address: `198.51.100.${n}` })),
      );
      expect(booked(responses)).toHaveLength(5);
      expect(codes(responses)).toEqual(Array(10).fill('BOOKING_LIMIT_REACHED'));
      expect(await storedBookings(w)).toHaveLength(5);
    });

    it('admits at most 20 of 60 simultaneous bookings from one client address', async () => {
      const w = await world({}, 100);
      const responses = await Promise.all(Array.from({ length: 60 }, (_, n) => book(w, { startAt: slot(n), attendee: guest(n) })));
      expect(booked(responses)).toHaveLength(20);
      expect(codes(responses)).toEqual(Array(40).fill('BOOKING_LIMIT_REACHED'));
      expect(await storedBookings(w)).toHaveLength(20);
    });
  });

  describe('how long', () => {
    const HOLD = { pendingHoldMinutes: 30 };

    /** Books as a visitor and reads when the hold lapses. */
    const hold = async (w: World, attendee = guest(0)) => {
      const response = await harness.request(CREATE_BOOKING.replace('createdAt updatedAt', 'createdAt updatedAt expiresAt'), {
        key: w.publicKey,
        headers: { 'x-forwarded-for': '203.0.113.7' },
        variables: { input: { eventTypeId: w.eventTypeId, startAt: TUESDAY_10AM, attendee } },
      });
      expect(response.body.errors).toBeUndefined();
      return response.body.data!.createBooking as { id: string; status: string; expiresAt: string | null };
    };

    const slotsAt = async (w: World, start: string) => {
      const response = await harness.request<{ availability: { start: string }[] }>(
        'query($id: ID!, $from: DateTime!, $to: DateTime!) { availability(eventTypeId: $id, from: $from, to: $to) { start } }',
        { key: w.publicKey, variables: { id: w.eventTypeId, from: start, to: new Date(Date.parse(start) + 15 * MINUTE).toISOString() } },
      );
      expect(response.body.errors).toBeUndefined();
      return response.body.data!.availability.map((s) => s.start);
    };

    const bookingAsAdmin = async (w: World, id: string) =>
      (
        await harness.request(
          'query($id: ID!) { booking(id: $id) { status expiresAt history { type fromStatus toStatus actingKey { id } details } } }',
          { key: w.org.adminKey, variables: { id } },
        )
      ).body.data!.booking;

    it('expires a PENDING booking left unconfirmed past its hold: slot free, EXPIRED in its history, booking.expired sent', async () => {
      const w = await world(HOLD);
      const subscribed = await harness.request('mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }', {
        key: w.org.adminKey,
        variables: { input: { url: 'http://127.0.0.1:9/hooks', events: ['booking.expired'] } },
      });
      expect(subscribed.body.errors).toBeUndefined();

      const pending = await hold(w);
      expect(pending).toMatchObject({ status: 'PENDING', expiresAt: new Date(MONDAY_8AM.getTime() + 30 * MINUTE).toISOString() });
      expect(await slotsAt(w, TUESDAY_10AM)).toEqual([]);
      expect(errorOf(await book(w, { attendee: guest(1) }))!.extensions.code).toBe('SLOT_UNAVAILABLE');

      harness.advance(30 * MINUTE);
      expect(await slotsAt(w, TUESDAY_10AM)).toEqual([TUESDAY_10AM]);
      expect(await harness.app.bookingExpiry.expireLapsedHolds()).toBe(1);

      expect(await bookingAsAdmin(w, pending.id)).toMatchObject({
        status: 'EXPIRED',
        history: [
          { type: 'CREATED', toStatus: 'PENDING' },
          { type: 'EXPIRED', fromStatus: 'PENDING', toStatus: 'EXPIRED', actingKey: null, details: { expiresAt: pending.expiresAt } },
        ],
      });
      const events = await harness.db
        .select()
        .from(webhookEvents)
        .where(and(eq(webhookEvents.organizationId, w.org.organizationId), eq(webhookEvents.type, 'booking.expired')));
      expect(events).toHaveLength(1);
      expect(events[0]!.data).toMatchObject({ booking: { id: pending.id, status: 'EXPIRED' }, previous: { status: 'PENDING' } });
      expect(await harness.app.bookingExpiry.expireLapsedHolds()).toBe(0);
    });

    it('lets a new booking take a slot whose hold lapsed before any sweep, and the lapsed one can no longer be confirmed', async () => {
      const w = await world(HOLD);
      const lapsed = await hold(w);
      harness.advance(31 * MINUTE);

      const taken = await book(w, { attendee: guest(1) });
      expect(taken.body.errors).toBeUndefined();
      const confirm = await harness.request('mutation($id: ID!) { confirmBooking(id: $id) { status } }', {
        key: w.org.adminKey,
        variables: { id: lapsed.id },
      });
      expect(errorOf(confirm)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'id' } });
      expect(errorOf(confirm)!.message).toMatch(/EXPIRED booking cannot be confirmed/);

      expect(await harness.app.bookingExpiry.expireLapsedHolds()).toBe(1);
      expect((await bookingAsAdmin(w, lapsed.id)).status).toBe('EXPIRED');
      expect((await bookingAsAdmin(w, taken.body.data!.createBooking.id)).status).toBe('PENDING');
    });

    it('expires each lapsed booking exactly once when two instances sweep at the same time', async () => {
      const w = await world(HOLD, 100);
      for (let n = 0; n < 8; n++) expect((await book(w, { startAt: slot(n), attendee: guest(n) })).body.errors).toBeUndefined();
      harness.advance(HOUR);

      const instance = () =>
        new BookingExpiry(harness.db, { intervalMs: 0, batchSize: 1 }, { now: () => harness.clock, logger: createLogger('silent') });
      const counts = await Promise.all([instance().expireLapsedHolds(), instance().expireLapsedHolds()]);

      expect(counts[0]! + counts[1]!).toBe(8);
      const ids = (await storedBookings(w)).map((b) => b.id);
      const expiries = await harness.db.select().from(bookingEvents).where(eq(bookingEvents.type, 'EXPIRED'));
      expect(expiries.filter((e) => ids.includes(e.bookingId)).map((e) => e.bookingId).sort()).toEqual([...ids].sort());
      expect((await storedBookings(w)).every((b) => b.status === 'EXPIRED')).toBe(true);
    });

    it('keeps holding a booking confirmed in time, and one of an event type without a hold', async () => {
      const held = await world(HOLD);
      const confirmed = await hold(held);
      const ok = await harness.request('mutation($id: ID!) { confirmBooking(id: $id) { status expiresAt } }', {
        key: held.org.adminKey,
        variables: { id: confirmed.id },
      });
      expect(ok.body.data!.confirmBooking).toEqual({ status: 'CONFIRMED', expiresAt: null });
      const unlimited = await world();
      const open = await hold(unlimited);
      expect(open.expiresAt).toBeNull();

      harness.advance(DAY);
      await harness.app.bookingExpiry.expireLapsedHolds();
      expect((await bookingAsAdmin(held, confirmed.id)).status).toBe('CONFIRMED');
      expect((await bookingAsAdmin(unlimited, open.id)).status).toBe('PENDING');
      expect(await slotsAt(held, TUESDAY_10AM)).toEqual([]);
      expect(await slotsAt(unlimited, TUESDAY_10AM)).toEqual([]);
    });
  });
});
