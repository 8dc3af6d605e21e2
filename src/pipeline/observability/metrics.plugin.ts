import { createHash, timingSafeEqual } from 'node:crypto';
import { createCounter, createHistogram, usePrometheus, type FillLabelsFnParams } from '@graphql-yoga/plugin-prometheus';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { appError, isAppError } from '../../lib/errors.js';
import { READ_METHODS, refuseMethod } from '../allowed-methods.js';
import type { PipelineContext } from '../pipeline-context.js';
import { refusalFor } from '../refusal.js';
import type { ServiceMetrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

type Phase = 'parse' | 'validate' | 'execute' | 'subscribe';

/**
 * Yoga's Prometheus plugin on the app's registry, configured for a
 * multi-tenant API: operation names bounded (OperationNames), errors labelled
 * by `extensions.code` rather than by path (a path holds list indexes: a
 * series per item). The HTTP histogram is the access log's (without the URL:
 * a GET's URL holds the whole document). Off, for what they cost on every request (together they
 * were a tenth of a request's CPU) against what they tell: the operation
 * counter (tessera_requests_total counts every request, refused ones too),
 * the parse, validate and execute phase histograms (parse and validate hit
 * Yoga's caches; execute is the request duration less them), the
 * per-resolver histogram (its cost is per field), the summary (quantiles per
 * observation), context building (ours does nothing worth timing) and schema
 * changes (the schema never changes).
 */
export function usePrometheusMetrics(metrics: ServiceMetrics): Plugin {
  const { registry } = metrics;
  const operation = (params: FillLabelsFnParams) => ({
    operationName: metrics.operationNames.of(params.operationName),
    operationType: params.operationType ?? 'unknown',
  });
  const histogram = <P extends Phase>(name: string, help: string, phases: [P, ...P[]]) =>
    createHistogram({
      registry,
      histogram: { name, help, labelNames: ['operationName', 'operationType'] as const },
      fillLabelsFn: operation,
      phases,
    });
  return usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request_duration: histogram('graphql_envelop_request_duration', 'Time from parse to the end of execution', ['execute', 'subscribe']),
      graphql_envelop_phase_subscribe: histogram('graphql_envelop_phase_subscribe', 'Time spent starting subscriptions', ['subscribe']),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'Errors in GraphQL results, by phase and extensions.code',
          labelNames: ['operationName', 'operationType', 'phase', 'code'] as const,
        },
        fillLabelsFn: (params) => ({ ...operation(params), phase: params.errorPhase ?? 'unknown', code: codeOf(params.error, params.errorPhase) }),
        phases: ['parse', 'validate', 'execute', 'subscribe'],
      }),
      graphql_envelop_deprecated_field: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_deprecated_field',
          help: 'Deprecated fields asked for',
          labelNames: ['operationName', 'operationType', 'fieldName', 'typeName'] as const,
        },
        fillLabelsFn: (params) => ({
          ...operation(params),
          fieldName: params.deprecationInfo?.fieldName ?? '',
          typeName: params.deprecationInfo?.typeName ?? '',
        }),
        shouldObserve: examinedOnce(),
        phases: ['parse'],
      }),
      // Observed by the access log (access-log.plugin.ts), with the labels it already has.
      graphql_yoga_http_duration: false,
      graphql_envelop_request: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_execute_resolver: false,
    },
  });
}

/**
 * The plugin walks each request's document for deprecated fields, the
 * costliest thing it does (a fifth of its time). Yoga hands every request
 * with the same text the same parsed document, so a document found to use
 * none is not walked again; one that uses some is counted each time.
 */
function examinedOnce(): (params: FillLabelsFnParams) => boolean {
  const usesDeprecated = new WeakMap<object, boolean>();
  return ({ document, deprecationInfo }) => {
    if (!document) return true;
    if (deprecationInfo) {
      usesDeprecated.set(document, true);
      return true;
    }
    const known = usesDeprecated.get(document);
    if (known === false) return false;
    if (known === undefined) usesDeprecated.set(document, false);
    return true;
  };
}

/**
 * The code the response will give an error. The plugin sees errors before
 * Yoga codes and masks them: graphql-js's syntax and validation errors get
 * Yoga's standard codes, and a domain error still wrapped by graphql-js is
 * read from its cause; any other cause is what the mask hides.
 */
function codeOf(error: GraphQLError | undefined, phase: string | undefined): string {
  const code = error?.extensions?.code;
  if (typeof code === 'string') return code;
  if (phase === 'parse') return 'GRAPHQL_PARSE_FAILED';
  if (phase === 'validate') return 'GRAPHQL_VALIDATION_FAILED';
  const cause = error?.originalError;
  if (isAppError(cause)) return cause.code;
  return cause && !(cause instanceof GraphQLError) ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
}

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
