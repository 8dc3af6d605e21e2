import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../lib/redis.js';

/**
 * Takes a slot if fewer than ARGV[2] unexpired ones are held. Slots are
 * members of a sorted set scored by their expiry, on Redis's own clock, so
 * slots held by an instance that died fall out after the TTL.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

export type Slot = { release(): void };

/**
 * Requests of one organization in flight at once, across instances when Redis
 * is configured. A slot is released exactly once, whichever comes first: the
 * response, an abort, or (in Redis) its expiry.
 */
export class ConcurrencyGate {
  private readonly local = new Map<string, number>();
  private readonly instance = randomUUID();
  private sequence = 0;

  constructor(
    private readonly limit: number,
    private readonly slotTtlMs: number,
    private readonly redis: RedisConnection | null,
  ) {
    redis?.client.defineCommand('tesseraAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE });
  }

  /** A slot, or null when the organization is at its limit. */
  async acquire(organizationId: string): Promise<Slot | null> {
    if (this.redis?.ready) {
      const key = `tessera:inflight:${organizationId}`;
      const member = `${this.instance}:${++this.sequence}`;
      try {
        const client = this.redis.client as unknown as AcquireCommand;
        const taken = await client.tesseraAcquireSlot(key, member, this.limit, this.slotTtlMs);
        if (taken !== 1) return null;
        return once(() => {
          // A failed release is covered by the slot's expiry.
          this.redis!.client.zrem(key, member).catch(() => {});
        });
      } catch {
        // Redis went away mid-call: count this instance's requests instead.
      }
    }
    return this.acquireLocally(organizationId);
  }

  private acquireLocally(organizationId: string): Slot | null {
    const held = this.local.get(organizationId) ?? 0;
    if (held >= this.limit) return null;
    this.local.set(organizationId, held + 1);
    return once(() => {
      const now = (this.local.get(organizationId) ?? 1) - 1;
      if (now > 0) this.local.set(organizationId, now);
      else this.local.delete(organizationId);
    });
  }

  /** Slots this instance holds in memory for an organization (tests, diagnostics). */
  heldLocally(organizationId: string): number {
    return this.local.get(organizationId) ?? 0;
  }
}

type AcquireCommand = {
  tesseraAcquireSlot(key: string, member: string, limit: number, ttlMs: number): Promise<number>;
};

function once(release: () => void): Slot {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      release();
    },
  };
}
