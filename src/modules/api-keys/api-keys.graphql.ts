import { actorOf } from '../../graphql/context.js';
import type { Executor } from '../../db/client.js';
import { keyStatus } from '../../auth/key-state.js';
import { builder } from '../../graphql/builder.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import { MemberRef, ServiceAccountRef } from '../members/member-refs.graphql.js';
import { findMember, type Member } from '../members/members.service.js';
import { serviceAccountById, type ServiceAccount } from '../members/service-accounts.service.js';
import { findApiKey, listApiKeys, revokeApiKey, updateApiKey, type ApiKey } from './api-keys.service.js';
import { createApiKey, rollApiKey, type CreatedApiKey } from './key-issuance.js';
import { transferApiKey } from './key-transfer.js';
import { MAX_ROLL_GRACE_SECONDS } from '../../auth/access/key-lifecycle.js';
import { EXPIRY_DAYS } from '../../auth/access/key-settings.js';

const ApiKeyTypeEnum = builder.enumType('ApiKeyType', {
  values: {
    SECRET: { description: 'sk_ keys, for servers. Any scope.' },
    PUBLIC: { description: 'pk_ keys, for browsers. Only availability:read, event-types:read, bookings:create, bookings:read-own.' },
  } as const,
});

const ApiKeyEnvironmentEnum = builder.enumType('ApiKeyEnvironment', {
  values: {
    LIVE: { description: 'Sees and changes live data only.' },
    TEST: { description: 'Sees and changes test data only.' },
  } as const,
});

const ApiKeyStatusEnum = builder.enumType('ApiKeyStatus', { values: ['ACTIVE', 'EXPIRED', 'REVOKED'] as const });

const ExpiresInEnum = builder.enumType('ApiKeyExpiresIn', {
  values: Object.fromEntries(
    Object.entries(EXPIRY_DAYS).map(([name, days]) => [name, { description: days ? `${days} days` : 'Never expires' }]),
  ) as Record<keyof typeof EXPIRY_DAYS, { description: string }>,
});

const KeyOwnerUnion = builder.unionType('KeyOwner', {
  description: 'Who a key acts for: a member, or a service account of the organization.',
  types: [MemberRef, ServiceAccountRef],
  resolveType: (owner) => ('email' in owner ? MemberRef : ServiceAccountRef),
});

/** The key's owner row, deleted service accounts included (a revoked key still names whose it was). */
async function ownerOf(key: ApiKey, db: Executor): Promise<Member | ServiceAccount | null> {
  if (key.ownerServiceAccountId !== null) return (await serviceAccountById(db, key.ownerServiceAccountId)) ?? null;
  return (await findMember(db, key.ownerMemberId!)) ?? null;
}

