import { appError } from '../lib/errors.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** What a Tessera key starts with: a Bearer value without it is some other service's credential. */
const KEY_PREFIX = /^(sk|pk)_(live|test)_/;

/**
 * The headers a key may travel in, as clients spell them: `Authorization:
 * Bearer` is the documented form, `Tessera-Api-Key` the documented one for
 * clients that reserve Authorization for something else (a proxy's or
 * gateway's credentials), and `X-API-Key` stays accepted for older clients.
 * CORS allows them, CSRF counts them, the logger redacts them.
 */
export const API_KEY_HEADERS = ['Authorization', 'Tessera-Api-Key', 'X-API-Key'] as const;

/**
 * Finds the key a request presents. The same key in several headers is one
 * key; two different keys are a client mistake, refused rather than guessed
 * between. While a key travels in a header of its own, an Authorization
 * header that does not carry a Tessera key belongs to someone else and is
 * left alone.
 */
export function presentedApiKey(headers: Headers): string {
  const own = headers.get('tessera-api-key')?.trim() || null;
  const legacy = headers.get('x-api-key')?.trim() || null;
  const bearer = bearerKey(headers.get('authorization'), own !== null || legacy !== null);
  // Nearly every request: the key in Authorization alone, nothing to compare it with.
  if (bearer !== null && own === null && legacy === null) return bearer;
  const candidates: Array<[string, string | null]> = [['Authorization', bearer], ['Tessera-Api-Key', own], ['X-API-Key', legacy]];
  const presented = candidates.filter((entry): entry is [string, string] => entry[1] !== null);
  if (new Set(presented.map(([, key]) => key)).size > 1) {
    const names = presented.map(([name]) => name);
    throw appError('BAD_REQUEST', `${listed(names)} carry different keys; send one key (the same key in several of them is fine).`, {
      headers: names,
    });
  }
  const key = presented[0]?.[1];
  if (!key) {
    throw appError('UNAUTHORIZED', 'No API key: send "Authorization: Bearer <API key>" or "Tessera-Api-Key: <API key>".');
  }
  return key;
}

function bearerKey(authorization: string | null, keyInOwnHeader: boolean): string | null {
  if (!authorization) return null;
  const value = BEARER.exec(authorization)?.[1];
  if (keyInOwnHeader) return value && KEY_PREFIX.test(value) ? value : null;
  if (!value) throw appError('UNAUTHORIZED', 'The Authorization header must read "Bearer <API key>".');
  return value;
}

const listed = (names: readonly string[]) =>
  names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
