/**
 * Whether this instance wants traffic. It starts ready; shutdown (draining)
 * or a fault it cannot recover from turns it not ready for good, so a load
 * balancer moves traffic away before the listener closes. `/ready` also
 * checks the database each time; this is the part only the process knows.
 */
export class Readiness {
  private reason: string | null = null;

  /** Not ready from now on; the first reason given is the one reported. */
  withdraw(reason: string): void {
    this.reason ??= reason;
  }

  /** Null while ready; otherwise why not (e.g. "draining"). */
  get withdrawnBecause(): string | null {
    return this.reason;
  }
}
