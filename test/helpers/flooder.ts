/**
 * The flooding tenant of the starvation test and benchmark: an organization
 * of its own whose hosts work around the clock, a 30-minute event type they
 * all host, and a live public key allowed on one origin: what any booking
 * page's key can reach, used at the rate its limits allow. A 62-day range of
 * it holds over 5,000 slots, so every call returns the most one may.
 */
import type { Executor } from '../../src/db/client.js';
import { createOperatorKey } from '../../src/modules/api-keys/key-issuance.js';
import { createEventType } from '../../src/modules/event-types/event-types.service.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { createTeamMember } from '../../src/modules/team/team.service.js';

export const FLOOD_ORIGIN = 'https://booking.flood.example';

const WEEK = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
const AROUND_THE_CLOCK = WEEK.map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));

export type Flooder = { key: string; eventTypeId: string; origin: string };

export async function seedFlooder(db: Executor, now: Date, hosts: number): Promise<Flooder> {
  const org = await bootstrapOrganization(db, { organizationName: 'Flood', adminEmail: 'flood@example.com', environment: 'LIVE' }, now, 'bench');
  const tenant = { organizationId: org.organization.id, environment: 'LIVE' as const };
  const hostIds: string[] = [];
  for (let i = 0; i < hosts; i++) {
    const host = await createTeamMember(db, tenant, { name: `Host ${i + 1}`, email: `host${i + 1}@flood.example`, timeZone: 'UTC', workingHours: AROUND_THE_CLOCK }, now);
    hostIds.push(host.id);
  }
  const eventType = await createEventType(db, tenant, { title: 'Call', slug: 'call', durationMinutes: 30, hostIds }, now);
  const { secret } = await createOperatorKey(
    db,
    { organizationId: org.organization.id, memberId: org.member.id },
    { name: 'widget', type: 'PUBLIC', environment: 'LIVE', scopes: ['availability:read'], expiresIn: 'NEVER', allowedOrigins: [FLOOD_ORIGIN] },
    now,
    'bench',
  );
  return { key: secret, eventTypeId: eventType.id, origin: FLOOD_ORIGIN };
}
