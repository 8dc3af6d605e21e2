import { appError, badUserInput } from '../../lib/errors.js';
import type { ApiKeyEnvironment } from '../key-format.js';
import type { ApiKeyRecord, KeyOwner, RateLimitOverride } from '../key-state.js';
import { tenantOf, type Principal } from '../principal.js';
import { effectiveKeyScopes, expandScopes, type MemberRole } from './scopes.js';

/**
 * Who may create, change, roll, revoke or re-limit which key: the caller's
 * effective scopes bound everything it hands out or takes over, nothing it
 * mints outlives it, and nobody raises a limit for themselves. The key
 * services call these before they write; the CLI (an operator at the
 * machine) is the only path around them.
 */

export const MAX_ROLL_GRACE_SECONDS = 7 * 24 * 60 * 60;
export const MAX_OVERRIDE_REQUESTS = 1_000_000;
export const MAX_OVERRIDE_WINDOW_SECONDS = 86_400;

const DAY_MS = 86_400_000;

/** The facts about a target key the rules read. */
export type KeyTarget = Pick<ApiKeyRecord, 'id' | 'scopes' | 'environment'>;

/**
 * A usage-limited key spends a budget; a key it created, or the new secret of
 * another key it rolled, would not. So it creates none and rolls only itself.
 */
export function assertWithinBudget(actor: Principal, action: 'create' | 'roll', targetId?: string): void {
  if (!actor.key.usageLimited || (action === 'roll' && targetId === actor.id)) return;
  const message =
    action === 'create'
      ? 'A usage-limited key cannot create keys: they would not spend its budget.'
      : 'A usage-limited key can roll only itself: the new secret of another key would not spend its budget.';
  throw appError('FORBIDDEN', message, { reason: 'USAGE_LIMITED_KEY' });
}

/** A caller may only hand out (by create) what it holds itself. */
export function assertMayGrant(actor: Principal, scopes: readonly string[]): void {
  const beyond = [...expandScopes(scopes)].filter((scope) => !actor.scopes.has(scope));
  if (beyond.length > 0) {
    throw appError('FORBIDDEN', `This key cannot grant scopes it does not hold: ${beyond.join(', ')}.`, {
      deniedScopes: beyond,
    });
  }
}

/**
 * A change of scopes that takes powers away and adds none (what the key's
 * `scopeUsage.suggestedScopes` always is). Narrowing a key is never refused
 * by a rule about what keys should look like: it only makes it safer.
 */
export function narrowsScopes(before: readonly string[], after: readonly string[]): boolean {
  const held = expandScopes(before);
  return [...expandScopes(after)].every((scope) => held.has(scope));
}

/** Test keys live in the test world: they create and manage test keys only. */
export function assertEnvironmentReachable(actor: Principal, environment: ApiKeyEnvironment): void {
  if (tenantOf(actor).environment === 'TEST' && environment === 'LIVE') {
    throw appError('FORBIDDEN', 'A test key can only create and manage test keys.');
  }
}

/**
 * Update, roll and re-limit hand the target's powers to whoever does them,
 * and revoking takes them from someone: each needs the caller's effective
 * scopes to cover everything the target holds. A key may always revoke
 * itself (ending a leaked key must never need a wider one).
 */
export function assertMayManage(actor: Principal, target: KeyTarget, action: 'update' | 'roll' | 'revoke' | 're-limit' | 'transfer'): void {
  if (action === 'revoke' && target.id === actor.id) return;
  assertEnvironmentReachable(actor, target.environment);
  const beyond = [...expandScopes(target.scopes)].filter((scope) => !actor.scopes.has(scope));
  if (beyond.length > 0) {
    throw appError(
      'FORBIDDEN',
      `This key cannot ${action} a key holding scopes it does not hold itself: ${beyond.join(', ')}.`,
      { deniedScopes: beyond },
    );
  }
}

/**
 * Holding a public key to trusted documents narrows it: whoever may update
 * the key may do it. Lifting the restriction widens what anyone who copied
 * the key from a page can run, so it follows the rule for every widening: the
 * caller hands out only what it holds itself (assertMayGrant), here the
 * freedom to run any document, and covers everything the key holds
 * (assertMayManage, checked for every update). A key held to trusted
 * documents lifts the restriction from no key, itself included.
 */
export function assertMayLiftDocumentRestriction(actor: Principal, target: KeyTarget): void {
  assertMayManage(actor, target, 'update');
  if (actor.key.trustedDocumentsOnly) {
    throw appError('FORBIDDEN', 'This key runs only trusted documents itself, so it cannot let a key run any document.', {
      reason: 'WIDENS_KEY',
    });
  }
}

/**
 * Only an admin gives a service account a key or hands one over to it: such
 * a key outlives the member who holds its secret, which is an admin's call.
 */
export function assertMayEquipServiceAccount(actor: Principal): void {
  if (actor.role !== 'ADMIN') {
    throw appError('FORBIDDEN', 'Only a key whose effective role is ADMIN can give a service account a key.', { reason: 'ADMIN_ROLE' });
  }
}

/**
 * A transfer changes the role that caps the key, not its secret, so the
 * secret's holder must not gain by it: the key may do no more under the
 * service account than it does now (a MEMBER's `*` key does not become an
 * admin key by moving to an ADMIN service account; narrow its scopes first).
 */
