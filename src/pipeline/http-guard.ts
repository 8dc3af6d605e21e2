import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import { toRefusal } from '../graphql/error-mapping.js';
import { appError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ProxyTrust } from './client-address.js';
import { REQUEST_ID_HEADER, requestIdFor } from './observability/request-id.js';

type Listener = (request: IncomingMessage, response: ServerResponse) => unknown;

/** RFC 3986 reg-name: unreserved, percent-encoded and sub-delims characters. */
const REG_NAME = /^(?:[\w\-.~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const PORT = /^:\d*$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const LOGGED_CHARACTERS = 200;

const HOST_FORMAT =
  'The Host header must be host[:port]: a name, an IPv4 address or an IPv6 address in brackets, and a port from 1 to 65535.';

/** RFC 3986 host[:port], with the port (when given) from 1 to 65535. */
function isValidHost(value: string): boolean {
  const bracketed = value.startsWith('[');
  const colon = value.indexOf(':');
  const end = bracketed ? value.indexOf(']') + 1 : colon === -1 ? value.length : colon;
  if (bracketed && end === 0) return false;
  const [host, port] = [value.slice(0, end), value.slice(end)];
  if (port && !PORT.test(port)) return false;
  const digits = port.slice(1);
  if (digits && !(Number(digits) >= 1 && Number(digits) <= 65535)) return false;
  if (!(bracketed ? isIPv6(host.slice(1, -1)) : REG_NAME.test(host))) return false;
  // The adapter parses with WHATWG URL, which also refuses some names RFC 3986 allows (1.2.3.256, bad punycode).
  return URL.canParse(`http://${value}/`);
}

/** What makes this request unanswerable, in words for the caller; null when nothing does. */
export function requestProblem(request: IncomingMessage): string | null {
  const hosts = request.headersDistinct.host ?? [];
  if (hosts.length > 1) return 'The request has more than one Host header.';
  // An empty Host is allowed (RFC 9112 §3.2), and the adapter then uses the local address.
  if (hosts[0] && !isValidHost(hosts[0])) return HOST_FORMAT;
  const target = request.url ?? '';
  if (!target.startsWith('/')) return 'The request target must be a path, such as /graphql.';
  if (BAD_PERCENT.test(target)) return "The request target has a '%' that is not followed by two hexadecimal digits.";
  return null;
}

const clip = (text: string | undefined) => text?.slice(0, LOGGED_CHARACTERS);

/**
 * Stands in front of Yoga's node adapter, which builds the request's URL from
 * the Host header and the request target and answers 500 with a stack trace
 * when that fails. A request whose Host or target cannot name a resource here
 * gets 400 BAD_REQUEST in our error shape instead (with its request id, as
 * every answer has), one warn line (its access log line), and its connection
 * closed (its framing is not to be trusted with another request).
 * Node's own parser has already answered what is not HTTP at all (a missing
 * Host on HTTP/1.1, a method it does not know, a request head over its limit).
 */
export function guardHttp(next: Listener, logger: Logger, proxies: ProxyTrust): Listener {
  return (request, response) => {
    const problem = requestProblem(request);
    if (problem === null) return next(request, response);
    const { method, url, socket } = request;
    const given = request.headers['x-request-id'];
    const requestId = requestIdFor(typeof given === 'string' ? given : null, socket.remoteAddress ?? null, proxies);
    const host = clip(request.headers.host);
    logger.warn({ problem, requestId, status: 400, method, host, target: clip(url), remoteAddress: socket.remoteAddress }, 'refused a malformed request');
    const { status, headers, body } = toRefusal(appError('BAD_REQUEST', problem), requestId);
    response
      .writeHead(status, { ...headers, [REQUEST_ID_HEADER]: requestId, 'content-length': Buffer.byteLength(body), connection: 'close' })
      .end(body);
  };
}
