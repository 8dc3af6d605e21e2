import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type RedisStatus = { redis: 'ok' | 'unreachable' | 'not configured'; warning?: string };

const FALLBACK_WARNING =
  'Redis is unreachable: rate and concurrency limits fall back to per-instance memory, and usage limits are counted in the database, until it is back.';

/**
 * ioredis with a command timeout that counts only Redis's own delay. ioredis's
 * `commandTimeout` is a plain timer: after the event loop was held up past it
 * (a long query on the embedded database, a garbage collection, a burst of
 * requests), the timer fires before the reply that came in meanwhile is read,
 * since timers run before I/O in each turn of the loop — and a healthy Redis
 * is taken for a hanging one, the instance falling back to its own memory
 * for limits that must be shared. Here an expired command first lets the
 * loop read what arrived, and times out only if its reply is not there.
 */
function clientWithTimeout(timeoutMs: number) {
  return class extends Redis {
    override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
      const sent = super.sendCommand(...args);
      const [command] = args;
      if (!command.isResolved) {
        const timer = setTimeout(() => {
          setImmediate(() => {
            if (!command.isResolved) command.reject(new Error('Command timed out'));
          });
        }, timeoutMs);
        const clear = () => clearTimeout(timer);
        command.promise.then(clear, clear);
      }
      return sent;
    }
  };
}

/**
 * The one Redis connection an instance shares between its counters. Tuned so
 * a dead Redis never holds a request: commands are refused at once while the
 * connection is down (no offline queue), time out quickly when it hangs (and
 * only then: clientWithTimeout), and the client keeps reconnecting in the
 * background so shared limits resume by themselves.
 */
export class RedisConnection {
  readonly client: Redis;
  private down = true;
  private everReady = false;
  private closing = false;

  constructor(
    url: string,
    timeoutMs: number,
    private readonly logger: Logger,
  ) {
    const Client = clientWithTimeout(timeoutMs);
    this.client = new Client(url, {
      connectTimeout: Math.max(timeoutMs * 4, 1000),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Reconnect forever, at most a second apart: recovery is noticed quickly.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      enableAutoPipelining: true,
    });
    this.client.on('ready', () => {
      if (this.down && this.everReady) this.logger.warn('Redis is reachable again; shared limits resume');
      this.down = false;
      this.everReady = true;
    });
    this.client.on('close', () => {
      if (!this.down && !this.closing) this.logger.warn(FALLBACK_WARNING);
      this.down = true;
    });
    // Without a listener ioredis would print every failed reconnect; 'close' already logged the outage.
    this.client.on('error', () => {});
  }

  /** Whether commands can be sent now; callers use their memory fallback otherwise. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  status(): RedisStatus {
    return this.ready ? { redis: 'ok' } : { redis: 'unreachable', warning: FALLBACK_WARNING };
  }

  /** Resolves once connected, or after `timeoutMs` either way: start-up never blocks on Redis. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.client.disconnect();
  }
}
