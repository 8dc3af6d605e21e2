/**
 * A real HTTP server on 127.0.0.1 (random port) for outbound tests: webhook
 * receivers and calendar feeds. It records every request and answers with
 * whatever `reply` says, including never (`'hang'`) to exercise timeouts, or
 * later (a promise) to be a slow receiver.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: string };
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export class LocalServer {
  readonly received: ReceivedRequest[] = [];
  /** TCP connections accepted, requests or not: proves nothing even tried to connect. */
  connections = 0;
  /** Decides each answer; replace it per test. */
  reply: (request: ReceivedRequest) => Reply | Promise<Reply> = () => ({ status: 200 });

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<LocalServer> {
    let local: LocalServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        local!.received.push(request);
        void Promise.resolve(local!.reply(request)).then((reply) => {
          // A slow answer may find its connection already closed (the caller timed out, or close() ran).
          if (reply === 'hang' || res.destroyed) return;
          res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
        });
      });
    });
    server.on('connection', () => local!.connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    local = new LocalServer(server, (server.address() as AddressInfo).port);
    return local;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests whose path starts with `path`. */
  to(path: string): ReceivedRequest[] {
    return this.received.filter((request) => request.path.startsWith(path));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
