/** Validation of what an event type is created or changed with; errors name the offending input field. */
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { badUserInput } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { teamMembersByIds } from '../team/team.service.js';
import { EVENT_TYPE_LIMITS } from './limits.js';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function checkedTitle(title: string): string {
  const trimmed = title.trim();
  if (!trimmed || trimmed.length > TEXT_LIMITS.title) throw badUserInput('title', `must be 1 to ${TEXT_LIMITS.title} characters.`);
  return trimmed;
}

export function checkedSlug(slug: string): string {
  if (!SLUG.test(slug) || slug.length > TEXT_LIMITS.slug) {
    throw badUserInput('slug', 'use lowercase letters, digits and single hyphens, like "intro-call".');
  }
  return slug;
}

export function checkedDescription(description: string | null): string | null {
  if (description !== null && description.length > TEXT_LIMITS.description) {
    throw badUserInput('description', `must be at most ${TEXT_LIMITS.description} characters.`);
  }
  return description;
}

function minutes(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badUserInput(field, `must be a whole number of minutes from ${min} to ${max}.`);
  }
  return value;
}

export const checkedDuration = (value: number) =>
  minutes('durationMinutes', value, EVENT_TYPE_LIMITS.minDurationMinutes, EVENT_TYPE_LIMITS.maxDurationMinutes);

export const checkedBuffer = (field: 'bufferBeforeMinutes' | 'bufferAfterMinutes', value: number) =>
  minutes(field, value, 0, EVENT_TYPE_LIMITS.maxBufferMinutes);

export const checkedNotice = (value: number) =>
  minutes('minimumNoticeMinutes', value, 0, EVENT_TYPE_LIMITS.maxMinimumNoticeMinutes);

export function checkedBookingWindow(value: number): number {
  const { minBookingWindowDays: min, maxBookingWindowDays: max } = EVENT_TYPE_LIMITS;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badUserInput('bookingWindowDays', `must be a whole number of days from ${min} to ${max}.`);
  }
  return value;
}

/** null: a PENDING booking holds its slot until confirmed or cancelled. */
export const checkedPendingHold = (value: number | null) =>
  value === null
    ? null
    : minutes('pendingHoldMinutes', value, EVENT_TYPE_LIMITS.minPendingHoldMinutes, EVENT_TYPE_LIMITS.maxPendingHoldMinutes);

/**
 * Hosts must be active team members of the caller's tenant. An id from
 * another organization or the other live/test world gets the same answer as an
 * id that does not exist, so nothing about other tenants leaks.
 */
export async function checkedHostIds(db: Executor, tenant: Tenant, hostIds: readonly string[]): Promise<string[]> {
  const unique = [...new Set(hostIds)];
  if (unique.length > EVENT_TYPE_LIMITS.maxHosts) throw badUserInput('hostIds', `at most ${EVENT_TYPE_LIMITS.maxHosts} hosts.`);
  const active = new Set((await teamMembersByIds(db, tenant, unique)).filter((m) => m.active).map((m) => m.id));
  const unknown = unique.find((id) => !active.has(id));
  if (unknown !== undefined) throw badUserInput('hostIds', `"${unknown}" is not an active team member.`);
  return unique;
}
