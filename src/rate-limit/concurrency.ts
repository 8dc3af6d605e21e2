export type Slot = { release(): void };

/**
 * Requests of one organization in flight at once on this instance: the
 * count when Redis is not configured or not answering (with Redis, the slots
 * are shared: shared-admission.ts). A slot is released exactly once,
 * whichever comes first: the response or an abort.
 */
export class ConcurrencyGate {
  private readonly local = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** A slot, or null when the organization is at its limit. */
  acquire(organizationId: string): Slot | null {
    const held = this.local.get(organizationId) ?? 0;
    if (held >= this.limit) return null;
    this.local.set(organizationId, held + 1);
    return releaseOnce(() => {
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

/** A slot whose release runs once, however often it is called (response, abort, refusal). */
export function releaseOnce(release: () => void): Slot {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      release();
    },
  };
}
