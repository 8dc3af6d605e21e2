/**
 * Allowed origins for public keys: an exact `scheme://host[:port]`, or a
 * subdomain wildcard `https://*.example.com`. Nothing else (no paths, no bare
 * `*`), so a key copied to another site is useless there.
 */
const ORIGIN = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?$/;

export type OriginCheck = { ok: true; origin: string } | { ok: false; problem: string };

export function normalizeAllowedOrigin(raw: string): OriginCheck {
  const value = raw.trim().toLowerCase().replace(/\/$/, '');
  const match = ORIGIN.exec(value);
  if (!match) {
    return { ok: false, problem: `"${raw}" is not an origin; use scheme://host[:port] or https://*.example.com` };
  }
  const [, scheme, wildcard, host, port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    return { ok: false, problem: `"${raw}" has an invalid port` };
  }
  if (wildcard && !host!.includes('.')) {
    return { ok: false, problem: `"${raw}": a wildcard must cover subdomains of a domain, like https://*.example.com` };
  }
  const defaultPort = scheme === 'https' ? '443' : '80';
  const portPart = port && port !== defaultPort ? `:${port}` : '';
  return { ok: true, origin: `${scheme}://${wildcard ?? ''}${host}${portPart}` };
}

/** Whether a request's Origin header is one the key allows. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  const normalized = normalizeAllowedOrigin(origin);
  if (!normalized.ok || normalized.origin.includes('*')) return false;
  const candidate = normalized.origin;
  return allowed.some((pattern) => {
    if (!pattern.includes('://*.')) return pattern === candidate;
    const [scheme, rest] = pattern.split('://*.') as [string, string];
    const prefix = `${scheme}://`;
    return candidate.startsWith(prefix) && candidate.slice(prefix.length).endsWith(`.${rest}`);
  });
}
