/**
 * The booking lifecycle in one table. Every status change goes through
 * `transitionError`, so the rules live here and nowhere else.
 *
 *   PENDING ──confirm──▶ CONFIRMED ──complete──▶ COMPLETED
 *      │  │                 │  └──no-show──▶ NO_SHOW
 *      │  └──cancel──▶ CANCELLED ◀──cancel──┘
 *      └──hold lapses──▶ EXPIRED
 *
 * A PENDING booking whose event type sets a hold (pendingHoldMinutes) is
 * EXPIRED from the moment its hold lapses (`expiresAt`), before the periodic
 * sweep records it: from then on it holds no time and no caller can move it.
 */
import type { bookingEventTypeEnum, bookingStatusEnum } from '../../db/schema/index.js';

export type BookingStatus = (typeof bookingStatusEnum.enumValues)[number];
export type BookingEventType = (typeof bookingEventTypeEnum.enumValues)[number];

/** Bookings in these statuses hold their host's time; the others free it. */
export const ACTIVE_STATUSES: readonly BookingStatus[] = ['PENDING', 'CONFIRMED'];

type Action = {
  /** What the history and the webhook call it. */
  event: BookingEventType;
  from: readonly BookingStatus[];
  /** The status it leads to; absent when the status stays as it was. */
  to?: BookingStatus;
  /** Whether the booking's start time must have passed (you cannot miss a meeting in advance). */
  afterStart?: boolean;
  verb: string;
};

export const BOOKING_ACTIONS = {
  confirm: { event: 'CONFIRMED', from: ['PENDING'], to: 'CONFIRMED', verb: 'confirmed' },
  cancel: { event: 'CANCELLED', from: ['PENDING', 'CONFIRMED'], to: 'CANCELLED', verb: 'cancelled' },
  complete: { event: 'COMPLETED', from: ['CONFIRMED'], to: 'COMPLETED', afterStart: true, verb: 'completed' },
  noShow: { event: 'NO_SHOW', from: ['CONFIRMED'], to: 'NO_SHOW', afterStart: true, verb: 'marked as no-show' },
  reschedule: { event: 'RESCHEDULED', from: ['PENDING', 'CONFIRMED'], verb: 'rescheduled' },
  // Not a caller's action: the clock's (see booking-expiry.ts).
  expire: { event: 'EXPIRED', from: ['PENDING'], to: 'EXPIRED', verb: 'expired' },
  // Attendee details and notes stay editable after the meeting (e.g. to add notes), but not once cancelled or expired.
  update: { event: 'UPDATED', from: ['PENDING', 'CONFIRMED', 'COMPLETED', 'NO_SHOW'], verb: 'updated' },
} as const satisfies Record<string, Action>;

export type BookingAction = keyof typeof BOOKING_ACTIONS;

type BookingState = { status: BookingStatus; startAt: Date; expiresAt: Date | null };

/** Whether a PENDING booking's hold has lapsed by `now`, whether or not the sweep has recorded it yet. */
export const holdLapsed = (booking: BookingState, now: Date): boolean =>
  booking.status === 'PENDING' && booking.expiresAt !== null && booking.expiresAt <= now;

/** The status a booking is in at `now`: as stored, except a lapsed hold is already EXPIRED. */
export const statusAt = (booking: BookingState, now: Date): BookingStatus => (holdLapsed(booking, now) ? 'EXPIRED' : booking.status);

/** Why `action` may not happen to a booking in this state now, or null when it may. */
export function transitionError(action: BookingAction, booking: BookingState, now: Date): string | null {
  const rule: Action = BOOKING_ACTIONS[action];
  const status = statusAt(booking, now);
  if (!rule.from.includes(status)) {
    const lapsed = holdLapsed(booking, now) ? ` Its hold lapsed at ${booking.expiresAt!.toISOString()}.` : '';
    return `a ${status} booking cannot be ${rule.verb} (allowed from ${rule.from.join(', ')}).${lapsed}`;
  }
  if (rule.afterStart && now < booking.startAt) {
    return `a booking can only be ${rule.verb} after its start time (${booking.startAt.toISOString()}).`;
  }
  return null;
}

/** The status after `action`. */
export function statusAfter(action: BookingAction, current: BookingStatus): BookingStatus {
  const rule: Action = BOOKING_ACTIONS[action];
  return rule.to ?? current;
}
