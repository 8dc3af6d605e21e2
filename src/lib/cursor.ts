import { badUserInput } from './errors.js';
import { INPUT_LIMITS, isWithinDateBounds } from './input-limits.js';

/**
 * Opaque keyset cursors: a row's sort time and id. Keyset (not offset)
 * pagination stays correct while rows are being added.
 */
export type Cursor = { at: Date; id: string };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.at.toISOString()}|${cursor.id}`).toString('base64url');
}

/** Only what encodeCursor makes: an ISO time within the API's dates, and an id; anything else never reaches a query. */
export function decodeCursor(value: string, argument: string): Cursor {
  const parts = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const [iso = '', id = ''] = parts;
  const at = new Date(iso);
  const valid =
    parts.length === 2 &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(iso) &&
    isWithinDateBounds(at) &&
    /^[A-Za-z0-9_]+$/.test(id) &&
    id.length <= INPUT_LIMITS.maxIdLength;
  if (!valid) throw badUserInput(argument, 'is not a cursor this API returned.');
  return { at, id };
}

/** What a caller asks of a list: a page size (already bounded by `pageSize`) and the cursor it last saw. */
export type PageRequest = { first: number; after?: string | null };

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput('first', `must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return first;
}
