import { appError } from '../lib/errors.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Finds the key a request presents. `Authorization: Bearer` is the documented
 * form; `X-API-Key` stays accepted for older clients.
 */
export function presentedApiKey(headers: Headers): string {
  const authorization = headers.get('authorization');
  const legacy = headers.get('x-api-key')?.trim() || null;
  let bearer: string | null = null;
  if (authorization) {
    const match = BEARER.exec(authorization);
    if (!match?.[1]) {
      throw appError('UNAUTHORIZED', 'The Authorization header must read "Bearer <API key>".');
    }
    bearer = match[1];
  }
  if (bearer && legacy && bearer !== legacy) {
    throw appError('BAD_REQUEST', 'Authorization and X-API-Key carry different keys; send only one.');
  }
  const key = bearer ?? legacy;
  if (!key) {
    throw appError('UNAUTHORIZED', 'No API key: send "Authorization: Bearer <API key>".');
  }
  return key;
}
