import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../lib/redis.js';
import { releaseOnce, type Slot } from './concurrency.js';
import { windowCount, type WindowCount } from './window-counters.js';

/**
 * A request's admission in one call: counts it in its caller's fixed window
 * (KEYS[1], the layout rate-limiter-flexible uses, so a count carries over
 * from instances that still use it) and, when it is within ARGV[2], takes a
 * slot of the organization (KEYS[2]) if fewer than ARGV[4] unexpired ones are
 * held. Slots are members of a sorted set scored by their expiry on Redis's
 * own clock; expired ones (an instance that died) are swept when the set
 * looks full, so they fall out after the TTL. Slots
 * this instance gave back since its last call (ARGV[6…]) are removed first.
 * Answers {count, ms until the window ends, 1 slot taken | 0 over the key's
 * limit (no slot asked for) | -1 no slot free}.
 */
const ADMIT = `
local consumed = redis.call('INCR', KEYS[1])
local ttl
if consumed == 1 then
  ttl = 1000 * tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    ttl = 1000 * tonumber(ARGV[1])
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
end
if #ARGV > 5 then redis.call('ZREM', KEYS[2], unpack(ARGV, 6)) end
if consumed > tonumber(ARGV[2]) then return {consumed, ttl, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return {consumed, ttl, -1} end
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {consumed, ttl, 1}
`;

/** How long a released slot may wait for the organization's next admission to carry its removal. */
const RELEASE_DELAY_MS = 5;

export type SharedAdmissionOutcome = {
  count: WindowCount;
  /** Null when the caller is over its limit (none was asked for) or the organization has none free. */
  slot: Slot | null;
};

type AdmitCommand = {
  tesseraAdmit(windowKey: string, slotsKey: string, ...args: (string | number)[]): Promise<[number, number, number]>;
};

/**
 * The caller's request window and the organization's concurrency slot,
 * shared by every instance through Redis, in one script: one command, one
 * round trip, on the request path. A slot's release is not waited for: it
 * rides on the organization's next admission from this instance, or goes
 * on its own within RELEASE_DELAY_MS, many releases in one command. A failed
 * or lost release is covered by the slot's expiry. Throws when Redis does
 * not answer; the caller counts in memory instead (request-limits.ts).
 */
export class SharedAdmission {
  private readonly instance = randomUUID();
  private sequence = 0;
  /** Slots given back and not yet removed in Redis, by their organization's set. */
  private readonly released = new Map<string, string[]>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: RedisConnection,
    private readonly slotLimit: number,
    private readonly slotTtlMs: number,
  ) {
    redis.client.defineCommand('tesseraAdmit', { numberOfKeys: 2, lua: ADMIT });
  }

  /** Whether Redis can be asked now. */
  get ready(): boolean {
    return this.redis.ready;
  }

  async admit(callerId: string, limit: number, windowSeconds: number, organizationId: string): Promise<SharedAdmissionOutcome> {
    const slotsKey = `tessera:inflight:${organizationId}`;
    const member = `${this.instance}:${++this.sequence}`;
    const carried = this.released.get(slotsKey) ?? [];
    this.released.delete(slotsKey);
    const client = this.redis.client as unknown as AdmitCommand;
    const [consumed, msBeforeReset, slot] = await client.tesseraAdmit(
      `tessera:key:${windowSeconds}:${callerId}`,
      slotsKey,
      windowSeconds,
      limit,
      member,
      this.slotLimit,
      this.slotTtlMs,
      ...carried,
    );
    return {
      count: windowCount(consumed, limit, msBeforeReset),
      slot: slot === 1 ? releaseOnce(() => this.release(slotsKey, member)) : null,
    };
  }

  /** Sends the releases still waiting (at shutdown). */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batches = [...this.released];
    this.released.clear();
    await Promise.all(batches.map(([key, members]) => this.redis.client.zrem(key, ...members).catch(() => {})));
  }

  private release(slotsKey: string, member: string): void {
    const waiting = this.released.get(slotsKey);
    if (waiting) waiting.push(member);
    else this.released.set(slotsKey, [member]);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), RELEASE_DELAY_MS);
      this.flushTimer.unref();
    }
  }
}
