/**
 * Per-request batching for who answers for each webhook (Webhook.subscribedBy,
 * subscribedByServiceAccount), so a page of webhooks costs one members query and
 * one service-accounts query instead of one of each per webhook.
 */
import DataLoader from 'dataloader';
import { byId, perRequest } from '../../lib/loaders.js';
import type { Executor } from '../../db/client.js';
import type { Tenant } from '../../db/tenant.js';
import { membersByIds } from '../members/members.service.js';
import { serviceAccountsByIds } from '../members/service-accounts.service.js';

/** What the loaders read: one request's database handle and tenant (the GraphQL context has both). */
type RequestScope = { db: Executor; tenant: Tenant };

function createLoaders({ db, tenant }: RequestScope) {
  return {
    members: new DataLoader(async (ids: readonly string[]) => byId(ids, await membersByIds(db, tenant.organizationId, ids))),
    serviceAccounts: new DataLoader(async (ids: readonly string[]) => byId(ids, await serviceAccountsByIds(db, tenant.organizationId, ids))),
  };
}

/** The loaders of this request; made on first use, gone with the request. */
export const webhookLoaders = perRequest(createLoaders);
