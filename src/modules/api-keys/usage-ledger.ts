import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { apiKeyUsage } from '../../db/schema/index.js';
import type { UsagePeriod } from '../../rate-limit/usage-budget.js';
import type { UsageEntry, UsageLedger } from '../../rate-limit/usage-counters.js';

const samePeriod = sql`${apiKeyUsage.periodStart} is not distinct from excluded.period_start`;
const laterPeriod = sql`excluded.period_start > ${apiKeyUsage.periodStart}`;

/**
 * What each usage budget has spent, one row per budget holding its current
 * period's count. Every statement is one atomic upsert, so instances writing
 * (or, while Redis is away, counting) at once never lose each other's counts.
 */
export class KeyUsageLedger implements UsageLedger {
  constructor(private readonly db: Executor) {}

  async used(budgetId: string, periodStart: Date | null): Promise<number> {
    const [row] = await this.db
      .select({ used: apiKeyUsage.used, periodStart: apiKeyUsage.periodStart })
      .from(apiKeyUsage)
      .where(eq(apiKeyUsage.budgetId, budgetId))
      .limit(1);
    return row && (row.periodStart?.getTime() ?? null) === (periodStart?.getTime() ?? null) ? row.used : 0;
  }

  async add(entries: readonly UsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insert(apiKeyUsage)
      .values(entries.map((entry) => ({ budgetId: entry.budgetId, organizationId: entry.organizationId, periodStart: entry.periodStart, used: entry.count })))
      .onConflictDoUpdate({
        target: apiKeyUsage.budgetId,
        set: {
          used: sql`case when ${samePeriod} then ${apiKeyUsage.used} + excluded.used when ${laterPeriod} then excluded.used else ${apiKeyUsage.used} end`,
          periodStart: sql`case when ${laterPeriod} then excluded.period_start else ${apiKeyUsage.periodStart} end`,
        },
      });
  }

  async spend(period: UsagePeriod, organizationId: string): Promise<number | null> {
    const [row] = await this.db
      .insert(apiKeyUsage)
      .values({ budgetId: period.budgetId, organizationId, periodStart: period.start, used: 1 })
      .onConflictDoUpdate({
        target: apiKeyUsage.budgetId,
        set: {
          used: sql`case when ${samePeriod} then ${apiKeyUsage.used} + 1 else 1 end`,
          periodStart: sql`excluded.period_start`,
        },
        // No row comes back when the period has nothing left: the request is refused.
        setWhere: sql`(${samePeriod} and ${apiKeyUsage.used} < ${period.limit}) or ${laterPeriod}`,
      })
      .returning({ used: apiKeyUsage.used });
    return row?.used ?? null;
  }
}
