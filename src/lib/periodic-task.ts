import type { Logger } from './logger.js';

/** Something that works in the background between `start()` and `stop()`; the app holds a list of them. */
export type BackgroundTask = { start(): void; stop(): Promise<void> };

export type PeriodicTaskOptions = {
  /** Names the task in the log when a run fails: "<name> failed". */
  name: string;
  /** Time between runs; 0 keeps the timer off (the work then runs only when called). */
  intervalMs: number;
  run: () => unknown;
  logger: Logger;
};

/**
 * Runs work on a timer, one run at a time. A run still going when the timer
 * fires again is joined, not stacked, so a slow database never piles up
 * queries; a failed run is logged and the next tick tries again. The timer
 * never keeps the process alive, and `stop()` waits for the run in flight so
 * nothing touches the database after shutdown.
 */
export class PeriodicTask implements BackgroundTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: PeriodicTaskOptions) {}

  start(): void {
    if (this.timer !== undefined || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runNow(), this.options.intervalMs);
    this.timer.unref();
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
      await this.options.run();
    } catch (error) {
      this.options.logger.error({ err: error }, `${this.options.name} failed`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
