/**
 * The benchmark's yardstick: the server a user would write by hand for the
 * one query — graphql-yoga with an SDL schema and the driver underneath
 * (postgres.js, or PGlite in memory) running the very statement our service
 * sends, with no authentication, limits or audit.
 */
import type { PGlite } from '@electric-sql/pglite';
import { createSchema, createYoga } from 'graphql-yoga';
import postgres from 'postgres';
import type { Sql } from 'postgres';
import type { Tenant } from '../../src/auth/principal.js';
import type { DatabaseHandle } from '../../src/db/client.js';

// What EventTypeService sends for eventTypes(first: 20), column for column.
const STATEMENT =
  'select "id", "organization_id", "environment", "title", "slug", "description", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes", "minimum_notice_minutes", "booking_window_days", "pending_hold_minutes", "custom_fields", "active", "created_at", "updated_at", "deleted_at" from "event_types" where (("event_types"."organization_id" = $1 and "event_types"."environment" = $2) and "event_types"."deleted_at" is null) order by "event_types"."created_at" asc, "event_types"."id" asc limit $3';

const typeDefs = /* GraphQL */ `
  type Query {
    eventTypes(first: Int): EventTypeConnection!
  }
  type EventTypeConnection {
    nodes: [EventType!]!
  }
  type EventType {
    id: ID!
    title: String!
  }
`;

type Row = { id: string; title: string };

export function handWritten(database: DatabaseHandle, tenant: Tenant, counted: () => void) {
  const run = runner(database);
  const resolvers = {
    Query: {
      eventTypes: async (_: unknown, { first }: { first?: number }) => {
        counted();
        return { nodes: await run([tenant.organizationId, tenant.environment, first ?? 20]) };
      },
    },
  };
  return createYoga({ schema: createSchema({ typeDefs, resolvers }), logging: false, landingPage: false });
}

function runner(database: DatabaseHandle): (params: unknown[]) => Promise<Row[]> {
  const client = (database.db as unknown as { $client: unknown }).$client;
  if (database.kind === 'postgres') {
    const sql = client as Sql;
    return (params) => sql.unsafe<Row[]>(STATEMENT, params as never[], { prepare: true });
  }
  const pglite = client as PGlite;
  return async (params) => (await pglite.query<Row>(STATEMENT, params)).rows;
}

/** memory://, or a new database of this process's own in the PostgreSQL at BENCH_ADMIN_URL. */
export async function benchDatabaseUrl(): Promise<string> {
  const adminUrl = process.env.BENCH_ADMIN_URL;
  if (!adminUrl) return 'memory://';
  const name = `bench_${process.env.BENCH_MODE}_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
