import type { WindowCount } from './window-counters.js';

/** The policy name in the IETF RateLimit fields: the per-key request limit. */
const POLICY = 'key';

/**
 * Headers for a per-key count: the de-facto X-RateLimit-* trio (Reset in Unix
 * seconds) and the IETF httpapi draft's structured fields, e.g.
 *   RateLimit-Policy: "key";q=1000;w=60
 *   RateLimit: "key";r=998;t=42
 */
export function rateLimitHeaders(count: WindowCount, windowSeconds: number, nowMs = Date.now()): Record<string, string> {
  const secondsToReset = Math.max(0, Math.ceil(count.msBeforeReset / 1000));
  return {
    'X-RateLimit-Limit': String(count.limit),
    'X-RateLimit-Remaining': String(count.remaining),
    'X-RateLimit-Reset': String(Math.ceil((nowMs + count.msBeforeReset) / 1000)),
    'RateLimit-Policy': `"${POLICY}";q=${count.limit};w=${windowSeconds}`,
    RateLimit: `"${POLICY}";r=${count.remaining};t=${secondsToReset}`,
  };
}
