import type { Identity, Store } from 'graphql-rate-limit';
import type { RedisConnection } from '../lib/redis.js';

const MAX_IDENTITIES = 100_000;

const keyOf = (identity: Identity) => `${identity.contextIdentity}|${identity.fieldIdentity}`;

/**
 * graphql-rate-limit's call log per identity, in memory. Unlike the bundled
 * InMemoryStore it forgets logs whose window has passed and stays bounded, so
 * per-address identities of public keys cannot grow it forever.
 */
export class MemoryFieldStore implements Store {
  private readonly logs = new Map<string, { timestamps: readonly number[]; expiresAt: number }>();

  setForIdentity(identity: Identity, timestamps: readonly number[], windowMs = 60_000): void {
    const key = keyOf(identity);
    this.logs.delete(key);
    if (this.logs.size >= MAX_IDENTITIES) this.evict();
    this.logs.set(key, { timestamps: [...timestamps], expiresAt: Math.max(0, ...timestamps) + windowMs });
  }

  getForIdentity(identity: Identity): readonly number[] {
    const log = this.logs.get(keyOf(identity));
    if (!log) return [];
    if (log.expiresAt <= Date.now()) {
      this.logs.delete(keyOf(identity));
      return [];
    }
    return log.timestamps;
  }

  private evict(): void {
    const now = Date.now();
    for (const [key, log] of this.logs) if (log.expiresAt <= now) this.logs.delete(key);
    if (this.logs.size >= MAX_IDENTITIES) {
      const oldest = this.logs.keys().next().value;
      if (oldest !== undefined) this.logs.delete(oldest);
    }
  }
}

/**
 * The same log in Redis through ioredis (the bundled RedisStore speaks the
 * old node-redis callback API). Each identity is one JSON value that expires
 * with its window. While Redis is unreachable the memory store answers, so a
 * dead Redis costs precision, never a request.
 */
export class RedisFieldStore implements Store {
  constructor(
    private readonly redis: RedisConnection,
    private readonly fallback: MemoryFieldStore,
  ) {}

  async setForIdentity(identity: Identity, timestamps: readonly number[], windowMs = 60_000): Promise<void> {
    this.fallback.setForIdentity(identity, timestamps, windowMs);
    if (!this.redis.ready) return;
    const ttlMs = Math.max(1, Math.max(0, ...timestamps) + windowMs - Date.now());
    await this.redis.client.set(this.redisKey(identity), JSON.stringify(timestamps), 'PX', ttlMs).catch(() => {});
  }

  async getForIdentity(identity: Identity): Promise<readonly number[]> {
    if (!this.redis.ready) return this.fallback.getForIdentity(identity);
    try {
      const stored = await this.redis.client.get(this.redisKey(identity));
      return stored ? (JSON.parse(stored) as number[]) : [];
    } catch {
      return this.fallback.getForIdentity(identity);
    }
  }

  private redisKey(identity: Identity): string {
    return `tessera:field:${keyOf(identity)}`;
  }
}
