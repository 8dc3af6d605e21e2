import { eq } from 'drizzle-orm';
import {
  assertDoesNotOutlive,
  assertEnvironmentReachable,
  assertMayEquipServiceAccount,
  assertMayGrant,
  assertMayManage,
  assertWithinBudget,
  recipientFor,
  successorExpiry,
  validGracePeriod,
} from '../../auth/access/key-lifecycle.js';
import { assertLifetimeAllowed, assertMayMint, rolledLifetime } from '../../auth/access/key-policy.js';
import {
  EXPIRY_DAYS,
  expiryFrom,
  validateAllowedIps,
  validateAllowedOrigins,
  validateName,
  validateScopes,
  validateTrustedDocumentsOnly,
  validateUsageLimit,
  type ExpiresIn,
  type UsageLimitInput,
  type UsageLimitSetting,
} from '../../auth/access/key-settings.js';
import { lowerRole } from '../../auth/access/scopes.js';
import { generateApiKey, hashApiKey, keyPreview, type ApiKeyEnvironment, type ApiKeyType } from '../../auth/key-format.js';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import { keyOwnerOf, keyStatus, usageLimitOf, type KeyOwner } from '../../auth/key-state.js';
import type { ApiActor } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import { appError, badUserInput } from '../../lib/errors.js';
import { newId } from '../../lib/random.js';
import { recordKeyChange } from '../audit/audit.service.js';
import { findMember } from '../members/members.service.js';
import { findServiceAccount, serviceAccountById } from '../members/service-accounts.service.js';
import { findApiKey, keyChange, type ApiKey } from './api-keys.service.js';
import { announceKeyChange, apiKeyPayload } from './key-events.js';

/**
 * Everything that mints a secret: creation over the API, break-glass creation
 * by an operator, and roll. The secret is returned once; only its hash is
 * stored. Who may do which is decided by src/auth/access/key-lifecycle.ts.
 */

export type CreatedApiKey = { apiKey: ApiKey; secret: string };

export type NewApiKeyInput = {
  name: string;
  type: ApiKeyType;
  environment: ApiKeyEnvironment;
  scopes: readonly string[];
  expiresIn: ExpiresIn;
  allowedOrigins: readonly string[];
  /** A budget of requests, optionally refilled; absent or null: unlimited. */
  usageLimit?: UsageLimitInput | null;
  /** Secret keys only; left out or empty: usable from anywhere. */
  allowedIps?: readonly string[];
  /** Give the key to this service account instead of the calling key's owner (admins only). */
  ownerServiceAccountId?: string | null;
  /** Public keys only: run only the organization's trusted documents. Left out: false. */
  trustedDocumentsOnly?: boolean | null;
};

/** Validated settings, ready to store; shared by creation, bootstrap and roll. */
type KeySettings = Omit<NewApiKeyInput, 'expiresIn' | 'usageLimit' | 'allowedIps' | 'ownerServiceAccountId' | 'trustedDocumentsOnly'> & {
  /** A roll passes the budget on (its id and start), so old and new secret spend the same one. */
  usageLimit: (UsageLimitSetting & { budgetId?: string; startedAt?: Date }) | null;
  allowedIps: readonly string[];
  trustedDocumentsOnly: boolean;
  organizationId: string;
  owner: KeyOwner;
  recipientMemberId: string | null;
  expiresAt: Date | null;
  lifetimeDays: number | null;
  createdByKeyId: string | null;
  rolledFromKeyId?: string;
};

async function insertKey(tx: Executor, settings: KeySettings, now: Date): Promise<CreatedApiKey> {
  const secret = generateApiKey(settings.type, settings.environment);
  const id = newId('key');
  const usage = settings.usageLimit;
  const [apiKey] = await tx
    .insert(apiKeys)
    .values({
      id,
      organizationId: settings.organizationId,
      environment: settings.environment,
      ...ownerColumns(settings.owner),
      recipientMemberId: settings.recipientMemberId,
      name: settings.name,
      type: settings.type,
      hash: hashApiKey(secret),
      preview: keyPreview(secret),
      scopes: [...settings.scopes],
      allowedOrigins: [...settings.allowedOrigins],
      allowedIps: [...settings.allowedIps],
      trustedDocumentsOnly: settings.trustedDocumentsOnly,
      createdAt: now,
      createdByKeyId: settings.createdByKeyId,
      expiresAt: settings.expiresAt,
      lifetimeDays: settings.lifetimeDays,
      rolledFromKeyId: settings.rolledFromKeyId ?? null,
      ...(usage && {
        usageLimit: usage.requests,
        usageRefillEvery: usage.refill?.every ?? null,
        usageRefillAmount: usage.refill?.amount ?? null,
        usageBudgetId: usage.budgetId ?? id,
        usageStartedAt: usage.startedAt ?? now,
      }),
    })
    .returning();
  return { apiKey: apiKey!, secret };
}

