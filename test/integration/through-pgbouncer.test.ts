/**
 * The pgbouncer project's own check that its traffic really goes through
 * PgBouncer in transaction mode (PgBouncer's admin console lists the test
 * database's clients), and what that mode means: consecutive transactions may
 * run on different server sessions, so session state (SET, advisory locks,
 * LISTEN) is not carried between them — which is why those go to
 * DATABASE_DIRECT_URL.
 */
import postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeIntegration } from '../helpers/integration.js';

const bouncer = process.env.TEST_POOLER === 'pgbouncer' ? inject('pgbouncerUrl') : null;

describe.skipIf(!bouncer)('in the pgbouncer project', () => {
  describeIntegration('traffic through PgBouncer (transaction mode)', (harness) => {
    it("is seen by PgBouncer as a client of the test's database", async () => {
      await harness.db.execute(sql`select 1`);
      const url = new URL(bouncer!);
      url.pathname = '/pgbouncer';
      const console_ = postgres(url.toString(), { max: 1, prepare: false, fetch_types: false, onnotice: () => {} });
      try {
        const database = (await harness.db.execute(sql`select current_database() as name`)) as unknown as Array<{ name: string }>;
        const clients = (await console_.unsafe('SHOW CLIENTS').simple()) as unknown as Array<{ database: string }>;
        expect(clients.map((client) => client.database)).toContain(database[0]!.name);
      } finally {
        await console_.end();
      }
    });
  });
});
