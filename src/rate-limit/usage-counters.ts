import { appError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../lib/periodic-task.js';
import type { RedisConnection } from '../lib/redis.js';
import type { UsagePeriod } from './usage-budget.js';

/** Requests a budget's counters admitted in one period and have not yet written down. */
export type UsageEntry = { budgetId: string; organizationId: string; periodStart: Date | null; count: number };

/** Where the counts are kept for good: the database (src/modules/api-keys/usage-ledger.ts). */
export type UsageLedger = {
  /** Requests spent in the period; 0 when the ledger holds another period, or nothing yet. */
  used(budgetId: string, periodStart: Date | null): Promise<number>;
  /** Adds counts; a later period replaces the one held, an earlier one is dropped. */
  add(entries: readonly UsageEntry[]): Promise<void>;
  /** Spends one request in the ledger itself, if the period has one left: the count after it, or null when none was left. */
  spend(period: UsagePeriod, organizationId: string): Promise<number | null>;
};

export type UsageSpend = { admitted: boolean; used: number };

/** How often admitted counts are written to the ledger: what a crash can lose. */
const WRITE_INTERVAL_MS = 1000;
/** An idle counter leaves Redis after a day; by then the ledger holds its count, and the next request starts from there. */
const COUNTER_TTL_MS = 86_400_000;
const NO_COUNTER = -1;

/**
 * Spends one request of a period if one is left. ARGV: the period's limit,
 * the counter's TTL, the count to start from when there is no counter yet
 * ('' to ask the caller for it: NO_COUNTER), and a floor the count is raised
 * to (what the ledger counted while Redis was away). Atomic, so of any number
 * of concurrent requests exactly `limit` are admitted.
 */
const SPEND = `
local used = redis.call('GET', KEYS[1])
if not used then
  if ARGV[3] == '' then return ${NO_COUNTER} end
  used = ARGV[3]
end
used = math.max(tonumber(used), tonumber(ARGV[4]))
local admitted = 0
if used < tonumber(ARGV[1]) then
  used = used + 1
  admitted = 1
end
redis.call('SET', KEYS[1], used, 'PX', ARGV[2])
return {admitted, used}
`;

type SpendCommand = {
  tesseraSpendUsage(key: string, limit: number, ttlMs: number, seed: string, floor: number): Promise<number | [number, number]>;
};

/**
 * The counters of usage-limited keys. A request is admitted by one atomic
 * check-and-count per budget and period: in Redis, shared by every instance,
 * when REDIS_URL is set; in memory otherwise (one instance). The counts are
 * written to the database ledger every second and at shutdown, and a counter
 * that does not exist yet (a new period, a restart, Redis lost its data)
 * starts from the ledger: a usage limit is a budget that outlives processes.
 * While Redis is unreachable the ledger itself counts, one conditional
 * update per request, so the budget stays exact across instances instead
 * of falling back to each instance's memory as the request limits do.
 */
export class UsageCounters implements BackgroundTask {
  /** Without Redis: the count of each budget's current period. */
  private readonly memory = new Map<string, { period: string; used: number }>();
  private readonly seeding = new Map<string, Promise<number>>();
  /** Admitted and not yet in the ledger, by budget (its latest period only). */
  private pending = new Map<string, UsageEntry>();
  /** Counts the ledger reached while Redis was away, by counter: Redis's count is raised to them when it is back. */
  private readonly floors = new Map<string, number>();
  private readonly task: PeriodicTask;

  constructor(
    private readonly redis: RedisConnection | null,
    private readonly ledger: UsageLedger,
    private readonly logger: Logger,
  ) {
    redis?.client.defineCommand('tesseraSpendUsage', { numberOfKeys: 1, lua: SPEND });
    this.task = new PeriodicTask({ name: 'usage ledger write', intervalMs: WRITE_INTERVAL_MS, run: () => this.write(), logger });
  }

  async spend(period: UsagePeriod, organizationId: string): Promise<UsageSpend> {
    const counted = this.redis ? await this.spendInRedis(period) : await this.spendInMemory(period);
    if (!counted) return this.spendInLedger(period, organizationId);
    if (counted.admitted) this.note({ budgetId: period.budgetId, organizationId, periodStart: period.start, count: 1 });
    return counted;
  }

  /** Requests spent in the period so far, for `ApiKey.usage`. */
  async used(period: UsagePeriod): Promise<number> {
    const name = counterName(period);
    if (!this.redis) {
      const counter = this.memory.get(period.budgetId);
      return counter?.period === name ? counter.used : this.seed(period);
    }
    if (this.redis.ready) {
      const value = await this.redis.client.get(redisKey(name)).catch(() => null);
      if (value !== null) return Math.max(Number(value), this.floors.get(name) ?? 0);
    }
    return this.seed(period);
  }

  private async spendInMemory(period: UsagePeriod): Promise<UsageSpend> {
    const name = counterName(period);
    if (this.memory.get(period.budgetId)?.period !== name) {
      const used = await this.seedOnce(period);
      // Whoever resumes first after the shared lookup makes the counter; the rest count on it.
      if (this.memory.get(period.budgetId)?.period !== name) this.memory.set(period.budgetId, { period: name, used });
    }
    const counter = this.memory.get(period.budgetId)!;
    if (counter.used >= period.limit) return { admitted: false, used: counter.used };
    counter.used++;
    return { admitted: true, used: counter.used };
  }

  /** Null when Redis cannot answer: the ledger counts instead. */
  private async spendInRedis(period: UsagePeriod): Promise<UsageSpend | null> {
    const name = counterName(period);
    let reply = await this.askRedis(name, period, '');
    if (reply === NO_COUNTER) reply = await this.askRedis(name, period, String(await this.seedOnce(period)));
    if (reply === null || reply === NO_COUNTER) return null;
    this.floors.delete(name);
    const [admitted, used] = reply;
    return { admitted: admitted === 1, used };
  }

  private async askRedis(name: string, period: UsagePeriod, seed: string): Promise<[number, number] | typeof NO_COUNTER | null> {
    if (!this.redis?.ready) return null;
    const client = this.redis.client as unknown as SpendCommand;
    try {
      const reply = await client.tesseraSpendUsage(redisKey(name), period.limit, COUNTER_TTL_MS, seed, this.floors.get(name) ?? 0);
      return reply === NO_COUNTER ? NO_COUNTER : (reply as [number, number]);
    } catch {
      // Refused because the connection is down: Redis is away, and the ledger counts instead.
      if (!this.redis.ready) return null;
      // Connected but too slow to answer: the script may have run. Counting in the ledger as well would
      // give the budget two counters; the request is refused as retryable instead.
      throw appError('SERVICE_UNAVAILABLE', "The usage counter did not answer in time; retry shortly.", { retryAfter: 1 });
    }
  }

  /** Redis is away: one conditional update of the ledger per request, exact across instances. */
  private async spendInLedger(period: UsagePeriod, organizationId: string): Promise<UsageSpend> {
    // What this instance counted in Redis and has not written yet goes first, so the ledger holds it.
    await this.writeBudget(period.budgetId);
    const used = await this.ledger.spend(period, organizationId);
    const name = counterName(period);
    this.floors.set(name, Math.max(this.floors.get(name) ?? 0, used ?? period.limit));
    return used === null ? { admitted: false, used: period.limit } : { admitted: true, used };
  }

  /** The count a new counter starts from: the ledger's, and what this instance has not written to it yet. */
  private async seed(period: UsagePeriod): Promise<number> {
    const fromLedger = await this.ledger.used(period.budgetId, period.start);
    const unwritten = this.pending.get(period.budgetId);
    return fromLedger + (unwritten && samePeriod(unwritten.periodStart, period.start) ? unwritten.count : 0);
  }

  /** One ledger read however many requests find the counter missing at once. */
  private seedOnce(period: UsagePeriod): Promise<number> {
    const name = counterName(period);
    let seeding = this.seeding.get(name);
    if (!seeding) {
      seeding = this.seed(period).finally(() => this.seeding.delete(name));
      this.seeding.set(name, seeding);
    }
    return seeding;
  }

  private note(entry: UsageEntry): void {
    const held = this.pending.get(entry.budgetId);
    if (held && samePeriod(held.periodStart, entry.periodStart)) held.count += entry.count;
    else if (!held || isLater(entry.periodStart, held.periodStart)) this.pending.set(entry.budgetId, { ...entry });
  }

  private async writeBudget(budgetId: string): Promise<void> {
    const entry = this.pending.get(budgetId);
    if (!entry) return;
    this.pending.delete(budgetId);
    await this.ledger.add([entry]).catch((error: unknown) => {
      this.note(entry);
      throw error;
    });
  }

  /** Writes every pending count; what fails to be written is kept for the next try. */
  async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const entries = [...this.pending.values()];
    this.pending = new Map();
    await this.ledger.add(entries).catch((error: unknown) => {
      for (const entry of entries) this.note(entry);
      throw error;
    });
  }

  start(): void {
    this.task.start();
  }

  async stop(): Promise<void> {
    await this.task.stop();
    await this.write().catch((error: unknown) => {
      this.logger.error({ err: error, budgets: this.pending.size }, 'could not write usage counts at shutdown');
    });
  }
}

const counterName = (period: UsagePeriod) => `${period.budgetId}:${period.start ? period.start.toISOString() : 'lifetime'}`;
const redisKey = (name: string) => `tessera:usage:${name}`;
const samePeriod = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
const isLater = (a: Date | null, b: Date | null) => a !== null && b !== null && a.getTime() > b.getTime();