export function assertTransferDoesNotWiden(
  target: Pick<ApiKeyRecord, 'scopes' | 'type'>,
  roleNow: MemberRole,
  roleAfter: MemberRole,
): void {
  const now = effectiveKeyScopes(target.scopes, roleNow, target.type);
  const gained = [...effectiveKeyScopes(target.scopes, roleAfter, target.type)].filter((scope) => !now.has(scope));
  if (gained.length > 0) {
    throw appError('FORBIDDEN', `Under this service account's role the key would gain ${gained.join(', ')}; narrow its scopes first.`, {
      reason: 'WIDENS_KEY',
      deniedScopes: gained,
    });
  }
}

/**
 * Who answers for a secret the caller mints (by create or roll): the member
 * behind the calling key. A service account's key issued at the CLI has none;
 * a member's key it mints is then answered for by its owner, as at the CLI.
 */
export function recipientFor(actor: Principal, owner: KeyOwner): string | null {
  return actor.key.recipientMemberId ?? (owner.kind === 'member' ? owner.memberId : null);
}

/** A key cannot mint (by create or roll) a key that outlives itself; `expiresAt` null means never. */
export function assertDoesNotOutlive(actor: Principal, expiresAt: Date | null): void {
  const callerEnds = actor.kind === 'api-key' ? actor.key.endsAt : null;
  if (callerEnds === null) return;
  if (expiresAt === null || expiresAt > callerEnds) {
    throw appError(
      'FORBIDDEN',
      `This key ends at ${callerEnds.toISOString()} and cannot create a key that outlives it; choose a shorter expiresIn, or use a key that lives longer.`,
      { reason: 'OUTLIVES_CALLER', callerEndsAt: callerEnds.toISOString() },
    );
  }
}

/**
 * The successor of a rolled key keeps the lifetime chosen at creation: a
 * never-expiring key stays never-expiring even when rolled during an earlier
 * roll's grace period (which shortened the old record's expiry, not its lifetime).
 */
export function successorExpiry(old: Pick<ApiKeyRecord, 'lifetimeDays'>, now: Date): Date | null {
  return old.lifetimeDays === null ? null : new Date(now.getTime() + old.lifetimeDays * DAY_MS);
}

/**
 * The policy binds every key of the organization, live ones included, and can
 * end existing keys: only an admin's live key may change it (a test key must
 * never reach into the live world).
 */
export function assertMayChangeKeyPolicy(actor: Principal): void {
  if (actor.role !== 'ADMIN') {
    throw appError('FORBIDDEN', "Only a key of an ADMIN member may change the organization's key policy.", { reason: 'ADMIN_REQUIRED' });
  }
  if (tenantOf(actor).environment !== 'LIVE') {
    throw appError('FORBIDDEN', "The organization's key policy binds live keys too: change it with a live key.", { reason: 'LIVE_KEY_REQUIRED' });
  }
}

export function validGracePeriod(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_ROLL_GRACE_SECONDS) {
    throw badUserInput('expireOldKeyInSeconds', `must be between 0 and ${MAX_ROLL_GRACE_SECONDS} (7 days).`);
  }
  return seconds;
}

export function validRateLimitOverride(limit: RateLimitOverride): RateLimitOverride {
  if (!Number.isInteger(limit.requests) || limit.requests < 1 || limit.requests > MAX_OVERRIDE_REQUESTS) {
    throw badUserInput('limit.requests', `must be a whole number from 1 to ${MAX_OVERRIDE_REQUESTS}.`);
  }
  if (!Number.isInteger(limit.windowSeconds) || limit.windowSeconds < 1 || limit.windowSeconds > MAX_OVERRIDE_WINDOW_SECONDS) {
    throw badUserInput('limit.windowSeconds', `must be a whole number of seconds from 1 to ${MAX_OVERRIDE_WINDOW_SECONDS} (a day).`);
  }
  return limit;
}

/**
 * Over the API a limit can be lowered or put back, never raised above the
 * environment's default, and never by the key it limits: raising one is an
 * operator action (`npm run cli -- keys:rate-limit`).
 */
export function assertMayRelimit(
  actor: Principal,
  target: KeyTarget,
  limit: RateLimitOverride | null,
  environmentDefault: RateLimitOverride,
): void {
  if (target.id === actor.id) {
    throw appError('FORBIDDEN', 'A key cannot change its own rate limit; ask an admin with another key.', { reason: 'OWN_RATE_LIMIT' });
  }
  assertMayManage(actor, target, 're-limit');
  if (limit === null) return;
  const perSecond = limit.requests / limit.windowSeconds;
  const defaultPerSecond = environmentDefault.requests / environmentDefault.windowSeconds;
  if (perSecond > defaultPerSecond) {
    throw appError(
      'FORBIDDEN',
      `Over the API a key's limit can only be lowered (this environment's default is ${environmentDefault.requests} requests per ${environmentDefault.windowSeconds} s); raising it is an operator action: npm run cli -- keys:rate-limit.`,
      { reason: 'RAISES_RATE_LIMIT' },
    );
  }
}
