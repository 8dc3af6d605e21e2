import { createHmac } from 'node:crypto';

/** A delivery is tried at most this many times, then marked FAILED (redeliver to try again). */
export const MAX_DELIVERY_ATTEMPTS = 8;

const FIRST_RETRY_MS = 60_000;
const GROWTH = 3;
const LONGEST_WAIT_MS = 12 * 60 * 60_000;

/**
 * The wait before retrying after failed attempt `attempt` (1-based):
 * 1 min, 3 min, 9 min, 27 min, 81 min, ~4 h, 12 h (about 18 hours in all), each
 * drawn from the upper half of its step ("equal jitter") so receivers that
 * failed together do not all come back at the same second.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(FIRST_RETRY_MS * GROWTH ** (attempt - 1), LONGEST_WAIT_MS);
  return Math.round(step / 2 + random() * (step / 2));
}

export const SIGNATURE_HEADER = 'Tessera-Signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, as the README shows receivers how to check. */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}
