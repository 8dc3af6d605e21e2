import { getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './handle.js';

/**
 * Inserts many rows with one statement whose text never changes: the rows go
 * as a single JSON parameter that PostgreSQL expands (`jsonb_to_recordset`).
 * Drizzle's multi-row insert instead builds a statement with a parameter per
 * value — costly to build for every batch — and each batch size is a new
 * statement for the server to parse and keep prepared on every connection.
 *
 * Rows are written as JSON: dates as ISO text, objects as jsonb, arrays as
 * arrays. A column a row leaves out is NULL, not its default, so the row type
 * asks for every NOT NULL column.
 */
export function bulkInsert<Table extends PgTable, Row extends Table['$inferInsert']>(table: Table): (db: Executor, rows: Row[]) => Promise<void> {
  const columns = Object.entries(getTableColumns(table));
  const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
  // The record's fields are named as the rows' properties, so JSON.stringify(rows) is the parameter as it is.
  const into = columns.map(([, column]) => quoted(column.name)).join(', ');
  const fields = columns.map(([property]) => `r.${quoted(property)}`).join(', ');
  const record = columns.map(([property, column]) => `${quoted(property)} ${column.getSQLType()}`).join(', ');
  const head = sql.raw(`insert into ${quoted(getTableName(table))} (${into}) select ${fields} from jsonb_to_recordset(`);
  const tail = sql.raw(`::jsonb) as r(${record})`);
  return async (db, rows) => {
    await db.execute(sql`${head}${JSON.stringify(rows)}${tail}`);
  };
}
