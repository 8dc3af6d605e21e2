import type { ApiKeyEnvironment, ApiKeyType } from '../key-format.js';
import type { RateLimitOverride } from '../key-state.js';
import { tenantOf, type Principal } from '../principal.js';
import { badUserInput, appError } from '../../lib/errors.js';
import { expandScopes, isGrantable, PUBLIC_KEY_SCOPES, WILDCARD } from './scopes.js';
import { normalizeAllowedOrigin } from '../origins.js';

/**
 * The key lifecycle rules, in one place: what a key may hold given its type
 * and environment, and what a caller may create, change, roll, revoke or
 * re-limit given its own effective scopes. Called by the key services (API)
 * and the operator paths (CLI, first start) alike.
 */

export const EXPIRY_DAYS = { DAYS_7: 7, DAYS_30: 30, DAYS_90: 90, NEVER: null } as const;
export type ExpiresIn = keyof typeof EXPIRY_DAYS;

export const MAX_ROLL_GRACE_SECONDS = 7 * 24 * 60 * 60;

export function expiryFrom(now: Date, expiresIn: ExpiresIn): Date | null {
  const days = EXPIRY_DAYS[expiresIn];
  return days === null ? null : new Date(now.getTime() + days * 86_400_000);
}

export function validateScopes(type: ApiKeyType, requested: readonly string[]): string[] {
  const scopes = [...new Set(requested.map((scope) => scope.trim()))];
  if (scopes.length === 0) throw badUserInput('scopes', 'a key needs at least one scope.');
  const unknown = scopes.filter((scope) => !isGrantable(scope));
  if (unknown.length > 0) throw badUserInput('scopes', `unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}.`);
  if (type === 'PUBLIC') {
    const refused = scopes.filter((scope) => scope === WILDCARD || ![...expandScopes([scope])].every((s) => PUBLIC_KEY_SCOPES.includes(s)));
    if (refused.length > 0) {
      throw badUserInput(
        'scopes',
        `a public key cannot hold ${refused.join(', ')}; public keys may hold only ${PUBLIC_KEY_SCOPES.join(', ')}.`,
      );
    }
  }
  return scopes;
}

export function validateAllowedOrigins(
  type: ApiKeyType,
  environment: ApiKeyEnvironment,
  requested: readonly string[],
): string[] {
  if (type === 'SECRET') {
    if (requested.length > 0) {
      throw badUserInput('allowedOrigins', 'secret keys are for servers; allowed origins apply to public keys only.');
    }
    return [];
  }
  const origins = requested.map((raw) => {
    const check = normalizeAllowedOrigin(raw);
    if (!check.ok) throw badUserInput('allowedOrigins', check.problem);
    return check.origin;
  });
  if (environment === 'LIVE' && origins.length === 0) {
    throw badUserInput('allowedOrigins', 'a pk_live_ key needs at least one allowed origin.');
  }
  return [...new Set(origins)];
}

/** A caller may only hand out (or take over, by roll or update) what it holds itself. */
export function assertWithinCallerScopes(actor: Principal, scopes: readonly string[]): void {
  const beyond = [...expandScopes(scopes)].filter((scope) => !actor.scopes.has(scope));
  if (beyond.length > 0) {
    throw appError('FORBIDDEN', `This key cannot grant scopes it does not hold: ${beyond.join(', ')}.`, {
      deniedScopes: beyond,
    });
  }
}

export function assertEnvironmentReachable(actor: Principal, environment: ApiKeyEnvironment): void {
  if (tenantOf(actor).environment === 'TEST' && environment === 'LIVE') {
    throw appError('FORBIDDEN', 'A test key can only create and manage test keys.');
  }
}

export function validateName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw badUserInput('name', 'must be 1 to 100 characters.');
  return trimmed;
}

export const MAX_OVERRIDE_REQUESTS = 1_000_000;
export const MAX_OVERRIDE_WINDOW_SECONDS = 86_400;

export function validRateLimitOverride(limit: RateLimitOverride): RateLimitOverride {
  if (!Number.isInteger(limit.requests) || limit.requests < 1 || limit.requests > MAX_OVERRIDE_REQUESTS) {
    throw badUserInput('limit.requests', `must be a whole number from 1 to ${MAX_OVERRIDE_REQUESTS}.`);
  }
  if (!Number.isInteger(limit.windowSeconds) || limit.windowSeconds < 1 || limit.windowSeconds > MAX_OVERRIDE_WINDOW_SECONDS) {
    throw badUserInput('limit.windowSeconds', `must be a whole number of seconds from 1 to ${MAX_OVERRIDE_WINDOW_SECONDS} (a day).`);
  }
  return limit;
}
