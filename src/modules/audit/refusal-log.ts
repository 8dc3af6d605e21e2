import type { Client } from '../../auth/principal.js';
import type { ApiKeyEnvironment } from '../../auth/key-format.js';
import type { Executor } from '../../db/client.js';
import { auditEvents } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';
import { newId } from '../../lib/random.js';

const MINUTE_MS = 60_000;
/** Bounds the memory of "already recorded"; past it the oldest entries are forgotten. */
const MAX_REMEMBERED = 50_000;

export type RefusedKey = { id: string; organizationId: string; environment: ApiKeyEnvironment };

/**
 * Authentication refusals worth someone's attention. A revoked or expired key
 * still being presented is recorded on that key (`authentication.refused`),
 * so its owner sees a leaked key still being tried — written at once, not
 * buffered, at most once per key and address per minute. Unknown keys belong
 * to no tenant: they are counted per address in a warning log line (never
 * the key itself).
 */
export class RefusalLog {
  private readonly recorded = new Map<string, number>();
  private readonly unknownByAddress = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly db: Executor,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  async keyRefused(key: RefusedKey, reason: string, client: Client, requestId: string | null = null): Promise<void> {
    const at = this.now();
    const seen = `${key.id}|${client.ip ?? ''}`;
    const last = this.recorded.get(seen);
    if (last !== undefined && at.getTime() - last < MINUTE_MS) return;
    this.remember(this.recorded, seen, at.getTime());
    try {
      await this.db.insert(auditEvents).values({
        id: newId('evt'),
        organizationId: key.organizationId,
        environment: key.environment,
        apiKeyId: key.id,
        action: 'authentication.refused',
        outcome: 'denied',
        details: { reason },
        ip: client.ip,
        userAgent: client.userAgent,
        requestId,
        createdAt: at,
      });
    } catch (error) {
      this.logger.error({ err: error, keyId: key.id }, 'could not record a refused authentication');
    }
  }

  unknownKey(client: Client): void {
    const address = client.ip ?? 'unknown';
    const nowMs = this.now().getTime();
    const counted = this.unknownByAddress.get(address);
    if (!counted) {
      this.remember(this.unknownByAddress, address, { count: 1, since: nowMs });
      this.logger.warn({ ip: client.ip, unknownKeys: 1 }, 'unknown API key presented');
      return;
    }
    counted.count++;
    if (nowMs - counted.since >= MINUTE_MS) {
      this.logger.warn({ ip: client.ip, unknownKeys: counted.count, seconds: Math.round((nowMs - counted.since) / 1000) }, 'unknown API keys presented');
      this.unknownByAddress.delete(address);
    }
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value!);
    map.delete(key);
    map.set(key, value);
  }
}
