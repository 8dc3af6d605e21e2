/**
 * Taking a host's time without ever double-booking them.
 *
 * Availability is read once to pick candidate hosts, then, for each candidate
 * in turn, the host's team_members row is locked (SELECT … FOR UPDATE) and
 * availability re-read under the lock. Every booking write for a host takes the
 * same lock first, so writers for one host queue up and each re-check sees the
 * bookings committed before it (PostgreSQL's READ COMMITTED gives every
 * statement a fresh snapshot). On PGlite, a single connection, transactions
 * already run one at a time; the same code is correct there too.
 *
 * Each attempt runs in a savepoint: when the host turns out to be full, rolling
 * back releases their lock before the next host is tried, so a transaction never
 * holds one host while waiting for another and no two can deadlock.
 */
import { and, eq } from 'drizzle-orm';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { teamMembers } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { badUserInput, appError } from '../../lib/errors.js';
import { activeHostsOf, availableHostsAt, latestStart } from '../availability/availability.service.js';
import { BOOKING_HORIZON_DAYS, horizonEnd, isOnSlotGrid, SLOT_GRANULARITY_MINUTES } from '../availability/slots.js';
import type { EventType } from '../event-types/event-types.service.js';

export type SlotRequest = {
  eventType: EventType;
  startAt: Date;
  /** Only these hosts may take it (a requested host, or the booking's host when rescheduling). */
  hostIds?: string[];
  /** The booking being moved, which must not count against itself. */
  excludeBookingId?: string;
};

export function slotUnavailable(startAt: Date) {
  return appError(
    'SLOT_UNAVAILABLE',
    `startAt: ${startAt.toISOString()} is not (or no longer) available; read availability and pick another time.`,
    { field: 'startAt' },
  );
}

/** Refusals about the event type and the time that do not depend on anyone's bookings. */
export function assertBookableTime(eventType: EventType, startAt: Date, now: Date): void {
  if (eventType.deletedAt) throw badUserInput('eventTypeId', 'this event type was deleted and cannot be booked.');
  if (!eventType.active) throw badUserInput('eventTypeId', 'this event type is inactive and cannot be booked.');
  if (startAt <= now) throw badUserInput('startAt', 'must be in the future.');
  if (!isOnSlotGrid(startAt)) {
    throw badUserInput('startAt', `must fall on a ${SLOT_GRANULARITY_MINUTES}-minute boundary (like 09:00 or 09:15).`);
  }
  if (startAt.getTime() < now.getTime() + eventType.minimumNoticeMinutes * 60_000) {
    throw badUserInput('startAt', `this event type must be booked at least ${eventType.minimumNoticeMinutes} minutes ahead.`);
  }
  const latest = latestStart(eventType, now);
  if (startAt > latest) {
    throw badUserInput(
      'startAt',
      `this event type can be booked at most ${eventType.bookingWindowDays} days ahead (its booking window), so no later than ${latest.toISOString()}.`,
    );
  }
  // No event type's window reaches past this; kept as the last word should a window ever be stored wider.
  if (startAt.getTime() > horizonEnd(now)) throw badUserInput('startAt', `can be at most ${BOOKING_HORIZON_DAYS} days ahead.`);
}

/** Refuses, as input errors, a new booking that could never succeed whatever else is booked. */
export async function assertBookable(db: Executor, tenant: Tenant, request: SlotRequest, now: Date): Promise<void> {
  assertBookableTime(request.eventType, request.startAt, now);
  const hosts = await activeHostsOf(db, tenant, request.eventType.id, request.hostIds);
  if (hosts.length > 0) return;
  if (request.hostIds) throw badUserInput('hostId', 'is not an active host of this event type.');
  throw badUserInput('eventTypeId', 'this event type has no active hosts, so nobody can be booked for it.');
}

/** Marks a candidate found full once locked; only ever thrown to roll back its savepoint. */
class HostTaken extends Error {}

/**
 * Picks a host free at `startAt` and leaves their row locked until the caller's
 * transaction ends; the caller writes the booking in that transaction. Throws
 * SLOT_UNAVAILABLE when no host is free.
 */
export async function claimHost(tx: Executor, tenant: Tenant, request: SlotRequest, now: Date): Promise<string> {
  const { eventType, startAt, hostIds, excludeBookingId } = request;
  const candidates = await availableHostsAt(tx, tenant, eventType, startAt, now, { hostIds, excludeBookingId });
  for (const hostId of candidates) {
    try {
      await tx.transaction(async (savepoint) => {
        await savepoint
          .select({ id: teamMembers.id })
          .from(teamMembers)
          .where(and(inTenant(teamMembers, tenant), eq(teamMembers.id, hostId)))
          .for('update');
        const stillFree = await availableHostsAt(savepoint, tenant, eventType, startAt, now, {
          hostIds: [hostId],
          excludeBookingId,
        });
        if (stillFree.length === 0) throw new HostTaken();
      });
      return hostId;
    } catch (error) {
      if (!(error instanceof HostTaken)) throw error;
    }
  }
  throw slotUnavailable(startAt);
}
