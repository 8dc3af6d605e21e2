import { and, asc, desc, eq, gt, lt, or, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { decodeCursor, type PageRequest } from '../lib/cursor.js';
import type { Executor } from './handle.js';
import { preparedQuery, type PreparedRead } from './prepared.js';

/**
 * The order a list pages in: a time column, the row id to break ties (so the
 * order is total and no row is skipped or repeated between pages), and a direction.
 */
export type KeysetOrder = { at: PgColumn; id: PgColumn; direction: 'asc' | 'desc' };

export type KeysetPage<T> = { nodes: T[]; hasNextPage: boolean };

/** The clauses a list query needs for one page; `where` is undefined on the first page. */
export type KeysetClauses = { where: SQL | undefined; orderBy: SQL[]; limit: number | Placeholder };

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
  const rows = await query({ where: afterCursor(order, page.after), orderBy: orderBy(order), limit: page.first + 1 });
  return pageOf(rows, page);
}

/**
 * keysetPage for a hot list: the query is built twice per database, for the
 * first page and for pages after a cursor, with the page size and the cursor
 * as placeholders (`limit`, `cursorAt`, `cursorId`); `values` fills the
 * query's own placeholders. The time goes as the column would send it (ISO text).
 */
export function preparedKeysetPage<T>(
  order: KeysetOrder,
  name: string,
  query: (db: Executor, clauses: KeysetClauses) => { prepare(name: string): PreparedRead<T[]> },
): (db: Executor, values: Record<string, unknown>, page: PageRequest) => Promise<KeysetPage<T>> {
  const limit = sql.placeholder('limit');
  const firstPage = preparedQuery((db) => query(db, { where: undefined, orderBy: orderBy(order), limit }).prepare(`${name}_first`));
  const past = pastCursor(order, sql.placeholder('cursorAt'), sql.placeholder('cursorId'));
  const laterPage = preparedQuery((db) => query(db, { where: past, orderBy: orderBy(order), limit }).prepare(`${name}_after`));
  return async (db, values, page) => {
    if (!page.after) return pageOf(await firstPage(db, { ...values, limit: page.first + 1 }), page);
    const cursor = decodeCursor(page.after, 'after');
    return pageOf(await laterPage(db, { ...values, limit: page.first + 1, cursorAt: cursor.at.toISOString(), cursorId: cursor.id }), page);
  };
}

function orderBy(order: KeysetOrder): SQL[] {
  const direction = order.direction === 'asc' ? asc : desc;
  return [direction(order.at), direction(order.id)];
}

/** One row more than the page holds was asked for: it tells whether another page follows without a count. */
function pageOf<T>(rows: T[], page: PageRequest): KeysetPage<T> {
  return { nodes: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
}

/** Rows strictly past the cursor's row in this order. */
function afterCursor(order: KeysetOrder, after: string | null | undefined): SQL | undefined {
  if (!after) return undefined;
  const cursor = decodeCursor(after, 'after');
  return pastCursor(order, cursor.at, cursor.id);
}

function pastCursor(order: KeysetOrder, at: unknown, id: unknown): SQL {
  const past = order.direction === 'asc' ? gt : lt;
  return or(past(order.at, at), and(eq(order.at, at), past(order.id, id)))!;
}
