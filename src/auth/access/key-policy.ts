import { appError, badUserInput, type AppError } from '../../lib/errors.js';
import type { ApiKeyEnvironment, ApiKeyType } from '../key-format.js';
import { EXPIRY_DAYS } from './key-settings.js';
import { lowerRole, ROLE_SCOPES, type MemberRole } from './scopes.js';

/**
 * An organization's own rules for its keys, on top of what any key may hold
 * (key-settings.ts) and who may hand it out (key-lifecycle.ts). Verification
 * loads the policy with the key, so the rules below read it from the
 * principal: no query of their own.
 */
export type OrganizationKeyPolicy = {
  /** Keys created or rolled live at most this many days; null: no maximum. */
  maxLifetimeDays: number | null;
  /** Setting the maximum also gave longer-lived existing keys an end date. */
  enforceOnExisting: boolean;
  requireAllowedIpsForLiveSecretKeys: boolean;
  publicKeysAllowed: boolean;
  /** The lowest role whose keys may be live; null: any role. */
  liveKeysAllowedForRole: MemberRole | null;
  /** Report, weekly, keys that use under half their scopes (`api_key.overprivileged`); a notice, not a rule. */
  reportOverprivilegedKeys: boolean;
  updatedAt: Date | null;
};

export const NO_KEY_POLICY: OrganizationKeyPolicy = Object.freeze({
  maxLifetimeDays: null,
  enforceOnExisting: false,
  requireAllowedIpsForLiveSecretKeys: false,
  publicKeysAllowed: true,
  liveKeysAllowedForRole: null,
  reportOverprivilegedKeys: false,
  updatedAt: null,
});

/** Just the policy, from a stored row (which has more). */
export function keyPolicyOf(row: OrganizationKeyPolicy): OrganizationKeyPolicy {
  return {
    maxLifetimeDays: row.maxLifetimeDays,
    enforceOnExisting: row.enforceOnExisting,
    requireAllowedIpsForLiveSecretKeys: row.requireAllowedIpsForLiveSecretKeys,
    publicKeysAllowed: row.publicKeysAllowed,
    liveKeysAllowedForRole: row.liveKeysAllowedForRole,
    reportOverprivilegedKeys: row.reportOverprivilegedKeys,
    updatedAt: row.updatedAt,
  };
}

export type KeyPolicyRule = 'maxLifetimeDays' | 'requireAllowedIpsForLiveSecretKeys' | 'publicKeysAllowed' | 'liveKeysAllowedForRole';

/** A maximum below the shortest `expiresIn` would leave no key anyone could create. */
export const MIN_POLICY_LIFETIME_DAYS = Math.min(...Object.values(EXPIRY_DAYS).map((days) => days ?? Infinity));
export const MAX_POLICY_LIFETIME_DAYS = 3650;

/**
 * Refusals name the input they refuse (`field`, like every invalid argument)
 * and the rule (`reason: policy.<rule>`), so a client can tell "fix your
 * input" from "ask an admin to change the policy".
 */
function refusedBy(rule: KeyPolicyRule, field: string, message: string): AppError {
  return appError('BAD_USER_INPUT', `${field}: ${message} (organization key policy: ${rule})`, { field, reason: `policy.${rule}` });
}

/** Whether a key of this role may be live: the policy names the lowest such role. */
export function roleMayHoldLiveKeys(policy: OrganizationKeyPolicy, role: MemberRole): boolean {
  return policy.liveKeysAllowedForRole === null || lowerRole(role, policy.liveKeysAllowedForRole) === policy.liveKeysAllowedForRole;
}

/** The roles whose keys may not be live, for listing the keys that break the rule. */
export function rolesBelowLiveKeys(policy: OrganizationKeyPolicy): MemberRole[] {
  return (Object.keys(ROLE_SCOPES) as MemberRole[]).filter((role) => !roleMayHoldLiveKeys(policy, role));
}

/** Whether a lifetime (days; null: never) is longer than the policy allows. */
export function outlivesPolicy(policy: OrganizationKeyPolicy, lifetimeDays: number | null): boolean {
  return policy.maxLifetimeDays !== null && (lifetimeDays === null || lifetimeDays > policy.maxLifetimeDays);
}

