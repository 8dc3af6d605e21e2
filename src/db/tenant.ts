import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** Which slice of data a caller lives in: one organization, one of live or test. */
export type Tenant = { organizationId: string; environment: 'LIVE' | 'TEST' };

type TenantTable = { organizationId: PgColumn; environment: PgColumn };

/**
 * The condition every query on tenant-owned rows starts from: one organization,
 * and only the live or the test world. Services apply it, so a resolver cannot
 * forget it.
 */
export function inTenant(table: TenantTable, tenant: Tenant): SQL {
  return and(eq(table.organizationId, tenant.organizationId), eq(table.environment, tenant.environment))!;
}

/**
 * inTenant for a prepared query: the organization and the environment are the
 * placeholders `organizationId` and `environment`, so a Tenant is their values.
 */
export function inPlaceholderTenant(table: TenantTable): SQL {
  return and(eq(table.organizationId, sql.placeholder('organizationId')), eq(table.environment, sql.placeholder('environment')))!;
}
