import { and, asc, eq, isNull, type SQL } from 'drizzle-orm';
import { generateApiKey, hashApiKey, keyPreview, type ApiKeyEnvironment, type ApiKeyType } from '../../auth/key-format.js';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import { keyStatus, type ApiKeyRecord } from '../../auth/key-state.js';
import { tenantOf, type Actor, type ApiActor, type Principal } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/random.js';
import { recordKeyChange, type KeyChangeAction } from '../audit/audit.service.js';
import { announceKeyChange, apiKeyPayload } from './key-events.js';
import {
  assertEnvironmentReachable,
  assertWithinCallerScopes,
  expiryFrom,
  MAX_ROLL_GRACE_SECONDS,
  validateAllowedOrigins,
  validateName,
  validateScopes,
  type ExpiresIn,
} from '../../auth/access/key-rules.js';

export type ApiKey = ApiKeyRecord;
export type CreatedApiKey = { apiKey: ApiKey; secret: string };

/** Keys a caller can see: its organization's; a test key only the test ones. */
function reachableBy(viewer: Principal): SQL {
  const inOrganization = eq(apiKeys.organizationId, viewer.organizationId);
  return tenantOf(viewer).environment === 'TEST' ? and(inOrganization, eq(apiKeys.environment, 'TEST'))! : inOrganization;
}

export async function listApiKeys(db: Executor, viewer: Principal, includeRevoked: boolean): Promise<ApiKey[]> {
  const conditions = [reachableBy(viewer)];
  if (!includeRevoked) conditions.push(isNull(apiKeys.revokedAt));
  return db
    .select()
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/** Another organization's key answers exactly like a missing one. */
export async function findApiKey(db: Executor, viewer: Principal, id: string): Promise<ApiKey> {
  const [key] = await db
    .select()
    .from(apiKeys)
    .where(and(reachableBy(viewer), eq(apiKeys.id, id)))
    .limit(1);
  if (!key) throw notFound('API key', id);
  return key;
}

export type NewApiKeyInput = {
  name: string;
  type: ApiKeyType;
  environment: ApiKeyEnvironment;
  scopes: readonly string[];
  expiresIn: ExpiresIn;
  allowedOrigins: readonly string[];
};

/** Validated settings, ready to store; shared by creation, bootstrap and roll. */
type KeySettings = Omit<NewApiKeyInput, 'expiresIn'> & {
  organizationId: string;
  ownerMemberId: string;
  expiresAt: Date | null;
  createdByKeyId: string | null;
  rolledFromKeyId?: string;
};

async function insertKey(tx: Executor, settings: KeySettings, now: Date): Promise<CreatedApiKey> {
  const secret = generateApiKey(settings.type, settings.environment);
  const [apiKey] = await tx
    .insert(apiKeys)
    .values({
      id: newId('key'),
      organizationId: settings.organizationId,
      environment: settings.environment,
      ownerMemberId: settings.ownerMemberId,
      name: settings.name,
      type: settings.type,
      hash: hashApiKey(secret),
      preview: keyPreview(secret),
      scopes: [...settings.scopes],
      allowedOrigins: [...settings.allowedOrigins],
      createdAt: now,
      createdByKeyId: settings.createdByKeyId,
      expiresAt: settings.expiresAt,
      rolledFromKeyId: settings.rolledFromKeyId ?? null,
    })
    .returning();
  return { apiKey: apiKey!, secret };
}

function validatedSettings(input: NewApiKeyInput) {
  return {
    name: validateName(input.name),
    type: input.type,
    environment: input.environment,
    scopes: validateScopes(input.type, input.scopes),
    allowedOrigins: validateAllowedOrigins(input.type, input.environment, input.allowedOrigins),
  };
}

/** Creates a key owned by the caller's member, never with more than the caller holds. */
export async function createApiKey(
  db: Executor,
  actor: ApiActor,
  input: NewApiKeyInput,
  now: Date,
): Promise<CreatedApiKey> {
  const { principal } = actor;
  const settings = validatedSettings(input);
  assertEnvironmentReachable(principal, settings.environment);
  assertWithinCallerScopes(principal, settings.scopes);
  return db.transaction(async (tx) => {
    const created = await insertKey(
      tx,
      {
        ...settings,
        organizationId: principal.organizationId,
        ownerMemberId: principal.key.ownerMemberId,
        expiresAt: expiryFrom(now, input.expiresIn),
        createdByKeyId: principal.id,
      },
      now,
    );
    await recordKeyChange(tx, actor, keyChange('api_key.created', created.apiKey), now);
    await announceKeyChange(tx, 'api_key.created', created.apiKey, now);
    return created;
  });
}

/** Break-glass creation for the CLI and first start: no calling key to check against. */
export async function createOperatorKey(
  db: Executor,
  owner: { organizationId: string; memberId: string },
  input: NewApiKeyInput,
  now: Date,
  via: string,
): Promise<CreatedApiKey> {
  const settings = validatedSettings(input);
  return db.transaction(async (tx) => {
    const created = await insertKey(
      tx,
      {
        ...settings,
        organizationId: owner.organizationId,
        ownerMemberId: owner.memberId,
        expiresAt: expiryFrom(now, input.expiresIn),
        createdByKeyId: null,
      },
      now,
    );
    await recordKeyChange(tx, { cli: via }, keyChange('api_key.created', created.apiKey), now);
    await announceKeyChange(tx, 'api_key.created', created.apiKey, now);
    return created;
  });
}

export type ApiKeyUpdate = { name?: string | null; scopes?: readonly string[] | null; allowedOrigins?: readonly string[] | null };

export async function updateApiKey(
  db: Executor,
  actor: ApiActor,
  id: string,
  update: ApiKeyUpdate,
  now: Date,
): Promise<ApiKey> {
  const { principal } = actor;
  const current = await findApiKey(db, principal, id);
  // Editing a key that holds more than the caller would let the caller take it over.
  assertWithinCallerScopes(principal, current.scopes);
  const changes: Partial<ApiKey> = {};
  if (update.name != null) changes.name = validateName(update.name);
  if (update.scopes != null) {
    changes.scopes = validateScopes(current.type, update.scopes);
    assertWithinCallerScopes(principal, changes.scopes);
  }
  if (update.allowedOrigins != null) {
    changes.allowedOrigins = validateAllowedOrigins(current.type, current.environment, update.allowedOrigins);
  }
  if (Object.keys(changes).length === 0) throw badUserInput('input', 'nothing to update.');
  return db.transaction(async (tx) => {
    const [updated] = await tx.update(apiKeys).set(changes).where(eq(apiKeys.id, current.id)).returning();
    await broadcastKeyChange(tx, { keyId: current.id });
    await recordKeyChange(tx, actor, keyChange('api_key.updated', updated!, { changed: Object.keys(changes) }), now);
    return updated!;
  });
}

/** Takes effect on the very next request, on every instance: cached verifications are dropped. */
export async function revokeApiKey(db: Executor, actor: Actor, key: ApiKey, now: Date): Promise<ApiKey> {
  if (key.revokedAt && key.revokedAt <= now) return key;
  return db.transaction(async (tx) => {
    const [revoked] = await tx.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, key.id)).returning();
    await broadcastKeyChange(tx, { keyId: key.id });
    await recordKeyChange(tx, actor, keyChange('api_key.revoked', revoked!), now);
    await announceKeyChange(tx, 'api_key.revoked', revoked!, now);
    return revoked!;
  });
}