const ownerColumns = (owner: KeyOwner) =>
  owner.kind === 'member'
    ? { ownerMemberId: owner.memberId, ownerServiceAccountId: null }
    : { ownerMemberId: null, ownerServiceAccountId: owner.serviceAccountId };

function validatedSettings(input: NewApiKeyInput) {
  return {
    name: validateName(input.name),
    type: input.type,
    environment: input.environment,
    scopes: validateScopes(input.type, input.scopes),
    allowedOrigins: validateAllowedOrigins(input.type, input.environment, input.allowedOrigins),
    usageLimit: validateUsageLimit(input.usageLimit),
    allowedIps: validateAllowedIps(input.type, input.allowedIps ?? []),
    trustedDocumentsOnly: validateTrustedDocumentsOnly(input.type, input.trustedDocumentsOnly ?? false),
  };
}

/**
 * Creates a key owned by the caller's owner (or, for an admin, by one of the
 * organization's service accounts), never with more than the caller holds,
 * and within the organization's key policy. Whoever is behind the calling key
 * receives the secret and is its recipient.
 */
export async function createApiKey(
  db: Executor,
  actor: ApiActor,
  input: NewApiKeyInput,
  now: Date,
): Promise<CreatedApiKey> {
  const { principal } = actor;
  const settings = validatedSettings(input);
  assertEnvironmentReachable(principal, settings.environment);
  assertWithinBudget(principal, 'create');
  assertMayGrant(principal, settings.scopes);
  assertLifetimeAllowed(principal.keyPolicy, EXPIRY_DAYS[input.expiresIn]);
  assertMayMint(principal.keyPolicy, { ...settings, role: principal.role }, { type: 'type', environment: 'environment' });
  const expiresAt = expiryFrom(now, input.expiresIn);
  assertDoesNotOutlive(principal, expiresAt);
  if (input.ownerServiceAccountId != null) assertMayEquipServiceAccount(principal);
  return db.transaction(async (tx) => {
    const owner: KeyOwner =
      input.ownerServiceAccountId == null
        ? principal.key.owner
        : { kind: 'service-account', serviceAccountId: (await findServiceAccount(tx, principal.organizationId, input.ownerServiceAccountId)).id };
    const created = await insertKey(
      tx,
      {
        ...settings,
        organizationId: principal.organizationId,
        owner,
        recipientMemberId: recipientFor(principal, owner),
        expiresAt,
        lifetimeDays: EXPIRY_DAYS[input.expiresIn],
        createdByKeyId: principal.id,
      },
      now,
    );
    await recordKeyChange(tx, actor, keyChange('api_key.created', created.apiKey), now);
    await announceKeyChange(tx, 'api_key.created', created.apiKey, now);
    return created;
  });
}

/** Who an operator gives a key to: a member or a service account of the organization. */
export type OperatorKeyOwner = { organizationId: string } & ({ memberId: string } | { serviceAccountId: string });

/**
 * Break-glass creation for the CLI and first start: no calling key to check
 * against, and no organization key policy (the operator stands above it; such
 * keys show in `apiKeys(violatingPolicy: true)` when they break it), but the
 * owner must be an active member of the organization (a key acts for its
 * owner, and a deactivated member's keys are refused anyway) or one of its
 * service accounts. A member's key is theirs to receive; a service account's
 * key was seen by no member, so it has no recipient.
 */
export async function createOperatorKey(
  db: Executor,
  owner: OperatorKeyOwner,
  input: NewApiKeyInput,
  now: Date,
  via: string,
): Promise<CreatedApiKey> {
  const settings = validatedSettings(input);
  return db.transaction(async (tx) => {
    let keyOwner: KeyOwner;
    if ('memberId' in owner) {
      await assertActiveMemberOf(tx, owner);
      keyOwner = { kind: 'member', memberId: owner.memberId };
    } else {
      await findServiceAccount(tx, owner.organizationId, owner.serviceAccountId);
      keyOwner = { kind: 'service-account', serviceAccountId: owner.serviceAccountId };
    }
    const created = await insertKey(
      tx,
      {
        ...settings,
        organizationId: owner.organizationId,
        owner: keyOwner,
        recipientMemberId: keyOwner.kind === 'member' ? keyOwner.memberId : null,
        expiresAt: expiryFrom(now, input.expiresIn),
        lifetimeDays: EXPIRY_DAYS[input.expiresIn],
        createdByKeyId: null,
      },
      now,
    );
    await recordKeyChange(tx, { cli: via }, keyChange('api_key.created', created.apiKey), now);
    await announceKeyChange(tx, 'api_key.created', created.apiKey, now);
    return created;
  });
}

