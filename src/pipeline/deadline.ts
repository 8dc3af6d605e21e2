import { setMaxListeners } from 'node:events';
import { appError, type AppError } from '../lib/errors.js';

/** A request's cancellation: it stops at its deadline or when its client goes away; `end` once it is answered. */
export type Deadline = {
  /** Aborts with the reason it stopped for. Made when first asked for: most requests never do. */
  readonly signal: AbortSignal;
  /** Why it stopped (TIMEOUT, CLIENT_CLOSED_REQUEST); undefined while it runs. */
  readonly stopped: AppError | undefined;
  /** Calls `listener` once with the reason if it stops; answers a function that takes the listener back. */
  onStop(listener: (reason: AppError) => void): () => void;
  end(): void;
};

/**
 * Starts an admitted request's clock. It stops with the error to answer as
 * its reason: TIMEOUT once `timeoutMs` have passed, or CLIENT_CLOSED_REQUEST
 * as soon as the client goes away (`request.signal`). Execution races it
 * (request-pipeline.ts) and long computations watch its signal
 * (src/lib/pace.ts), so work stops on both instead of running on for nobody.
 * `onClientGone` runs too when the client goes away first (the admission
 * gives its slot back at once): one listener on the request for both.
 */
export function startDeadline(request: Request, timeoutMs: number, onClientGone: () => void = () => {}): Deadline {
  return new RequestDeadline(request, timeoutMs, onClientGone);
}

/**
 * Its AbortSignal is made only for work that watches one (availability,
 * free/busy): an AbortController is an EventTarget, costly to make on every
 * request, and the execution race takes a plain listener instead.
 */
class RequestDeadline implements Deadline {
  stopped: AppError | undefined;
  private controller: AbortController | undefined;
  private listeners: Array<(reason: AppError) => void> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly clientSignal: AbortSignal | undefined;
  private readonly gone: () => void;

  constructor(request: Request, timeoutMs: number, onClientGone: () => void) {
    this.timer = setTimeout(
      () => this.stop(appError('TIMEOUT', `The request ran past its ${timeoutMs} ms deadline and was stopped; ask for less (a shorter range, fewer fields) and retry.`)),
      timeoutMs,
    );
    this.gone = () => {
      onClientGone();
      this.stop(appError('CLIENT_CLOSED_REQUEST', 'The client went away before the answer; the work was stopped.'));
    };
    this.clientSignal = request.signal;
    if (this.clientSignal?.aborted) this.gone();
    else this.clientSignal?.addEventListener('abort', this.gone, { once: true });
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      // Every call of the request waiting for its turn (src/rate-limit/compute-queue.ts) listens: aliases make many.
      setMaxListeners(0, this.controller.signal);
      if (this.stopped) this.controller.abort(this.stopped);
    }
    return this.controller.signal;
  }

  onStop(listener: (reason: AppError) => void): () => void {
    if (this.stopped) {
      listener(this.stopped);
      return () => {};
    }
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at !== -1) this.listeners.splice(at, 1);
    };
  }

  end(): void {
    clearTimeout(this.timer);
    this.clientSignal?.removeEventListener('abort', this.gone);
  }

  private stop(reason: AppError): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.controller?.abort(reason);
    for (const listener of this.listeners.splice(0)) listener(reason);
  }
}
