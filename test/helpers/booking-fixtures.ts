/**
 * Hosts and event types written straight to the database, so booking tests
 * depend on the schema only, not on the team and event-type APIs' inputs.
 */
import type { Tenant } from '../../src/auth/principal.js';
import { eventTypeHosts, eventTypes, teamMembers, type CustomFieldDefinition, type WorkingHours } from '../../src/db/schema/index.js';
import { newId } from '../../src/lib/random.js';
import type { TestHarness, TestOrganization } from './harness.js';

const WEEK = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

/** Working all day, every day: only bookings limit when such a host is free. */
export const AROUND_THE_CLOCK: WorkingHours[] = WEEK.map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));

export const tenantOf = (organization: TestOrganization, environment: Tenant['environment'] = 'TEST'): Tenant => ({
  organizationId: organization.organizationId,
  environment,
});

export async function seedHost(
  harness: TestHarness,
  tenant: Tenant,
  options: { capacity?: number; workingHours?: WorkingHours[]; timeZone?: string; active?: boolean } = {},
) {
  const id = newId('tm');
  const [member] = await harness.db
    .insert(teamMembers)
    .values({
      id,
      ...tenant,
      name: `Host ${id.slice(-4)}`,
      email: `${id.toLowerCase()}@example.com`,
      timeZone: options.timeZone ?? 'UTC',
      capacity: options.capacity ?? 1,
      workingHours: options.workingHours ?? AROUND_THE_CLOCK,
      active: options.active ?? true,
      createdAt: harness.clock,
      updatedAt: harness.clock,
    })
    .returning();
  return member!;
}

export async function seedEventType(
  harness: TestHarness,
  tenant: Tenant,
  options: {
    hostIds: string[];
    durationMinutes?: number;
    bufferBeforeMinutes?: number;
    bufferAfterMinutes?: number;
    minimumNoticeMinutes?: number;
    customFields?: CustomFieldDefinition[];
    active?: boolean;
    deletedAt?: Date | null;
  },
) {
  const id = newId('evtype');
  const [eventType] = await harness.db
    .insert(eventTypes)
    .values({
      id,
      ...tenant,
      title: `Call ${id.slice(-4)}`,
      slug: `call-${id.slice(-8).toLowerCase()}`,
      durationMinutes: options.durationMinutes ?? 30,
      bufferBeforeMinutes: options.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: options.bufferAfterMinutes ?? 0,
      minimumNoticeMinutes: options.minimumNoticeMinutes ?? 0,
      customFields: options.customFields ?? [],
      active: options.active ?? true,
      deletedAt: options.deletedAt ?? null,
      createdAt: harness.clock,
      updatedAt: harness.clock,
    })
    .returning();
  if (options.hostIds.length > 0) {
    await harness.db
      .insert(eventTypeHosts)
      .values(options.hostIds.map((teamMemberId) => ({ eventTypeId: id, teamMemberId, ...tenant })));
  }
  return eventType!;
}

export const BOOKING_FIELDS = `
  id status startAt endAt notes customFieldValues cancelledAt cancellationReason createdAt updatedAt
  attendee { name email timeZone }
  eventType { id }
  host { id }
  createdByKey { id preview }
  history { type fromStatus toStatus actingKey { id } details createdAt }
`;

export const CREATE_BOOKING = `mutation Create($input: CreateBookingInput!) {
  createBooking(input: $input) { ${BOOKING_FIELDS} }
}`;

export const attendee = (name = 'Ada Lovelace') => ({
  name,
  email: `${name.split(' ')[0]!.toLowerCase()}@example.com`,
  timeZone: 'Europe/London',
});
