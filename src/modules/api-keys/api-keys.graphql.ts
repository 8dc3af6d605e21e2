import { actorOf } from '../../graphql/context.js';
import type { Executor } from '../../db/client.js';
import { keyStatus, usageLimitOf } from '../../auth/key-state.js';
import { builder } from '../../graphql/builder.js';
import { deprecated } from '../../graphql/deprecation.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import { MemberRef, ServiceAccountRef } from '../members/member-refs.graphql.js';
import { findMember, type Member } from '../members/members.service.js';
import { serviceAccountById, type ServiceAccount } from '../members/service-accounts.service.js';
import { findApiKey, listApiKeys, revokeApiKey, updateApiKey, type ApiKey } from './api-keys.service.js';
import { createApiKey, rollApiKey, type CreatedApiKey } from './key-issuance.js';
import { KeyUsageRef, UsageLimitInput } from './key-usage.graphql.js';
import { transferApiKey } from './key-transfer.js';
import { MAX_ROLL_GRACE_SECONDS } from '../../auth/access/key-lifecycle.js';
import { EXPIRY_DAYS, MAX_ALLOWED_IPS } from '../../auth/access/key-settings.js';
import { PUBLIC_KEY_SCOPES } from '../../auth/access/scopes.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { violatesKeyPolicy } from './key-policy.service.js';
import { DEFAULT_USAGE_DAYS, validUsageDays } from './scope-usage.service.js';

const ApiKeyTypeEnum = builder.enumType('ApiKeyType', {
  description: 'Where a key may be used, which bounds the scopes it may hold.',
  values: {
    SECRET: { description: 'sk_ keys, for servers. Any scope.' },
    PUBLIC: { description: `pk_ keys, for browsers. Only ${PUBLIC_KEY_SCOPES.join(', ')}.` },
  } as const,
});

const ApiKeyEnvironmentEnum = builder.enumType('ApiKeyEnvironment', {
  description: 'Which of the organization\'s two separate sets of data a key works on (sk_live_/sk_test_, pk_live_/pk_test_).',
  values: {
    LIVE: { description: 'Sees and changes live data only.' },
    TEST: { description: 'Sees and changes test data only.' },
  } as const,
});

const ApiKeyStatusEnum = builder.enumType('ApiKeyStatus', {
  description: 'Whether the key is accepted now.',
  values: {
    ACTIVE: { description: 'Accepted: neither revoked nor past expiresAt.' },
    EXPIRED: { description: 'Refused: past expiresAt (the old secret of a roll with a grace period ends this way).' },
    REVOKED: { description: 'Refused: revoked, or rolled without a grace period (see revokedAt). Final.' },
  } as const,
});

const ExpiresInEnum = builder.enumType('ApiKeyExpiresIn', {
  description: "A key's lifetime, counted from its creation; rolling gives the new secret the same lifetime from the roll.",
  values: Object.fromEntries(
    Object.entries(EXPIRY_DAYS).map(([name, days]) => [name, { description: days ? `${days} days` : 'Never expires' }]),
  ) as Record<keyof typeof EXPIRY_DAYS, { description: string }>,
});

const KEY_NAME = `1 to ${TEXT_LIMITS.keyName} characters after trimming; for people, not unique.`;
const KEY_SCOPES = `Scopes, groups (bookings:write) or * (secret keys only); each at most ${TEXT_LIMITS.scope} characters, at least one. At most the calling key's own scopes.`;
const TRUSTED_DOCUMENTS_ONLY =
  "Public keys only: true, and the key runs only the organization's trusted documents of its world (registerTrustedDocuments), sent by documentId or as their exact text; " +
  'anything else is refused with 403 (reason UNTRUSTED_DOCUMENT).';
