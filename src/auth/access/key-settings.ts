import type { ApiKeyEnvironment, ApiKeyType } from '../key-format.js';
import type { UsageRefillPeriod } from '../key-state.js';
import { badUserInput } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { expandScopes, isGrantable, PUBLIC_KEY_SCOPES, WILDCARD } from './scopes.js';
import { normalizeAllowedOrigin } from '../origins.js';
import { normalizeAddressRange } from '../../lib/address-ranges.js';

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

/** Enough for every office, VPN and cloud egress a team calls from; more usually means "anywhere". */
export const MAX_ALLOWED_IPS = 50;

/**
 * The addresses a secret key may be used from. Public keys are refused one:
 * they run in visitors' browsers, which come from anywhere.
 */
export function validateAllowedIps(type: ApiKeyType, requested: readonly string[]): string[] {
  if (type === 'PUBLIC') {
    if (requested.length > 0) {
      throw badUserInput('allowedIps', "public keys run in visitors' browsers, which call from anywhere; IP allowlists apply to secret keys only.");
    }
    return [];
  }
  if (requested.length > MAX_ALLOWED_IPS) throw badUserInput('allowedIps', `at most ${MAX_ALLOWED_IPS} addresses or ranges.`);
  const entries = requested.map((raw) => {
    const text = raw.trim();
    if (text.length > TEXT_LIMITS.addressRange) throw badUserInput('allowedIps', `each entry is at most ${TEXT_LIMITS.addressRange} characters.`);
    const entry = normalizeAddressRange(text);
    if (entry === null) {
      throw badUserInput('allowedIps', `"${text}" is not an IPv4 or IPv6 address or a CIDR range like 203.0.113.0/24 or 2001:db8::/32.`);
    }
    // A range holding every address would satisfy an allowlist rule while allowing anywhere.
    if (entry.endsWith('/0')) throw badUserInput('allowedIps', `"${text}" matches every address; list the addresses the key is used from.`);
    return entry;
  });
  return [...new Set(entries)];
}

/**
 * Only a public key can be held to trusted documents: it is the one copied
 * out of web pages. A secret key is the server's own, and runs anything.
 */
export function validateTrustedDocumentsOnly(type: ApiKeyType, requested: boolean): boolean {
  if (requested && type === 'SECRET') {
    throw badUserInput('trustedDocumentsOnly', 'secret keys run on servers and are not restricted to trusted documents; this applies to public keys only.');
  }
  return requested;
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
