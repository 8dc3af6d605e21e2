import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  hostOf,
  OutboundRefused,
  parseOutboundUrl,
  resolveAllowed,
  systemResolver,
  type HostResolver,
  type OutboundEnvironment,
} from './outbound-url.js';

export type OutboundRequest = {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  environment: OutboundEnvironment;
  timeoutMs: number;
  /** Bodies past this are refused; 0 reads nothing (webhooks only need the status). */
  maxResponseBytes: number;
  resolver?: HostResolver;
};

export type OutboundResponse = { status: number; body: string; durationMs: number };

/** A failure described without the URL, so it can be stored and shown (`lastError`). */
export class OutboundFailure extends Error {
  constructor(
    message: string,
    readonly durationMs: number,
  ) {
    super(message);
  }
}

/**
 * The socket connects to the very addresses the guard approved: resolution
 * and the check happen inside the connect, so a DNS answer cannot change
 * between the check and the request (DNS rebinding). IP literals skip DNS and
 * are checked up front. Redirects are not followed: a 3xx is just a non-2xx.
 */
export async function sendOutbound(request: OutboundRequest, clock: () => number = Date.now): Promise<OutboundResponse> {
  const started = clock();
  const elapsed = () => Math.max(0, Math.round(clock() - started));
  const resolver = request.resolver ?? systemResolver;
  try {
    const url = parseOutboundUrl(request.url, request.environment);
    await resolveAllowed(hostOf(url), request.environment, resolver);
    const { status, body } = await exchange(url, request, guardedLookup(request.environment, resolver));
    return { status, body, durationMs: elapsed() };
  } catch (error) {
    throw new OutboundFailure(describe(error, request.timeoutMs), elapsed());
  }
}

function guardedLookup(environment: OutboundEnvironment, resolver: HostResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllowed(hostname, environment, resolver).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (wanted.length === 0) return callback(new OutboundRefused(`${hostname} has no usable address.`), '', 0);
        if (options.all) return callback(null, wanted);
        return callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: Error) => callback(error, '', 0),
    );
  };
}

class Timeout extends Error {}
class TooLarge extends Error {}

function exchange(url: URL, request: OutboundRequest, lookup: LookupFunction): Promise<{ status: number; body: string }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method: request.method,
      headers: { connection: 'close', ...request.headers },
      lookup,
      agent: false,
    });
    const deadline = setTimeout(() => req.destroy(new Timeout()), request.timeoutMs);
    const finish = (error: Error | null, value?: { status: number; body: string }) => {
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve(value!);
    };
    req.on('error', (error) => finish(error));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) {
          if (request.maxResponseBytes === 0) return;
          req.destroy(new TooLarge());
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => finish(error));
    });
    req.end(request.body);
  });
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof OutboundRefused) return `refused: ${error.message}`;
  if (error instanceof Timeout) return `timed out after ${timeoutMs} ms`;
  if (error instanceof TooLarge) return 'response too large';
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENOTFOUND: 'could not resolve host',
    EPIPE: 'connection closed while sending',
  };
  if (code && known[code]) return known[code];
  // TLS and socket errors carry codes like CERT_HAS_EXPIRED; their messages may quote the host only.
  return code ? `request failed (${code})` : 'request failed';
}
