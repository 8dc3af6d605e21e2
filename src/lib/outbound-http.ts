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

/**
 * What a failed outbound call records and shows (`lastError`), in both
 * worlds: a category and nothing finer. A status code, socket error, TLS
 * alert or resolved address tells one service (or port) on the network
 * behind Tessera from another, and a caller picks the URL: it would make
 * webhooks and calendar feeds a scanner. An HTTP error is `http_error`
 * whatever its status, since 401, 404 and 500 fingerprint a service as well.
 * (Whether anything answered at all stays visible: a receiver's owner needs
 * that much.) The detail goes to the server log, for operators.
 */
export const OUTBOUND_ERRORS = {
  unreachable: 'no answer: the connection was refused or reset, the name did not resolve, TLS failed, or the address is not allowed',
  timeout: 'no complete answer within the time limit',
  http_error: 'an answer with a status other than 2xx',
  invalid_feed: 'a 2xx answer that is not a readable iCalendar feed, or too large',
  internal_error: 'Tessera itself could not make the call, e.g. a stored secret it cannot open; the server log says why',
} as const;

export type OutboundError = keyof typeof OUTBOUND_ERRORS;

/** `lastError`'s description: the categories and what each means. */
export const OUTBOUND_ERRORS_DESCRIPTION = Object.entries(OUTBOUND_ERRORS)
  .map(([category, meaning]) => `${category} (${meaning})`)
  .join('; ');

/**
 * A call that got no usable answer: `category` is what may be stored and
 * shown; the message is the detail for the server log (no path or query, so
 * a calendar feed's secret URL never reaches it).
 */
export class OutboundFailure extends Error {
  constructor(
    readonly category: OutboundError,
    detail: string,
    readonly durationMs: number,
  ) {
    super(detail);
  }
}

/**
 * The socket connects to the very addresses the guard approved: resolution
 * and the check happen inside the connect, so a DNS answer cannot change
 * between the check and the request (DNS rebinding). IP literals skip DNS and
 * are checked up front. Redirects are not followed: a 3xx is just a non-2xx.
 * `timeoutMs` bounds the whole call, name resolution included: callers rely on
 * it ending by then (the webhook worker's claim on a delivery lasts only a
 * little longer).
 */
export async function sendOutbound(request: OutboundRequest, clock: () => number = Date.now): Promise<OutboundResponse> {
  const started = clock();
  const elapsed = () => Math.max(0, Math.round(clock() - started));
  const resolver = request.resolver ?? systemResolver;
  const deadline = AbortSignal.timeout(request.timeoutMs);
  try {
    const url = parseOutboundUrl(request.url, request.environment);
    await beforeDeadline(resolveAllowed(hostOf(url), request.environment, resolver), deadline);
    const { status, body } = await exchange(url, request, guardedLookup(request.environment, resolver), deadline);
    return { status, body, durationMs: elapsed() };
  } catch (error) {
    throw new OutboundFailure(categoryOf(error), describe(error, request.timeoutMs), elapsed());
  }
}

function beforeDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T> {
  if (deadline.aborted) return Promise.reject(new Timeout());
  return new Promise((resolve, reject) => {
    const expire = () => reject(new Timeout());
    deadline.addEventListener('abort', expire, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', expire));
  });
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

function exchange(url: URL, request: OutboundRequest, lookup: LookupFunction, deadline: AbortSignal): Promise<{ status: number; body: string }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method: request.method,
      headers: { connection: 'close', ...request.headers },
      lookup,
      agent: false,
    });
    const expire = () => req.destroy(new Timeout());
    if (deadline.aborted) expire();
    else deadline.addEventListener('abort', expire, { once: true });
    const finish = (error: Error | null, value?: { status: number; body: string }) => {
      deadline.removeEventListener('abort', expire);
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

function categoryOf(error: unknown): OutboundError {
  if (error instanceof Timeout) return 'timeout';
  if (error instanceof TooLarge) return 'invalid_feed';
  return 'unreachable';
}

/** The detail for the server log. */
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
  if (code && known[code]) return `${known[code]} (${code})`;
  // TLS and socket errors carry codes like CERT_HAS_EXPIRED; their messages may quote the host only.
  return code ? `request failed (${code})` : 'request failed';
}
