/**
 * Per-request batching for what an event type points at, so a page of 200
 * event types costs one hosts query instead of one per event type.
 */
import DataLoader from 'dataloader';
import { perRequest } from '../../lib/loaders.js';
import type { Executor } from '../../db/client.js';
import type { Tenant } from '../../db/tenant.js';

/** What the loaders read: one request's database handle and tenant (the GraphQL context has both). */
type RequestScope = { db: Executor; tenant: Tenant };
import { hostsByEventType, type TeamMember } from '../team/team.service.js';

function createLoaders({ db, tenant }: RequestScope) {
  return {
    hosts: new DataLoader(async (eventTypeIds: readonly string[]) => {
      const byEventType = await hostsByEventType(db, tenant, eventTypeIds);
      return eventTypeIds.map((id): TeamMember[] => byEventType.get(id) ?? []);
    }),
  };
}

/** The loaders of this request; made on first use, gone with the request. */
export const eventTypeLoaders = perRequest(createLoaders);
