import { setMaxListeners } from 'node:events';
import { appError } from '../lib/errors.js';

/** A request's cancellation: `signal` aborts at its deadline or when its client goes away; `end` once it is answered. */
export type Deadline = { signal: AbortSignal; end(): void };

/**
 * Starts an admitted request's clock. `signal` aborts with the error to
 * answer as its reason: TIMEOUT once `timeoutMs` have passed, or
 * CLIENT_CLOSED_REQUEST as soon as the client goes away (`request.signal`).
 * Execution and long computations watch it (src/lib/pace.ts), so work stops
 * on both instead of running on for nobody. `onClientGone` runs too when the
 * client goes away first (the admission gives its slot back at once): one
 * listener on the request for both.
 */
export function startDeadline(request: Request, timeoutMs: number, onClientGone: () => void = () => {}): Deadline {
  const controller = new AbortController();
  // Every call of the request waiting for its turn (src/rate-limit/compute-queue.ts) listens: aliases make many.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(
    () =>
      controller.abort(
        appError('TIMEOUT', `The request ran past its ${timeoutMs} ms deadline and was stopped; ask for less (a shorter range, fewer fields) and retry.`),
      ),
    timeoutMs,
  );
  const gone = () => {
    onClientGone();
    controller.abort(appError('CLIENT_CLOSED_REQUEST', 'The client went away before the answer; the work was stopped.'));
  };
  const clientSignal = request.signal;
  if (clientSignal?.aborted) gone();
  else clientSignal?.addEventListener('abort', gone, { once: true });
  return {
    signal: controller.signal,
    end() {
      clearTimeout(timer);
      clientSignal?.removeEventListener('abort', gone);
    },
  };
}