/**
 * Issues a new secret with the same settings and owner, and ends the old one
 * now or after a grace period so deployments can switch over.
 */
export async function rollApiKey(
  db: Executor,
  actor: ApiActor,
  id: string,
  expireOldKeyInSeconds: number,
  now: Date,
): Promise<CreatedApiKey> {
  if (!Number.isInteger(expireOldKeyInSeconds) || expireOldKeyInSeconds < 0 || expireOldKeyInSeconds > MAX_ROLL_GRACE_SECONDS) {
    throw badUserInput('expireOldKeyInSeconds', `must be between 0 and ${MAX_ROLL_GRACE_SECONDS} (7 days).`);
  }
  const old = await findApiKey(db, actor.principal, id);
  if (keyStatus(old, now) !== 'ACTIVE') {
    throw badUserInput('id', `the key is ${keyStatus(old, now).toLowerCase()}; only active keys can be rolled.`);
  }
  // The new secret carries the old key's powers, so the caller must hold them.
  assertWithinCallerScopes(actor.principal, old.scopes);
  const lifetime = old.expiresAt ? old.expiresAt.getTime() - old.createdAt.getTime() : null;
  return db.transaction(async (tx) => {
    const created = await insertKey(
      tx,
      {
        name: old.name,
        type: old.type,
        environment: old.environment,
        scopes: old.scopes,
        allowedOrigins: old.allowedOrigins,
        organizationId: old.organizationId,
        ownerMemberId: old.ownerMemberId,
        expiresAt: lifetime === null ? null : new Date(now.getTime() + lifetime),
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
      keyChange('api_key.rolled', old, { newKeyId: created.apiKey.id, oldKeyEndsAt: oldEnd.toISOString() }),
      now,
    );
    await announceKeyChange(tx, 'api_key.rolled', ended!, now, { newApiKey: apiKeyPayload(created.apiKey) });
    return created;
  });
}

function keyChange(action: KeyChangeAction, key: ApiKey, details: Record<string, unknown> = {}) {
  return {
    action,
    organizationId: key.organizationId,
    environment: key.environment,
    targetId: key.id,
    details: { name: key.name, preview: key.preview, scopes: key.scopes, ...details },
  };
}

/** For the CLI: every key of one organization, revoked included. */
export async function listOrganizationKeys(db: Executor, organizationId: string): Promise<ApiKey[]> {
  return db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.organizationId, organizationId))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

export async function findKeyById(db: Executor, id: string): Promise<ApiKey | undefined> {
  const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return key;
}
