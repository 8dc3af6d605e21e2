/**
 * Availability and free/busy computations of one organization that may run at
 * once in this instance; the others wait their turn.
 */
export const COMPUTATIONS_PER_ORGANIZATION = 2;

/** An organization's computations: how many run, and how to start each waiting one. */
type Line = { running: number; waiting: Array<() => void> };

/**
 * Takes turns on this instance's one JavaScript thread between organizations.
 * Each organization runs at most `perOrganization` heavy computations at a
 * time; the rest wait in arrival order, costing no CPU, until a turn comes or
 * their request's signal aborts (deadline passed, client gone). So a tenant
 * that sends many heavy calls at once waits behind itself, while another
 * tenant's requests only ever share the thread with a few of them. Counted
 * per instance on purpose: it shares out this process's CPU.
 */
export class ComputeQueue {
  private readonly lines = new Map<string, Line>();

  constructor(private readonly perOrganization = COMPUTATIONS_PER_ORGANIZATION) {}

  /** Runs `work` in the organization's turn; rejects with the signal's reason if it aborts first. */
  async run<T>(organizationId: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    await this.turn(organizationId, signal);
    try {
      return await work();
    } finally {
      this.next(organizationId);
    }
  }

  /** Computations of the organization running now (for tests and metrics). */
  running(organizationId: string): number {
    return this.lines.get(organizationId)?.running ?? 0;
  }

  private turn(organizationId: string, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    let line = this.lines.get(organizationId);
    if (!line) this.lines.set(organizationId, (line = { running: 0, waiting: [] }));
    if (line.running < this.perOrganization) {
      line.running++;
      return Promise.resolve();
    }
    const { waiting } = line;
    return new Promise<void>((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener('abort', abandon);
        resolve();
      };
      const abandon = () => {
        waiting.splice(waiting.indexOf(start), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', abandon, { once: true });
      waiting.push(start);
    });
  }

  /** Hands the finished computation's turn to the next waiting one, or gives it back. */
  private next(organizationId: string): void {
    const line = this.lines.get(organizationId)!;
    const start = line.waiting.shift();
    if (start) return start();
    line.running--;
    if (line.running === 0) this.lines.delete(organizationId);
  }
}
