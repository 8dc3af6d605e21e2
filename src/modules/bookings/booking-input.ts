/** Checks on what callers send about attendees; the first mistake is answered naming its field. */
import { badUserInput } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { canonicalTimeZone } from '../../lib/time-zone.js';

export type AttendeeInput = { name: string; email: string; timeZone?: string | null };
export type AttendeeChange = { name?: string | null; email?: string | null; timeZone?: string | null };
export type AttendeeColumns = { attendeeName: string; attendeeEmail: string; attendeeTimeZone: string | null };

export const BOOKING_LIMITS = {
  maxNameLength: TEXT_LIMITS.name,
  maxEmailLength: TEXT_LIMITS.email,
  maxNotesLength: TEXT_LIMITS.notes,
  maxIdempotencyKeyLength: TEXT_LIMITS.idempotencyKey,
  minPublicIdempotencyKeyLength: 20,
};

// Deliberately loose: the real check is whether mail arrives; this catches typos like a missing "@".
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function attendeeName(name: string, field: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > BOOKING_LIMITS.maxNameLength) {
    throw badUserInput(field, `must be 1 to ${BOOKING_LIMITS.maxNameLength} characters.`);
  }
  return trimmed;
}

function attendeeEmail(email: string, field: string): string {
  const trimmed = email.trim();
  if (!EMAIL.test(trimmed) || trimmed.length > BOOKING_LIMITS.maxEmailLength) {
    throw badUserInput(field, 'must be an email address like "ada@example.com".');
  }
  return trimmed;
}

function attendeeTimeZone(timeZone: string | null | undefined, field: string): string | null {
  if (timeZone === null || timeZone === undefined) return null;
  const canonical = canonicalTimeZone(timeZone);
  if (!canonical) throw badUserInput(field, 'must be an IANA time zone like "Europe/Berlin".');
  return canonical;
}

export function validAttendee(input: AttendeeInput, field = 'attendee'): AttendeeColumns {
  return {
    attendeeName: attendeeName(input.name, `${field}.name`),
    attendeeEmail: attendeeEmail(input.email, `${field}.email`),
    attendeeTimeZone: attendeeTimeZone(input.timeZone, `${field}.timeZone`),
  };
}

/** The columns an attendee change touches; fields left out stay as they are. */
export function attendeeChange(input: AttendeeChange, field = 'attendee'): Partial<AttendeeColumns> {
  const change: Partial<AttendeeColumns> = {};
  if (input.name !== undefined && input.name !== null) change.attendeeName = attendeeName(input.name, `${field}.name`);
  if (input.email !== undefined && input.email !== null) change.attendeeEmail = attendeeEmail(input.email, `${field}.email`);
  if (input.timeZone !== undefined) change.attendeeTimeZone = attendeeTimeZone(input.timeZone, `${field}.timeZone`);
  return change;
}

export function validNotes(notes: string | null): string | null {
  if (notes !== null && notes.length > BOOKING_LIMITS.maxNotesLength) {
    throw badUserInput('notes', `must be at most ${BOOKING_LIMITS.maxNotesLength} characters.`);
  }
  return notes;
}

/**
 * A replayed idempotency key returns the first booking, attendee included. A
 * public key is in every visitor's hands, so its idempotency keys must be
 * unguessable (a random UUID), or anyone could replay `order-1` and read it.
 */
export function validIdempotencyKey(key: string | null | undefined, fromPublicCaller: boolean): string | null {
  if (key === null || key === undefined) return null;
  if (!key || key.length > BOOKING_LIMITS.maxIdempotencyKeyLength) {
    throw badUserInput('idempotencyKey', `must be 1 to ${BOOKING_LIMITS.maxIdempotencyKeyLength} characters.`);
  }
  if (fromPublicCaller && key.length < BOOKING_LIMITS.minPublicIdempotencyKeyLength) {
    throw badUserInput(
      'idempotencyKey',
      `with a public key it must be at least ${BOOKING_LIMITS.minPublicIdempotencyKeyLength} random characters (use crypto.randomUUID()), so other visitors cannot guess it.`,
    );
  }
  return key;
}
