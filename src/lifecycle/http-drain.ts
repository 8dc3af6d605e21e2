import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

type Listener = (request: IncomingMessage, response: ServerResponse) => unknown;

/** How long without a new request before idle connections are closed during a drain. */
const QUIET_MS = 500;

export type DrainOutcome = {
  /** Requests that were in flight when draining began. */
  inFlightAtStart: number;
  /** Connections still open at the deadline, closed then (stalled clients, requests past the deadline). */
  cutAtDeadline: number;
  elapsedMs: number;
};

/**
 * Lets an HTTP server stop without dropping anyone. `listener()` wraps the
 * request handler to count requests in flight; `drain()` then stops
 * accepting connections and waits until every request already received is
 * answered and every connection has closed: a kept-alive connection gets
 * `Connection: close` on its next response; idle ones are closed once no
 * request has arrived for half a second (not at once: a client may be
 * sending on one). At the deadline
 * whatever is left (a client stalled mid-headers or mid-body, a request past
 * it) is closed.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private lastRequestAt = 0;
  private draining = false;
  private startedAt = 0;
  private inFlightAtStart = 0;
  private closed: Promise<void> = Promise.resolve();

  constructor(private readonly server: Server) {}

  listener(next: Listener): Listener {
    return (request, response) => {
      this.inFlight.add(response);
      this.lastRequestAt = Date.now();
      response.once('close', () => this.inFlight.delete(response));
      if (this.draining) response.setHeader('connection', 'close');
      return next(request, response);
    };
  }

  /** Stops accepting connections; those open stay open (see the class comment). */
  stopAccepting(): void {
    if (this.draining) return;
    this.draining = true;
    this.startedAt = Date.now();
    this.inFlightAtStart = this.inFlight.size;
    for (const response of this.inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
    this.closed = new Promise<void>((resolve) => this.server.once('close', () => resolve()));
    // net.Server's close: stop listening, keep the open connections. (http.Server's own close()
    // also drops idle kept-alive connections at once, cutting a request that is on its way on one.)
    NetServer.prototype.close.call(this.server);
  }

  /** Stops accepting (if not yet), then waits for the connections to end, closing what is left at the deadline. */
  async drain(deadlineMs: number): Promise<DrainOutcome> {
    this.stopAccepting();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    // Idle kept-alive connections (and clients that never finished their headers): closed once no
    // request has come for a moment (a client still sending on one would have sent by then).
    const quiet = setInterval(() => {
      if (Date.now() - this.lastRequestAt >= QUIET_MS) this.server.closeIdleConnections();
    }, QUIET_MS / 5);
    let cutAtDeadline = 0;
    if ((await Promise.race([this.closed, deadline])) === 'deadline') {
      cutAtDeadline = await this.openConnections();
      this.server.closeAllConnections();
      await this.closed;
    }
    clearTimeout(timer);
    clearInterval(quiet);
    return { inFlightAtStart: this.inFlightAtStart, cutAtDeadline, elapsedMs: Date.now() - this.startedAt };
  }

  private openConnections(): Promise<number> {
    return new Promise((resolve) => this.server.getConnections((error, count) => resolve(error ? 0 : count)));
  }
}