export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
  description: 'An API key. The secret itself is shown once, at creation or roll, and never stored.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    type: t.expose('type', { type: ApiKeyTypeEnum }),
    environment: t.expose('environment', { type: ApiKeyEnvironmentEnum }),
    preview: t.exposeString('preview', { description: 'First 12 and last 4 characters of the secret.' }),
    scopes: t.exposeStringList('scopes', { description: 'Scopes as granted (groups and * unexpanded).' }),
    allowedOrigins: t.exposeStringList('allowedOrigins'),
    status: t.field({ type: ApiKeyStatusEnum, resolve: (key, _args, { now }) => keyStatus(key, now()) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    owner: t.field({
      type: KeyOwnerUnion,
      nullable: true,
      description: 'Who the key acts for; it never does more than their role allows.',
      resolve: (key, _args, { db }) => ownerOf(key, db),
    }),
    recipient: t.field({
      type: MemberRef,
      nullable: true,
      description:
        "The member who received the current secret (by creation or roll). A member's key is bound by their role and activity too; " +
        'null for a service account key issued by an operator at the CLI.',
      resolve: async (key, _args, { db }) => (key.recipientMemberId === null ? null : ((await findMember(db, key.recipientMemberId)) ?? null)),
    }),
    createdBy: t.field({
      type: MemberRef,
      nullable: true,
      description: 'The member who owns the key; null when a service account owns it.',
      deprecationReason: 'Use owner, which is a Member or a ServiceAccount.',
      resolve: async (key, _args, { db }) => (key.ownerMemberId === null ? null : ((await findMember(db, key.ownerMemberId)) ?? null)),
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Updated at most once a minute per key.',
    }),
    // The address of whoever last used the key: for public keys, the previous visitor's.
    lastUsedIp: t.exposeString('lastUsedIp', { ...requires('keys:read', 'keys:manage'), nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ApiKeyWithSecretRef = builder.objectRef<CreatedApiKey>('ApiKeyWithSecret').implement({
  description: 'A new key and its secret. Store the secret now: it cannot be shown again.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (created) => created.apiKey }),
    secret: t.exposeString('secret'),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    type: t.field({ type: ApiKeyTypeEnum, required: true }),
    environment: t.field({ type: ApiKeyEnvironmentEnum, required: true }),
    scopes: t.stringList({ required: true, description: 'Scopes, groups (bookings:write) or * (secret keys only).' }),
    expiresIn: t.field({ type: ExpiresInEnum, required: true }),
    allowedOrigins: t.stringList({
      required: false,
      description: 'Public keys only: scheme://host[:port] or https://*.example.com. Required for pk_live_ keys.',
    }),
    ownerServiceAccountId: t.id({
      required: false,
      description: "The service account to own the key (keys whose effective role is ADMIN only); omitted: the calling key's owner.",
    }),
  }),
});

const UpdateApiKeyInput = builder.inputType('UpdateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: false }),
    scopes: t.stringList({ required: false }),
    allowedOrigins: t.stringList({ required: false }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.field({
    ...requires('keys:read'),
    type: [ApiKeyRef],
    description: "The organization's keys (a test key sees test keys only).",
    args: {
      includeRevoked: t.arg.boolean({ defaultValue: false }),
      revealedToInactiveMembers: t.arg.boolean({
        defaultValue: false,
        description:
          "Only service accounts' working keys whose current secret was shown to a member who has been deactivated since: " +
          "they outlive that member (a member's own keys do not), so roll them.",
      }),
    },
    resolve: (_root, args, { db, principal, now }) =>
      listApiKeys(
        db,
        principal,
        { includeRevoked: args.includeRevoked ?? false, revealedToInactiveMembers: args.revealedToInactiveMembers ?? false },
        now(),
      ),
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyWithSecretRef,
    description:
      "Creates a key owned by the calling key's owner (or by a service account), with at most the calling key's scopes. " +
      'The member behind the calling key receives the secret.',
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, context) =>
      createApiKey(
        context.db,
        actorOf(context),
        { ...input, allowedOrigins: input.allowedOrigins ?? [] },
        context.now(),
      ),
  }),
  updateApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateApiKeyInput, required: true }) },
    resolve: (_root, { id, input }, context) => updateApiKey(context.db, actorOf(context), id, input, context.now()),
  }),
  revokeApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyRef,
    description: 'Refused from the very next request on.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const key = await findApiKey(context.db, context.principal, id);
      return revokeApiKey(context.db, actorOf(context), key, context.now());
    },
  }),
  rollApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyWithSecretRef,
    description: `Issues a new secret with the same settings. The old secret ends now, or after expireOldKeyInSeconds (at most ${MAX_ROLL_GRACE_SECONDS}).`,
    args: { id: t.arg.id({ required: true }), expireOldKeyInSeconds: t.arg.int({ defaultValue: 0 }) },
    resolve: (_root, { id, expireOldKeyInSeconds }, context) =>
      rollApiKey(context.db, actorOf(context), id, expireOldKeyInSeconds ?? 0, context.now()),
  }),
  transferApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyRef,
    description:
      'Moves a working key to a service account; its secret keeps working (keys whose effective role is ADMIN only). ' +
      'Refused when the key would gain scopes under the service account.',
    args: { id: t.arg.id({ required: true }), toServiceAccountId: t.arg.id({ required: true }) },
    resolve: (_root, { id, toServiceAccountId }, context) =>
      transferApiKey(context.db, actorOf(context), id, toServiceAccountId, context.now()),
  }),
}));
