import { sql } from 'drizzle-orm';
import { inBatches } from '../../db/batches.js';
import type { DatabaseHandle } from '../../db/client.js';

/**
 * The monthly partitions of audit_events (drizzle/0003_bounded_growth.sql):
 * audit_events_YYYY_MM holds one UTC month, audit_events_default anything
 * outside them. Retention keeps the coming months ready and drops a month
 * once all of it is past the retention, which deletes nothing row by row.
 */
const PARENT = 'audit_events';
const DEFAULT_PARTITION = 'audit_events_default';
const MONTH_NAME = /^audit_events_(\d{4})_(\d{2})$/;

/** The current month and this many after it always have their partition. */
export const MONTHS_AHEAD = 2;

/**
 * DDL on a partition locks the whole table for a moment; waiting longer than
 * this behind a slow reader would hold up every insert queued behind us, so
 * we give up and try again on the next run instead.
 */
const DDL_LOCK_TIMEOUT = '5s';

const DAY_MS = 86_400_000;

export type AuditPartitionReport = { created: string[]; dropped: string[]; deletedFromDefault: number };

const monthStart = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
const addMonths = (start: Date, months: number) => new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 1));
const pad = (n: number) => String(n).padStart(2, '0');

export function partitionName(start: Date): string {
  return `${PARENT}_${start.getUTCFullYear()}_${pad(start.getUTCMonth() + 1)}`;
}

/** Our own timestamps only, written as ISO 8601 UTC: safe to inline in DDL, which takes no parameters. */
const literal = (at: Date) => `'${at.toISOString()}'`;

/** The first day of each month that has a partition, oldest first. */
export async function auditPartitionMonths(database: DatabaseHandle): Promise<Date[]> {
  const rows = await database.query<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = '${PARENT}'::regclass`,
  );
  return rows
    .map((row) => MONTH_NAME.exec(row.name))
    .filter((match) => match !== null)
    .map((match) => new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)))
    .sort((a, b) => a.getTime() - b.getTime());
}

/**
 * Creates the partitions of this month and the next MONTHS_AHEAD, drops the
 * months whose end is older than `retentionDays`, and deletes expired rows
 * from the default partition in batches (they only land there when no month
 * was ready, e.g. with retention turned off, or a clock far off).
 */
export async function maintainAuditPartitions(
  database: DatabaseHandle,
  now: Date,
  retentionDays: number,
  batchSize: number,
): Promise<AuditPartitionReport> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const existing = new Set((await auditPartitionMonths(database)).map((start) => start.getTime()));
  const report: AuditPartitionReport = { created: [], dropped: [], deletedFromDefault: 0 };
  for (let ahead = 0; ahead <= MONTHS_AHEAD; ahead++) {
    const start = addMonths(monthStart(now), ahead);
    if (existing.has(start.getTime())) continue;
    await createMonth(database, start);
    report.created.push(partitionName(start));
  }
  for (const time of existing) {
    const start = new Date(time);
    if (addMonths(start, 1) > cutoff) continue;
    await dropMonth(database, start);
    report.dropped.push(partitionName(start));
  }
  report.deletedFromDefault = await deleteExpiredFromDefault(database, cutoff, batchSize);
  return report;
}

/**
 * Made as a table of its own and then attached, so rows of that month already
 * sitting in the default partition can be moved into it first (attaching
 * checks the default partition holds none of them).
 */
async function createMonth(database: DatabaseHandle, start: Date): Promise<void> {
  const name = partitionName(start);
  const range = `created_at >= ${literal(start)} and created_at < ${literal(addMonths(start, 1))}`;
  await database.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local lock_timeout = '${DDL_LOCK_TIMEOUT}'`));
    await tx.execute(sql.raw(`create table "${name}" (like "${PARENT}" including all)`));
    await tx.execute(
      sql.raw(`with moved as (delete from "${DEFAULT_PARTITION}" where ${range} returning *) insert into "${name}" select * from moved`),
    );
    await tx.execute(
      sql.raw(`alter table "${PARENT}" attach partition "${name}" for values from (${literal(start)}) to (${literal(addMonths(start, 1))})`),
    );
  });
}

async function dropMonth(database: DatabaseHandle, start: Date): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local lock_timeout = '${DDL_LOCK_TIMEOUT}'`));
    await tx.execute(sql.raw(`drop table "${partitionName(start)}"`));
  });
}

function deleteExpiredFromDefault(database: DatabaseHandle, cutoff: Date, batchSize: number): Promise<number> {
  return inBatches(batchSize, async (limit) => {
    const [row] = await database.query<{ count: number }>(
      `with gone as (delete from "${DEFAULT_PARTITION}" where ctid = any(array(
         select ctid from "${DEFAULT_PARTITION}" where created_at < ${literal(cutoff)} limit ${limit}
       )) returning 1) select count(*)::int as count from gone`,
    );
    return Number(row?.count ?? 0);
  });
}