const KEY_ORIGINS = `Public keys only: scheme://host[:port] or https://*.example.com, each at most ${TEXT_LIMITS.url} characters. Required for pk_live_ keys.`;

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
    id: t.exposeID('id', { description: 'The key record; rolling makes a new record with a new id.' }),
    name: t.exposeString('name', { description: 'A label for people.' }),
    type: t.expose('type', { type: ApiKeyTypeEnum, description: 'Secret (servers) or public (browsers).' }),
    environment: t.expose('environment', { type: ApiKeyEnvironmentEnum, description: 'The data it works on: live or test.' }),
    preview: t.exposeString('preview', { description: 'First 12 and last 4 characters of the secret.' }),
    scopes: t.exposeStringList('scopes', { description: 'Scopes as granted (groups and * unexpanded).' }),
    allowedOrigins: t.exposeStringList('allowedOrigins', {
      description: 'Browser origins a public key is accepted from; empty for secret keys.',
    }),
    trustedDocumentsOnly: t.exposeBoolean('trustedDocumentsOnly', {
      description: "A public key that runs only the organization's trusted documents of its world (trustedDocuments); false for secret keys.",
    }),
    // Where a key's holders call from: for those who manage keys, like lastUsedIp.
    allowedIps: t.exposeStringList('allowedIps', {
      ...requires('keys:read', 'keys:manage'),
      description: 'Secret keys: the addresses and CIDR ranges requests may come from; empty: anywhere.',
    }),
    status: t.field({
      type: ApiKeyStatusEnum,
      description: 'Whether the key is accepted now.',
      resolve: (key, _args, { now }) => keyStatus(key, now()),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the key (this secret) was issued.' }),
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
      ...deprecated({ since: '2026-12-01', use: 'owner', why: 'A key is owned by a Member or a ServiceAccount.' }),
      resolve: async (key, _args, { db }) => (key.ownerMemberId === null ? null : ((await findMember(db, key.ownerMemberId)) ?? null)),
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When the key stops working; null: never.' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Updated at most once a minute per key; null: never used.',
    }),
    // The address of whoever last used the key: for public keys, the previous visitor's.
    lastUsedIp: t.exposeString('lastUsedIp', {
      ...requires('keys:read', 'keys:manage'),
      nullable: true,
      description: 'The client address of the request that last set lastUsedAt; null: never used.',
    }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When the key was revoked; null: not revoked.' }),
    leakedAt: t.expose('leakedAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'When a secret scanner (GitHub) reported finding the secret in public; null: never reported. A live secret key is revoked at that moment (unless the server only flags leaks); test and public keys keep working, flagged. Replace the key either way.',
    }),
    // Where the secret lies in public: for those who manage keys, like lastUsedIp; never told to whoever presents the key.
    leakSource: t.exposeString('leakSource', {
      ...requires('keys:read', 'keys:manage'),
      nullable: true,
      description: 'The URL the secret scanner found the secret at (a file, commit, issue or gist), to remove it there; null: not reported, or the report gave no URL.',
    }),
    usage: t.field({
      type: KeyUsageRef,
      nullable: true,
      description: 'What a usage-limited key has left; null for a key without a usage limit.',
      resolve: (key, _args, { limits, now }) => {
        const usage = usageLimitOf(key);
        return usage && limits.keyUsage(usage, now());
      },
    }),
  }),
});

const ApiKeyWithSecretRef = builder.objectRef<CreatedApiKey>('ApiKeyWithSecret').implement({
  description: 'A new key and its secret. Store the secret now: it cannot be shown again.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The new key.', resolve: (created) => created.apiKey }),
    secret: t.exposeString('secret', {
      description: 'The full key, such as sk_live_…, to send as `Authorization: Bearer <secret>`. Shown only here.',
    }),
  }),
});

const ALLOWED_IPS_DESCRIPTION = `Secret keys only: IPv4/IPv6 addresses and CIDR ranges (203.0.113.0/24, 2001:db8::/32), at most ${MAX_ALLOWED_IPS}; requests from elsewhere are refused with IP_NOT_ALLOWED.`;

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new key, owned by the calling key\'s member.',
  fields: (t) => ({
    name: t.string({ required: true, description: KEY_NAME }),
    type: t.field({ type: ApiKeyTypeEnum, required: true, description: 'SECRET for servers, PUBLIC for browsers.' }),
    environment: t.field({
      type: ApiKeyEnvironmentEnum,
      required: true,
      description: 'LIVE or TEST; a test key can create test keys only.',
    }),
    scopes: t.stringList({ required: true, description: KEY_SCOPES }),
    expiresIn: t.field({
      type: ExpiresInEnum,
      required: true,
      description: 'Lifetime; a key that itself expires cannot create one that outlives it.',
    }),
    allowedOrigins: t.stringList({ required: false, description: KEY_ORIGINS }),
    allowedIps: t.stringList({ required: false, description: ALLOWED_IPS_DESCRIPTION }),
    usageLimit: t.field({ type: UsageLimitInput, required: false, description: 'Stops the key after this many requests; absent: unlimited.' }),
    trustedDocumentsOnly: t.boolean({ required: false, description: `${TRUSTED_DOCUMENTS_ONLY} Absent: false.` }),
    ownerServiceAccountId: t.id({
      required: false,
      description: "The service account to own the key (keys whose effective role is ADMIN only); omitted: the calling key's owner.",
    }),
  }),
});

const SuggestedScopesInput = builder.inputType('SuggestedScopesInput', {
  description: "Narrows a key to its own scopeUsage(days).suggestedScopes: what it exercised, nothing more.",
  fields: (t) => ({
    days: t.int({ defaultValue: DEFAULT_USAGE_DAYS, description: 'The window the suggestion covers, from 1 day to AUDIT_RETENTION_DAYS.' }),
  }),
});

