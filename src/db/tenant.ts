import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** Which slice of data a caller lives in: one organization, one of live or test. */
export type Tenant = { organizationId: string; environment: 'LIVE' | 'TEST' };

type TenantTable = { organizationId: PgColumn; environment: PgColumn };

/**
 * The condition every query on tenant-owned rows starts from: one organization,
 * and only the live or the test world. Services apply it, so a resolver cannot
 * forget it. A query built once (src/db/prepared.ts) passes TENANT_PLACEHOLDERS
 * and a Tenant as their values.
 */
export function inTenant(table: TenantTable, tenant: Tenant | typeof TENANT_PLACEHOLDERS): SQL {
  return and(eq(table.organizationId, tenant.organizationId), eq(table.environment, tenant.environment))!;
}

/** A tenant's two columns as placeholders named like a Tenant's fields. */
export const TENANT_PLACEHOLDERS = { organizationId: sql.placeholder('organizationId'), environment: sql.placeholder('environment') };
