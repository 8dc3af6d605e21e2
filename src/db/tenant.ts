import { and, eq, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Tenant } from '../auth/principal.js';

type TenantTable = { organizationId: PgColumn; environment: PgColumn };

/**
 * The condition every query on tenant-owned rows starts from: one organization,
 * and only the live or the test world. Services apply it, so a resolver cannot
 * forget it.
 */
export function inTenant(table: TenantTable, tenant: Tenant): SQL {
  return and(eq(table.organizationId, tenant.organizationId), eq(table.environment, tenant.environment))!;
}
