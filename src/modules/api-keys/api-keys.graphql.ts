import { actorOf } from '../../graphql/context.js';
import { keyStatus } from '../../auth/key-state.js';
import { builder } from '../../graphql/builder.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import { MemberRef } from '../organizations/organization-refs.graphql.js';
import { findMember } from '../organizations/organizations.service.js';
import { findApiKey, listApiKeys, revokeApiKey, updateApiKey, type ApiKey } from './api-keys.service.js';
import { createApiKey, rollApiKey, type CreatedApiKey } from './key-issuance.js';
import { MAX_ROLL_GRACE_SECONDS } from '../../auth/access/key-lifecycle.js';
import { EXPIRY_DAYS, MAX_ALLOWED_IPS } from '../../auth/access/key-settings.js';
import { violatesKeyPolicy } from './key-policy.service.js';

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
    // Where a key's holders call from: for those who manage keys, like lastUsedIp.
    allowedIps: t.exposeStringList('allowedIps', {
      ...requires('keys:read', 'keys:manage'),
      description: 'Secret keys: the addresses and CIDR ranges requests may come from; empty: anywhere.',
    }),
    status: t.field({ type: ApiKeyStatusEnum, resolve: (key, _args, { now }) => keyStatus(key, now()) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.field({
      type: MemberRef,
      nullable: true,
      description: 'The member who owns the key; the key never does more than their role allows.',
      resolve: async (key, _args, { db }) => (await findMember(db, key.ownerMemberId))!,
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

const ALLOWED_IPS_DESCRIPTION = `Secret keys only: IPv4/IPv6 addresses and CIDR ranges (203.0.113.0/24, 2001:db8::/32), at most ${MAX_ALLOWED_IPS}; requests from elsewhere are refused with IP_NOT_ALLOWED.`;

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
    allowedIps: t.stringList({ required: false, description: ALLOWED_IPS_DESCRIPTION }),
  }),
});

const UpdateApiKeyInput = builder.inputType('UpdateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: false }),
    scopes: t.stringList({ required: false }),
    allowedOrigins: t.stringList({ required: false }),
    allowedIps: t.stringList({ required: false, description: `${ALLOWED_IPS_DESCRIPTION} [] removes the allowlist.` }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.field({
    ...requires('keys:read'),
    type: [ApiKeyRef],
    description: "The organization's keys (a test key sees test keys only).",
    args: {
      includeRevoked: t.arg.boolean({ defaultValue: false }),
      violatingPolicy: t.arg.boolean({
        defaultValue: false,
        description: "Only keys in use that the organization's key policy would not let anyone create or roll as they are.",
      }),
    },
    resolve: (_root, args, { db, principal, now }) =>
      listApiKeys(db, principal, args.includeRevoked ?? false, args.violatingPolicy ? violatesKeyPolicy(db, principal.keyPolicy, now()) : undefined),
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyWithSecretRef,
    description: 'Creates a key owned by the calling key\'s member, with at most the calling key\'s scopes.',
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, context) =>
      createApiKey(
        context.db,
        actorOf(context),
        { ...input, allowedOrigins: input.allowedOrigins ?? [], allowedIps: input.allowedIps ?? [] },
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
    description: `Issues a new secret with the same settings (allowedIps replaced when given). The old secret ends now, or after expireOldKeyInSeconds (at most ${MAX_ROLL_GRACE_SECONDS}).`,
    args: {
      id: t.arg.id({ required: true }),
      expireOldKeyInSeconds: t.arg.int({ defaultValue: 0 }),
      allowedIps: t.arg.stringList({ required: false, description: 'The new secret\'s IP allowlist; left out: the old key\'s.' }),
    },
    resolve: (_root, { id, expireOldKeyInSeconds, allowedIps }, context) =>
      rollApiKey(context.db, actorOf(context), id, expireOldKeyInSeconds ?? 0, context.now(), allowedIps ?? null),
  }),
}));
