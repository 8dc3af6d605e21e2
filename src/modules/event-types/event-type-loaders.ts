/**
 * Per-request batching for what an event type points at, so a page of 200
 * event types costs one hosts query instead of one per event type.
 */
import DataLoader from 'dataloader';
import { tenantOf } from '../../auth/principal.js';
import type { RequestContext } from '../../graphql/context.js';
import { hostsByEventType, type TeamMember } from '../team/team.service.js';

function createLoaders({ db, principal }: RequestContext) {
  const tenant = tenantOf(principal);
  return {
    hosts: new DataLoader(async (eventTypeIds: readonly string[]) => {
      const byEventType = await hostsByEventType(db, tenant, eventTypeIds);
      return eventTypeIds.map((id): TeamMember[] => byEventType.get(id) ?? []);
    }),
  };
}

type EventTypeLoaders = ReturnType<typeof createLoaders>;

const perRequest = new WeakMap<RequestContext, EventTypeLoaders>();

/** The loaders of this request; created on first use, gone with the request. */
export function eventTypeLoaders(context: RequestContext): EventTypeLoaders {
  let loaders = perRequest.get(context);
  if (!loaders) {
    loaders = createLoaders(context);
    perRequest.set(context, loaders);
  }
  return loaders;
}
