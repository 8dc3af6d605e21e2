import DataLoader from 'dataloader';
import type { GrantUse } from '../../auth/access/scope-usage.js';
import type { ApiKeyRecord } from '../../auth/key-state.js';
import type { RequestContext } from '../../graphql/context.js';
import { builder } from '../../graphql/builder.js';
import { requires } from '../../graphql/requirements.js';
import { ApiKeyRef } from './api-keys.graphql.js';
import { DEFAULT_USAGE_DAYS, keysScopeUsage, validUsageDays, type ScopeUsage } from './scope-usage.service.js';

const ScopeUseRef = builder.objectRef<GrantUse>('ScopeUse').implement({
  description: 'One scope a key holds, and how much of what the key did needed it.',
  fields: (t) => ({
    scope: t.exposeString('scope', { description: 'As granted: a scope, a group such as bookings:write, or *.' }),
    requests: t.exposeInt('requests', {
      description: 'Requests in the window that resolved a field or type this scope (or, for a group or *, any scope it stands for) satisfied.',
    }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'The latest of those requests; null: none in the window.' }),
  }),
});

const ScopeUsageRef = builder.objectRef<ScopeUsage>('ScopeUsage').implement({
  description:
    "Which of its scopes a key exercised, from its requests' audit records: each guarded field or type a request resolved counts; " +
    'a field refused FORBIDDEN does not. Records are written within about a second of the request.',
  fields: (t) => ({
    days: t.exposeInt('days', { description: 'The window: the last this many days.' }),
    since: t.expose('since', { type: 'DateTime', description: 'Where the window starts.' }),
    scopes: t.field({
      type: [ScopeUseRef],
      description: 'Every scope the key holds, in the order granted, with the requests it satisfied.',
      resolve: (usage) => usage.scopes,
    }),
    unusedScopes: t.exposeStringList('unusedScopes', { description: 'The scopes the key holds that satisfied no request in the window.' }),
    suggestedScopes: t.exposeStringList('suggestedScopes', {
      description:
        'The smallest set of concrete scopes that covers everything the key did in the window, within what it holds: updateApiKey(input: { applySuggestedScopes }) ' +
        'narrows the key to it (so does { scopes: suggestedScopes }, unless it is empty). Empty when the key did nothing guarded. Where a field accepts either of two scopes, the one it names first is kept on a tie.',
    }),
  }),
});

builder.objectField(ApiKeyRef, 'scopeUsage', (t) =>
  t.field({
    ...requires('keys:read'),
    type: ScopeUsageRef,
    description: 'Which of its scopes the key exercised in the last `days` days, and the smallest grant that would have done the same.',
    args: {
      days: t.arg.int({
        defaultValue: DEFAULT_USAGE_DAYS,
        description: 'The window, from 1 day to AUDIT_RETENTION_DAYS (a server setting: how long audit records are kept).',
      }),
    },
    resolve: (key, { days }, context) => scopeUsageLoader(context, validUsageDays(days ?? DEFAULT_USAGE_DAYS, context.auditRetentionDays)).load(key),
  }),
);

type UsageLoader = DataLoader<ApiKeyRecord, ScopeUsage, string>;
const loadersByRequest = new WeakMap<RequestContext, Map<number, UsageLoader>>();

/** A page of keys asking for their scopeUsage is one statement per window asked for, not one per key. */
function scopeUsageLoader(context: RequestContext, days: number): UsageLoader {
  let byDays = loadersByRequest.get(context);
  if (!byDays) loadersByRequest.set(context, (byDays = new Map()));
  let loader = byDays.get(days);
  if (!loader) {
    const now = context.now();
    loader = new DataLoader((keys: readonly ApiKeyRecord[]) => keysScopeUsage(context.db, keys, days, now), { cacheKeyFn: (key) => key.id });
    byDays.set(days, loader);
  }
  return loader;
}
