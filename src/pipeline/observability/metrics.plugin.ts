import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { appError } from '../../lib/errors.js';
import { READ_METHODS, refuseMethod } from '../allowed-methods.js';
import type { PipelineContext } from '../pipeline-context.js';
import { refusalFor } from '../refusal.js';
import type { ServiceMetrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics` in Prometheus' text format. With METRICS_TOKEN set it asks
 * for `Authorization: Bearer <token>` (compared in constant time, as digests
 * so not even the length shows) and answers 401 otherwise; unset, it is open.
 */
export function useMetricsRoute(metrics: ServiceMetrics, token: string | null): Plugin {
  const expected = token === null ? null : digest(token);
  return {
    // Not async: every other request passes through here, and should not pay for a promise.
    onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname !== METRICS_PATH) return;
      const context = serverContext as PipelineContext;
      const refused = refuseMethod(request.method, READ_METHODS, context);
      if (refused) return endResponse(refused);
      if (expected && !presents(request, expected)) {
        const response = refusalFor(context, appError('UNAUTHORIZED', 'The metrics endpoint needs "Authorization: Bearer <METRICS_TOKEN>".'));
        response.headers.set('WWW-Authenticate', 'Bearer realm="metrics"');
        return endResponse(response);
      }
      return metrics.exposition().then((text) => endResponse(new Response(text, { headers: { 'content-type': metrics.contentType } })));
    },
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function presents(request: Request, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}