const UpdateApiKeyInput = builder.inputType('UpdateApiKeyInput', {
  description: 'Only the fields given change; at least one is needed.',
  fields: (t) => ({
    name: t.string({ required: false, description: KEY_NAME }),
    scopes: t.stringList({ required: false, description: `Replaces the scopes. ${KEY_SCOPES}` }),
    applySuggestedScopes: t.field({
      type: SuggestedScopesInput,
      required: false,
      description:
        'Instead of scopes: replaces them with the smallest grant that covers what the key did in the window (ApiKey.scopeUsage). ' +
        'Only ever narrows, and is never refused for narrowing: to no scopes at all if the key did nothing guarded.',
    }),
    allowedOrigins: t.stringList({ required: false, description: `Replaces the origins. ${KEY_ORIGINS}` }),
    allowedIps: t.stringList({ required: false, description: `${ALLOWED_IPS_DESCRIPTION} [] removes the allowlist.` }),
    trustedDocumentsOnly: t.boolean({
      required: false,
      description: `${TRUSTED_DOCUMENTS_ONLY} Turning it off widens the key: the calling key must not be restricted itself.`,
    }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.field({
    ...requires('keys:read'),
    type: [ApiKeyRef],
    description: "The organization's keys, oldest first (a test key sees test keys only).",
    args: {
      includeRevoked: t.arg.boolean({ defaultValue: false, description: 'Also list revoked keys (expired ones are always listed).' }),
      violatingPolicy: t.arg.boolean({
        defaultValue: false,
        description: "Only keys in use that the organization's key policy would not let anyone create or roll as they are.",
      }),
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
        {
          includeRevoked: args.includeRevoked ?? false,
          revealedToInactiveMembers: args.revealedToInactiveMembers ?? false,
          only: args.violatingPolicy ? violatesKeyPolicy(db, principal.keyPolicy, now()) : undefined,
        },
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
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The key to create.' }) },
    resolve: (_root, { input }, context) =>
      createApiKey(
        context.db,
        actorOf(context),
        {
          ...input,
          allowedOrigins: input.allowedOrigins ?? [],
          allowedIps: input.allowedIps ?? [],
          usageLimit: input.usageLimit ?? null,
          trustedDocumentsOnly: input.trustedDocumentsOnly ?? false,
        },
        context.now(),
      ),
  }),
  updateApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyRef,
    description:
      'Renames a key, replaces its scopes, origins or IP allowlist, or holds a public key to trusted documents. The calling key needs every scope the target holds, and grants at most its own. ' +
      'Narrowing the scopes alone is never refused by the key policy.',
    args: {
      id: t.arg.id({ required: true, description: 'The key to change.' }),
      input: t.arg({ type: UpdateApiKeyInput, required: true, description: 'What changes.' }),
    },
    resolve: (_root, { id, input }, context) => {
      const suggestion = input.applySuggestedScopes;
      const days = suggestion && validUsageDays(suggestion.days ?? DEFAULT_USAGE_DAYS, context.auditRetentionDays, 'applySuggestedScopes.days');
      return updateApiKey(context.db, actorOf(context), id, { ...input, applySuggestedScopes: days ? { days } : null }, context.now());
    },
  }),
  revokeApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyRef,
    description:
      'Refused from the very next request on. A key may always revoke itself; another key needs every scope the target holds.',
    args: { id: t.arg.id({ required: true, description: 'The key to revoke.' }) },
    resolve: async (_root, { id }, context) => {
      const key = await findApiKey(context.db, context.principal, id);
      return revokeApiKey(context.db, actorOf(context), key, context.now());
    },
  }),
  rollApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyWithSecretRef,
    description: `Issues a new key (new id and secret) with the same settings (allowedIps replaced when given). The old secret ends now, or after expireOldKeyInSeconds.`,
    args: {
      id: t.arg.id({ required: true, description: 'The key to roll; it must be ACTIVE.' }),
      expireOldKeyInSeconds: t.arg.int({
        defaultValue: 0,
        description: `Grace period for the old secret, 0 to ${MAX_ROLL_GRACE_SECONDS} seconds (7 days); 0 revokes it now.`,
      }),
      allowedIps: t.arg.stringList({ required: false, description: "The new secret's IP allowlist; left out: the old key's." }),
    },
    resolve: (_root, { id, expireOldKeyInSeconds, allowedIps }, context) =>
      rollApiKey(context.db, actorOf(context), id, expireOldKeyInSeconds ?? 0, context.now(), allowedIps ?? null),
  }),
  transferApiKey: t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyRef,
    description:
      'Moves a working key to a service account; its secret keeps working (keys whose effective role is ADMIN only). ' +
      'Refused when the key would gain scopes under the service account.',
    args: {
      id: t.arg.id({ required: true, description: "The member's key to move." }),
      toServiceAccountId: t.arg.id({ required: true, description: 'The service account that will own it.' }),
    },
    resolve: (_root, { id, toServiceAccountId }, context) =>
      transferApiKey(context.db, actorOf(context), id, toServiceAccountId, context.now()),
  }),
}));
