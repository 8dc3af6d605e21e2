import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { describeOnTier } from '../helpers/integration.js';
import { createTestDatabase, testTier } from '../helpers/test-database.js';

/** Tables that belong to no single tenant, each with its reason. */
const NOT_TENANT_OWNED: Record<string, string> = {
  organizations: 'the tenants themselves',
  api_key_expiry_notices: 'bookkeeping of the expiry notifier, one row per key, never read through the API',
  api_key_scope_reviews: 'bookkeeping of the weekly overprivileged-key review, one row per key, never read through the API',
};

/** Tenant-owned tables outside the live/test split. */
const WITHOUT_ENVIRONMENT: Record<string, string> = {
  members: 'people of the organization, whose keys may be live or test',
  service_accounts: 'principals of the organization, like members: their keys may be live or test',
  organization_key_policies: "the organization's one policy, for its live and test keys alike",
  api_key_usage: "a usage-limited key's budget, shared by its rolled successors, all in the key's own world",
};

describeOnTier('database', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  // In memory its data is in memory already: a second copy in a default-sized buffer pool would cost
  // half a second of CPU at each open (src/db/client.ts). A folder keeps PostgreSQL's default.
  it.skipIf(testTier() !== 'pglite')('gives an in-memory embedded database a small buffer pool', async () => {
    const [setting] = await database.query<{ shared_buffers: string }>('show shared_buffers');
    expect(setting!.shared_buffers).toBe('16MB');
  });

  it('runs the migrations again without changing anything', async () => {
    const tables = () => database.query<{ n: number }>(`select count(*)::int as n from information_schema.columns where table_schema = 'public'`);
    const before = await tables();
    await migrateDatabase(database);
    await migrateDatabase(database);
    expect(await tables()).toEqual(before);
  });

  it('gives every tenant-owned row its organization id, and domain rows their environment', async () => {
    const columns = await database.query<{ table_name: string; column_name: string }>(
      `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
       where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`,
    );
    const byTable = new Map<string, Set<string>>();
    for (const { table_name, column_name } of columns) {
      if (!byTable.has(table_name)) byTable.set(table_name, new Set());
      byTable.get(table_name)!.add(column_name);
    }
    expect([...byTable.keys()]).toEqual(expect.arrayContaining(['api_keys', 'audit_events', 'members', 'event_types', 'bookings']));
    for (const [table, names] of byTable) {
      if (table in NOT_TENANT_OWNED) continue;
      expect(names.has('organization_id'), `${table} has no organization_id`).toBe(true);
      if (!(table in WITHOUT_ENVIRONMENT)) expect(names.has('environment'), `${table} has no environment`).toBe(true);
    }
  });
});