async function assertActiveMemberOf(db: Executor, owner: { organizationId: string; memberId: string }): Promise<void> {
  const member = await findMember(db, owner.memberId);
  if (!member || member.organizationId !== owner.organizationId) {
    throw appError('NOT_FOUND', `No member with id "${owner.memberId}" in organization ${owner.organizationId}.`);
  }
  if (!member.active) throw badUserInput('member', `${member.id} is deactivated; reactivate them before giving them a key.`);
}

/**
 * Issues a new secret with the same settings and owner (the IP allowlist
 * replaced when one is given), and ends the old one now or after a grace
 * period so deployments can switch over. The successor is minted under the
 * organization's key policy: its lifetime is capped to the maximum. A usage
 * limit goes with it, budget and all: during the grace period both secrets
 * spend the one budget, and the new one starts with what the old one had left.
 */
export async function rollApiKey(
  db: Executor,
  actor: ApiActor,
  id: string,
  expireOldKeyInSeconds: number,
  now: Date,
  allowedIps: readonly string[] | null = null,
): Promise<CreatedApiKey> {
  validGracePeriod(expireOldKeyInSeconds);
  const old = await findApiKey(db, actor.principal, id);
  if (keyStatus(old, now) !== 'ACTIVE') {
    throw badUserInput('id', `the key is ${keyStatus(old, now).toLowerCase()}; only active keys can be rolled.`);
  }
  // The new secret carries the old key's powers, so the caller must hold them.
  assertMayManage(actor.principal, old, 'roll');
  assertWithinBudget(actor.principal, 'roll', old.id);
  const { keyPolicy } = actor.principal;
  const ips = allowedIps === null ? old.allowedIps : validateAllowedIps(old.type, allowedIps);
  const owner = keyOwnerOf(old);
  // The successor acts within its owner's role and, for a member's key, that of whoever receives it now.
  const role =
    owner.kind === 'service-account'
      ? (await serviceAccountById(db, owner.serviceAccountId))!.role
      : lowerRole((await findMember(db, owner.memberId))!.role, actor.principal.role);
  assertMayMint(keyPolicy, { type: old.type, environment: old.environment, role, allowedIps: ips }, { type: 'id', environment: 'id' });
  const lifetimeDays = rolledLifetime(keyPolicy, old.lifetimeDays);
  const expiresAt = successorExpiry({ lifetimeDays }, now);
  assertDoesNotOutlive(actor.principal, expiresAt);
  return db.transaction(async (tx) => {
    const created = await insertKey(
      tx,
      {
        name: old.name,
        type: old.type,
        environment: old.environment,
        scopes: old.scopes,
        allowedOrigins: old.allowedOrigins,
        // Same budget, same count: a roll is not a way to a fresh one.
        usageLimit: usageLimitOf(old),
        allowedIps: ips,
        // What the key may run stays as it was: a roll is not a way out of trusted documents.
        trustedDocumentsOnly: old.trustedDocumentsOnly,
        organizationId: old.organizationId,
        owner: keyOwnerOf(old),
        // The member behind the rolling key now holds the secret, and answers for it.
        recipientMemberId: recipientFor(actor.principal, keyOwnerOf(old)),
        expiresAt,
        lifetimeDays,
        createdByKeyId: actor.principal.id,
        rolledFromKeyId: old.id,
      },
      now,
    );
    const oldEnd = new Date(now.getTime() + expireOldKeyInSeconds * 1000);
    const [ended] = await tx
      .update(apiKeys)
      .set(
        expireOldKeyInSeconds === 0
          ? { revokedAt: now }
          : { expiresAt: old.expiresAt && old.expiresAt < oldEnd ? old.expiresAt : oldEnd },
      )
      .where(eq(apiKeys.id, old.id))
      .returning();
    await broadcastKeyChange(tx, { keyId: old.id });
    await recordKeyChange(
      tx,
      actor,
      keyChange('api_key.rolled', old, {
        newKeyId: created.apiKey.id,
        oldKeyEndsAt: oldEnd.toISOString(),
        ...(lifetimeDays !== old.lifetimeDays ? { lifetimeDays, reason: 'policy.maxLifetimeDays' } : {}),
      }),
      now,
    );
    await announceKeyChange(tx, 'api_key.rolled', ended!, now, { newApiKey: apiKeyPayload(created.apiKey) });
    return created;
  });
}

