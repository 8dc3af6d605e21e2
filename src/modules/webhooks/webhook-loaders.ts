/**
 * Per-request batching for who answers for each webhook (Webhook.subscribedBy,
 * subscribedByServiceAccount), so a page of webhooks costs one members query and
 * one service-accounts query instead of one of each per webhook.
 */
import DataLoader from 'dataloader';
import { perRequest } from '../../lib/per-request.js';
import type { Executor } from '../../db/client.js';
import type { Tenant } from '../../db/tenant.js';
import { membersByIds, type Member } from '../members/members.service.js';
import { serviceAccountsByIds, type ServiceAccount } from '../members/service-accounts.service.js';

/** What the loaders read: one request's database handle and tenant (the GraphQL context has both). */
type RequestScope = { db: Executor; tenant: Tenant };

/** The rows for `ids`, in their order; null where none was found (in this organization). */
function inOrder<Row extends { id: string }>(ids: readonly string[], rows: Row[]): (Row | null)[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) ?? null);
}

function createLoaders({ db, tenant }: RequestScope) {
  return {
    members: new DataLoader(async (ids: readonly string[]) => inOrder<Member>(ids, await membersByIds(db, tenant.organizationId, ids))),
    serviceAccounts: new DataLoader(async (ids: readonly string[]) =>
      inOrder<ServiceAccount>(ids, await serviceAccountsByIds(db, tenant.organizationId, ids)),
    ),
  };
}

/** The loaders of this request; made on first use, gone with the request. */
export const webhookLoaders = perRequest(createLoaders);