/** At creation the lifetime is the caller's choice: one longer than the maximum is refused. */
export function assertLifetimeAllowed(policy: OrganizationKeyPolicy, lifetimeDays: number | null): void {
  if (!outlivesPolicy(policy, lifetimeDays)) return;
  const allowed = Object.entries(EXPIRY_DAYS)
    .filter(([, days]) => !outlivesPolicy(policy, days))
    .map(([name]) => name);
  throw refusedBy(
    'maxLifetimeDays',
    'expiresIn',
    `keys of this organization live at most ${policy.maxLifetimeDays} days; choose ${allowed.join(' or ')}.`,
  );
}

/**
 * A roll keeps the lifetime chosen at creation, within the policy: a
 * longer-lived key's successor gets the maximum, so rolling is how a key
 * made before the policy is brought within it (never refused for its lifetime).
 */
export function rolledLifetime(policy: OrganizationKeyPolicy, lifetimeDays: number | null): number | null {
  return outlivesPolicy(policy, lifetimeDays) ? policy.maxLifetimeDays : lifetimeDays;
}

/** The settings a key minted by create or roll ends up with, and the member role it acts within. */
export type MintedKey = { type: ApiKeyType; environment: ApiKeyEnvironment; role: MemberRole; allowedIps: readonly string[] };

/**
 * What create and roll may mint. `fields` names the input each refusal points
 * at: create's own arguments; the key's `id` for what a roll cannot change.
 */
export function assertMayMint(policy: OrganizationKeyPolicy, key: MintedKey, fields: { type: string; environment: string }): void {
  if (key.type === 'PUBLIC' && !policy.publicKeysAllowed) {
    throw refusedBy('publicKeysAllowed', fields.type, 'this organization does not allow public keys.');
  }
  if (key.environment === 'LIVE' && !roleMayHoldLiveKeys(policy, key.role)) {
    throw refusedBy(
      'liveKeysAllowedForRole',
      fields.environment,
      `only keys of ${policy.liveKeysAllowedForRole} members may be live in this organization; this key acts for a ${key.role}.`,
    );
  }
  assertAllowedIpsWhereRequired(policy, key);
}

/** Create, update and roll all leave a live secret key with an allowlist, when the policy asks for one. */
export function assertAllowedIpsWhereRequired(
  policy: OrganizationKeyPolicy,
  key: Pick<MintedKey, 'type' | 'environment' | 'allowedIps'>,
): void {
  if (policy.requireAllowedIpsForLiveSecretKeys && key.type === 'SECRET' && key.environment === 'LIVE' && key.allowedIps.length === 0) {
    throw refusedBy(
      'requireAllowedIpsForLiveSecretKeys',
      'allowedIps',
      'live secret keys of this organization need an IP allowlist; give the addresses or ranges the key is used from.',
    );
  }
}

/** A change: absent fields keep their value; null clears the two that may be null. */
export type KeyPolicyChange = {
  maxLifetimeDays?: number | null;
  enforceOnExisting?: boolean | null;
  requireAllowedIpsForLiveSecretKeys?: boolean | null;
  publicKeysAllowed?: boolean | null;
  liveKeysAllowedForRole?: MemberRole | null;
  reportOverprivilegedKeys?: boolean | null;
};

const SWITCHES = ['enforceOnExisting', 'requireAllowedIpsForLiveSecretKeys', 'publicKeysAllowed', 'reportOverprivilegedKeys'] as const;

/** The policy after a change, refused when a value is out of bounds. */
export function changedKeyPolicy(current: OrganizationKeyPolicy, change: KeyPolicyChange, now: Date): OrganizationKeyPolicy {
  const max = change.maxLifetimeDays;
  if (max != null && (!Number.isInteger(max) || max < MIN_POLICY_LIFETIME_DAYS || max > MAX_POLICY_LIFETIME_DAYS)) {
    throw badUserInput('maxLifetimeDays', `must be a whole number of days from ${MIN_POLICY_LIFETIME_DAYS} to ${MAX_POLICY_LIFETIME_DAYS}, or null for no maximum.`);
  }
  const next = { ...current, updatedAt: now };
  if (max !== undefined) next.maxLifetimeDays = max;
  if (change.liveKeysAllowedForRole !== undefined) next.liveKeysAllowedForRole = change.liveKeysAllowedForRole;
  for (const name of SWITCHES) {
    const value = change[name];
    if (value === null) throw badUserInput(name, 'is true or false; leave it out to keep it as it is.');
    if (value !== undefined) next[name] = value;
  }
  return next;
}
