/**
 * Measures how much storage the audit log takes per 1,000 requests: sends
 * requests through the real app (pipeline, audit buffer, batched inserts),
 * then sums pg_total_relation_size (table, TOAST, indexes) over every
 * partition of audit_events. docs/operations.md quotes its output.
 *
 *   DATABASE_URL=postgres://user@host/db npx tsx scripts/audit-growth.ts [requests]
 *
 * With a postgres:// URL it works in a scratch database it creates next to
 * that one (the role needs CREATEDB) and drops afterwards; without one, in an
 * in-memory PGlite.
 */
import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { openDatabase, parseDatabaseUrl, type DatabaseHandle } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createLogger } from '../src/lib/logger.js';
import { bootstrapOrganization } from '../src/modules/organizations/bootstrap.js';

/** A plausible mix of what clients ask: each request leaves one record whatever it asks. */
const OPERATIONS = [
  'query Viewer { viewer { scopes } }',
  'query EventTypes { eventTypes(first: 20) { nodes { id title } } }',
  'query Bookings { bookings(first: 20) { nodes { id status } } }',
  'query Audit { auditEvents(first: 5) { nodes { id action } } }',
];

const requests = Number(process.argv[2] ?? 1000);
const given = process.env.DATABASE_URL ?? 'memory://';

const scratch = parseDatabaseUrl(given).kind === 'postgres' ? await scratchDatabase(given) : null;
const database = await openDatabase(scratch?.url ?? 'memory://');
try {
  await migrateDatabase(database);
  const { before, after } = await measureRequests(database, requests);
  const bytes = after.bytes - before.bytes;
  const server = (await database.query<{ version: string }>('select version()'))[0]!.version.split(' on ')[0];
  console.log(
    JSON.stringify({
      database: server,
      requests,
      rows: after.rows - before.rows,
      bytes,
      bytesPer1000Requests: Math.round((bytes / requests) * 1000),
      indexBytesPer1000Requests: Math.round(((after.indexBytes - before.indexBytes) / requests) * 1000),
    }),
  );
} finally {
  await database.close();
  await scratch?.drop();
}

/** Audit storage before and after `count` requests, each answered 200 and its record written. */
async function measureRequests(database: DatabaseHandle, count: number) {
  // Limits off: a refused request leaves a different (and rarer) record than the ones measured.
  const config = loadConfig({ DATABASE_URL: 'memory://', TRUST_PROXY: 'true', RATE_LIMIT_TEST_PER_MINUTE: '1000000', FIELD_RATE_LIMITS: 'off' });
  const app = await createApp(config, { database, logger: createLogger('silent') });
  try {
    const organization = { organizationName: 'Audit growth probe', adminEmail: 'probe@example.com', environment: 'TEST' as const };
    const { secret } = await bootstrapOrganization(database.db, organization, new Date(), 'audit-growth');
    const before = await auditStorage(database);
    for (let i = 0; i < count; i++) {
      const response = await app.yoga.fetch('http://tessera.local/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${secret}`,
          'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
          'x-forwarded-for': `203.0.113.${i % 250}`,
        },
        body: JSON.stringify({ query: OPERATIONS[i % OPERATIONS.length] }),
      });
      if (response.status !== 200) throw new Error(`request ${i} answered ${response.status}: ${await response.text()}`);
    }
    await app.flush();
    return { before, after: await auditStorage(database) };
  } finally {
    await app.stop();
  }
}

async function auditStorage(database: DatabaseHandle) {
  const [row] = await database.query<{ bytes: string; index_bytes: string; rows: string }>(`
    select coalesce(sum(pg_total_relation_size(relid)), 0)::bigint as bytes,
           coalesce(sum(pg_indexes_size(relid)), 0)::bigint as index_bytes,
           (select count(*) from audit_events)::bigint as rows
    from pg_partition_tree('audit_events') where isleaf`);
  return { bytes: Number(row!.bytes), indexBytes: Number(row!.index_bytes), rows: Number(row!.rows) };
}

async function scratchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tessera_audit_growth_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end();
    },
  };
}
