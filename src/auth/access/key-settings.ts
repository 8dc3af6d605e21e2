import type { ApiKeyEnvironment, ApiKeyType } from '../key-format.js';
import type { UsageRefillPeriod } from '../key-state.js';
import { badUserInput } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { expandScopes, isGrantable, PUBLIC_KEY_SCOPES, WILDCARD } from './scopes.js';
import { normalizeAllowedOrigin } from '../origins.js';

/**
 * What a key may hold, whoever creates it: scopes for its type, origins for
 * its type and environment, a name, a lifetime, a usage limit. Who may create or change
 * which key is key-lifecycle.ts.
 */

export const EXPIRY_DAYS = { DAYS_7: 7, DAYS_30: 30, DAYS_90: 90, NEVER: null } as const;
export type ExpiresIn = keyof typeof EXPIRY_DAYS;

export function expiryFrom(now: Date, expiresIn: ExpiresIn): Date | null {
  const days = EXPIRY_DAYS[expiresIn];
  return days === null ? null : new Date(now.getTime() + days * 86_400_000);
}

export function validateScopes(type: ApiKeyType, requested: readonly string[]): string[] {
  const scopes = [...new Set(requested.map((scope) => scope.trim()))];
  if (scopes.length === 0) throw badUserInput('scopes', 'a key needs at least one scope.');
  // Longer than any scope in the catalogue: refused before it would be echoed back as unknown.
  if (scopes.some((scope) => scope.length > TEXT_LIMITS.scope)) throw badUserInput('scopes', `each scope is at most ${TEXT_LIMITS.scope} characters.`);
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
    if (raw.length > TEXT_LIMITS.url) throw badUserInput('allowedOrigins', `each origin is at most ${TEXT_LIMITS.url} characters.`);
    const check = normalizeAllowedOrigin(raw);
    if (!check.ok) throw badUserInput('allowedOrigins', check.problem);
    return check.origin;
  });
  if (environment === 'LIVE' && origins.length === 0) {
    throw badUserInput('allowedOrigins', 'a pk_live_ key needs at least one allowed origin.');
  }
  return [...new Set(origins)];
}

export function validateName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > TEXT_LIMITS.keyName) throw badUserInput('name', `must be 1 to ${TEXT_LIMITS.keyName} characters.`);
  return trimmed;
}

/** The most requests a usage limit, or one refill of it, may hold. */
export const MAX_USAGE_REQUESTS = 1_000_000_000;

export type UsageLimitInput = { requests: number; refill?: { every: UsageRefillPeriod; amount: number } | null };
export type UsageLimitSetting = { requests: number; refill: { every: UsageRefillPeriod; amount: number } | null };

export function validateUsageLimit(input: UsageLimitInput | null | undefined): UsageLimitSetting | null {
  if (!input) return null;
  const bounded = (field: string, value: number) => {
    if (!Number.isInteger(value) || value < 1 || value > MAX_USAGE_REQUESTS) {
      throw badUserInput(field, `must be a whole number from 1 to ${MAX_USAGE_REQUESTS}.`);
    }
    return value;
  };
  const refill = input.refill ?? null;
  return {
    requests: bounded('usageLimit.requests', input.requests),
    refill: refill ? { every: refill.every, amount: bounded('usageLimit.refill.amount', refill.amount) } : null,
  };
}
