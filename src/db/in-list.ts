import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * `column IN (values)` for a text column, with the values as one array
 * parameter: `column = any($1::text[])`. Drizzle's inArray sends a parameter
 * per value, so each length of list is a different statement, which every
 * connection prepares and keeps until it is recycled; a loader's batches
 * come in every length from one to a page. This is one statement.
 */
export function inTextList(column: PgColumn, values: Iterable<string>): SQL {
  return sql`${column} = any(${sql.param([...values])}::text[])`;
}
