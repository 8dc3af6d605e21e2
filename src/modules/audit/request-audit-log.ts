import { bulkInsert } from '../../db/bulk-insert.js';
import type { Database } from '../../db/client.js';
import { refusedDataCode } from '../../db/refused-data.js';
import { auditEvents } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../../lib/periodic-task.js';
import type { NewAuditEvent } from './audit.service.js';

const BATCH_SIZE = 200;

/** A request's record: the columns that have defaults are given, as a bulk insert asks. */
export type RequestAuditRecord = NewAuditEvent & Required<Pick<NewAuditEvent, 'createdAt' | 'rootFields'>>;

const insertRecords = bulkInsert<typeof auditEvents, RequestAuditRecord>(auditEvents);

/**
 * Request audit records, written in batches off the request path. Memory is
 * bounded: past `maxBuffered` new records are dropped (and counted, and
 * logged) rather than letting a dead database take the process down. A clean
 * stop writes everything still buffered; what it cannot write is counted as
 * dropped and logged too.
 *
 * What a SIGKILL loses: the buffer, which the timer empties every
 * `flushIntervalMs` (sooner once a batch fills up) — about one interval's
 * records while the database keeps up, at most `maxBuffered` while it does not.
 * Key changes and refused authentications never wait here: they are written
 * before the response (audit.service.ts, refusal-log.ts).
 */
export class RequestAuditLog implements BackgroundTask {
  private buffer: RequestAuditRecord[] = [];
  private readonly task: PeriodicTask;
  /** The write in progress; the next one starts after it. */
  private writing: Promise<void> | undefined;
  private fullBatchQueued = false;
  dropped = 0;
  written = 0;

  constructor(
    private readonly db: Database,
    private readonly options: { flushIntervalMs: number; maxBuffered: number },
    private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask({ name: 'audit flush', intervalMs: options.flushIntervalMs, run: () => this.flush(), logger });
  }

  start(): void {
    this.task.start();
  }

  record(event: RequestAuditRecord): void {
    if (this.buffer.length >= this.options.maxBuffered) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.logger.error({ dropped: this.dropped }, 'audit buffer full; dropping request records');
      }
      return;
    }
    this.buffer.push(event);
    // A full batch goes at once, and only full batches: the rest waits for the timer. (Writing on
    // whatever had come in meanwhile made a busy server send a statement for every few requests.)
    if (this.buffer.length >= BATCH_SIZE && !this.fullBatchQueued) {
      this.fullBatchQueued = true;
      void this.write('full').finally(() => {
        this.fullBatchQueued = false;
      });
    }
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * Writes what is buffered when it starts (after any write in progress);
   * records that arrive while it writes wait for the next one.
   */
  flush(): Promise<void> {
    return this.write('buffered');
  }

  /** One write at a time: whole batches only (`full`), or the records buffered when it starts. */
  private write(what: 'full' | 'buffered'): Promise<void> {
    const previous = this.writing;
    const next = (async () => {
      await previous;
      await this.writeBatches(what === 'full' ? 0 : this.buffer.length);
    })();
    this.writing = next;
    void next.finally(() => {
      if (this.writing === next) this.writing = undefined;
    });
    return next;
  }

  /** Full batches while there are any, and then up to `remainder` more records in all. */
  private async writeBatches(remainder: number): Promise<void> {
    let left = remainder;
    while (this.buffer.length >= BATCH_SIZE || (left > 0 && this.buffer.length > 0)) {
      const batch = this.buffer.splice(0, this.buffer.length >= BATCH_SIZE ? BATCH_SIZE : Math.min(left, BATCH_SIZE));
      left -= batch.length;
      if (!(await this.writeBatch(batch))) return;
    }
  }

  /**
   * Writes one batch; false when the database could not take it, the batch
   * back in the buffer for the next attempt (order within the log is by
   * createdAt anyway). A batch refused for a record it holds would be refused
   * on every attempt, and hold up every record behind it: it is written in
   * halves until the records at fault stand alone, and those are dropped.
   */
  private async writeBatch(batch: RequestAuditRecord[]): Promise<boolean> {
    const parts = [batch];
    while (parts.length > 0) {
      const part = parts.shift()!;
      try {
        await insertRecords(this.db, part);
        this.written += part.length;
      } catch (error) {
        const code = refusedDataCode(error);
        if (code === null) {
          this.buffer.unshift(...part, ...parts.flat());
          this.logger.error({ err: error, buffered: this.buffer.length }, 'could not write audit records; will retry');
          return false;
        }
        if (part.length === 1) this.dropRefused(part[0]!, code);
        else {
          const half = Math.ceil(part.length / 2);
          parts.unshift(part.slice(0, half), part.slice(half));
        }
      }
    }
    return true;
  }

  private dropRefused(record: RequestAuditRecord, code: string): void {
    this.dropped++;
    // What identifies the record, not what it holds: its fields are what the database would not take.
    const { id, action, organizationId, createdAt } = record;
    this.logger.error({ id, action, organizationId, createdAt, code, dropped: this.dropped }, 'the database refused an audit record; dropped it');
  }

  async stop(): Promise<void> {
    await this.task.stop();
    await this.flush();
    if (this.buffer.length > 0) await this.flush();
    if (this.buffer.length > 0) {
      const lost = this.buffer.length;
      this.buffer = [];
      this.dropped += lost;
      this.logger.error({ lost, dropped: this.dropped }, 'could not write audit records before stopping; they are lost');
    }
  }
}
