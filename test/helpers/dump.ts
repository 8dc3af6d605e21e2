/**
 * Everything a database holds, as text: every row of every table in every
 * schema (the application's and Drizzle's own), for "is this secret stored
 * anywhere" checks.
 */
import type { DatabaseHandle } from '../../src/db/client.js';

export async function dumpAllRows(database: DatabaseHandle): Promise<{ tables: string[]; text: string }> {
  const tables = await database.query<{ table_schema: string; table_name: string }>(
    `select table_schema, table_name from information_schema.tables
     where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
     order by table_schema, table_name`,
  );
  const parts: string[] = [];
  for (const { table_schema, table_name } of tables) {
    const rows = await database.query<{ row: string }>(
      `select row_to_json(t)::text as row from "${table_schema}"."${table_name}" t`,
    );
    parts.push(`-- ${table_schema}.${table_name}`, ...rows.map((r) => r.row));
  }
  return { tables: tables.map((t) => `${t.table_schema}.${t.table_name}`), text: parts.join('\n') };
}

/** Pieces of a secret that must not be stored either: the random part, and the key without its checksum. */
export function secretFragments(secret: string): string[] {
  return [secret, secret.slice(8), secret.slice(8, 40), secret.slice(0, -6)];
}
