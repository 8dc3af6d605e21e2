/**
 * Per-request batching for what an event type points at, so a page of 200
 * event types costs one hosts query instead of one per event type.
 */
import DataLoader from 'dataloader';
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

type EventTypeLoaders = ReturnType<typeof createLoaders>;

const perRequest = new WeakMap<RequestScope, EventTypeLoaders>();

/** The loaders of this request; created on first use, gone with the request. */
export function eventTypeLoaders(context: RequestScope): EventTypeLoaders {
  let loaders = perRequest.get(context);
  if (!loaders) {
    loaders = createLoaders(context);
    perRequest.set(context, loaders);
  }
  return loaders;
}
