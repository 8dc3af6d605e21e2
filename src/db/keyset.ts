import { and, asc, desc, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { decodeCursor, type PageRequest } from '../lib/cursor.js';

/**
 * The order a list pages in: a time column, the row id to break ties (so the
 * order is total and no row is skipped or repeated between pages), and a direction.
 */
export type KeysetOrder = { at: PgColumn; id: PgColumn; direction: 'asc' | 'desc' };

export type KeysetPage<T> = { nodes: T[]; hasNextPage: boolean };

/** The clauses a list query needs for one page; `where` is undefined on the first page. */
export type KeysetClauses = { where: SQL | undefined; orderBy: SQL[]; limit: number };

/**
 * Reads one page of a list in keyset order. `query` adds its own filters to
 * `where` and runs; it is asked for one row more than the page holds, which
 * tells whether another page follows without a count.
 */
export async function keysetPage<T>(
  order: KeysetOrder,
  page: PageRequest,
  query: (clauses: KeysetClauses) => Promise<T[]>,
): Promise<KeysetPage<T>> {
  const direction = order.direction === 'asc' ? asc : desc;
  const rows = await query({
    where: afterCursor(order, page.after),
    orderBy: [direction(order.at), direction(order.id)],
    limit: page.first + 1,
  });
  return { nodes: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
}

/** Rows strictly past the cursor's row in this order. */
function afterCursor(order: KeysetOrder, after: string | null | undefined): SQL | undefined {
  if (!after) return undefined;
  const cursor = decodeCursor(after, 'after');
  const past = order.direction === 'asc' ? gt : lt;
  return or(past(order.at, cursor.at), and(eq(order.at, cursor.at), past(order.id, cursor.id)));
}
