import type { Logger } from './logger.js';

/** Something that works in the background between `start()` and `stop()`; the app holds a list of them. */
export type BackgroundTask = { start(): void; stop(): Promise<void> };

export type PeriodicTaskOptions = {
  /** Names the task in the log when a run fails: "<name> failed". */
  name: string;
  /** Time between runs; 0 keeps the timer off (the work then runs only when called). */
  intervalMs: number;
  /**
   * The work. `stopping` is aborted when `stop()` is called: work made of many
   * items checks it between items, so shutdown waits for the item in hand
   * rather than for the whole backlog.
   */
  run: (stopping: AbortSignal) => unknown;
  logger: Logger;
  /**
   * Also runs once as soon as it starts (with the timer on): a job whose
   * interval is longer than an instance lives between restarts would otherwise never run.
   */
  runAtStart?: boolean;
};

/**
 * Runs work on a timer, one run at a time. A run still going when the timer
 * fires again is joined, not stacked, so a slow database never piles up
 * queries; a failed run is logged and the next tick tries again. The timer
 * never keeps the process alive, and `stop()` waits for the run in flight so
 * nothing touches the database after shutdown (and tells that run to stop
 * taking new items, through `stopping`).
 */
export class PeriodicTask implements BackgroundTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = new AbortController();

  constructor(private readonly options: PeriodicTaskOptions) {}

  start(): void {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    if (this.timer !== undefined || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runNow(), this.options.intervalMs);
    this.timer.unref();
    if (this.options.runAtStart) void this.runNow();
  }

  /** Runs now, or joins the run already in flight. Never rejects: failures go to the log. */
  runNow(): Promise<void> {
    this.running ??= this.runLogged().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runLogged(): Promise<void> {
    try {
      await this.options.run(this.stopping.signal);
    } catch (error) {
      this.options.logger.error({ err: error }, `${this.options.name} failed`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.running;
  }
}
