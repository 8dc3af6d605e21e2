/**
 * Booking access tokens (Stripe's client_secret pattern). A public key sits in
 * a web page, so anyone can copy it; "bookings created with this key" would
 * be every visitor's bookings. Instead, createBooking hands the visitor's
 * browser a token for that one booking, and a public key reads a booking back
 * only by presenting its token. Only the token's SHA-256 is stored.
 */
import { createHash } from 'node:crypto';
import { badUserInput } from '../../lib/errors.js';
import { MAX_PAGE_SIZE } from '../../lib/cursor.js';
import { randomBase62 } from '../../lib/random.js';

const PREFIX = 'bat_';
const RANDOM_LENGTH = 32;

export function hashBookingAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A fresh token (returned once to the caller) and the hash to store. */
export function newBookingAccessToken(): { token: string; hash: string } {
  const token = PREFIX + randomBase62(RANDOM_LENGTH);
  return { token, hash: hashBookingAccessToken(token) };
}

/**
 * The hashes to look bookings up by. Capped at a page's size so one request
 * cannot make the database compare against an unbounded list.
 */
export function accessTokenHashes(tokens: readonly string[] | null | undefined, field: string): string[] {
  if (!tokens) return [];
  if (tokens.length > MAX_PAGE_SIZE) throw badUserInput(field, `at most ${MAX_PAGE_SIZE} tokens.`);
  return [...new Set(tokens)].map(hashBookingAccessToken);
}
