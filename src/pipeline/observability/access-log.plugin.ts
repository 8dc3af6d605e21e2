import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../../lib/logger.js';
import type { OperationInFlight, PipelineContext, RequestObservation } from '../pipeline-context.js';
import { isAsyncIterable, untilDone } from '../streams.js';
import { LIMIT_KINDS, type ServiceMetrics } from './metrics.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** Routes a monitor calls every few seconds: logged at debug, so they do not drown the requests. */
const PROBES = new Set(['/health', '/ready', '/metrics']);
const GRAPHQL_PATH = '/graphql';
/** A stream can carry many errors; the first few say enough. */
const MAX_CODES = 20;

/**
 * The last stage of every request: the `X-Request-Id` response header, and
 * once the answer is complete (the response, or the end of its stream) one
 * access log line and the request's counts — operation, outcome, the limits
 * that refused it, and for /graphql the time to the start of the response. Runs after useErrorTypes, so every error has its code.
 */
export function useAccessLog(deps: { logger: Logger; metrics: ServiceMetrics }): Plugin {
  const { logger, metrics } = deps;

  const finish = (request: Request, context: PipelineContext, observation: RequestObservation) => {
    if (observation.logged) return;
    observation.logged = true;
    const status = observation.status ?? 0;
    const outcome = observation.codes[0] ?? (status < 400 ? 'ok' : `HTTP_${status}`);
    for (const code of observation.codes) {
      const kind = LIMIT_KINDS[code];
      if (kind) metrics.limitRefusals.labels(kind).inc();
    }
    const path = pathOf(request.url);
    const summary = context.operation?.summary;
    const operationName = summary?.name ?? context.params?.operationName ?? null;
    const operationType = summary?.type ?? null;
    if (path === GRAPHQL_PATH) {
      const type = operationType ?? 'unknown';
      const name = metrics.operationNames.of(operationName);
      metrics.requests.labels(type, name, outcome).inc();
      // Timed to the start of the response (of a stream: its first byte), observed with the other counts.
      const toResponse = ((observation.respondedAt ?? performance.now()) - observation.startedAt) / 1000;
      metrics.httpDuration.observe({ operationName: name, operationType: type, method: request.method, statusCode: status }, toResponse);
      if (context.operation) observeOperation(metrics, context.operation, name, type, observation.codes);
    }
    const caller = context.principal ?? context.identified;
    const line = {
      requestId: context.requestId,
      method: request.method,
      path,
      status,
      durationMs: Math.round((performance.now() - observation.startedAt) * 10) / 10,
      outcome,
      operationType,
      operationName,
      keyId: caller?.id ?? null,
      organizationId: caller?.organizationId ?? null,
      ip: context.clientIp ?? null,
    };
    if (PROBES.has(path)) logger.debug(line, 'request');
    else logger.info(line, 'request');
  };

  return {
    onResultProcess({ request, result, setResult, serverContext }) {
      const context = serverContext as PipelineContext;
      const observation = context.observation;
      if (!observation) return;
      if (!isAsyncIterable(result)) {
        for (const single of Array.isArray(result) ? result : [result]) noteErrors(observation, single as ExecutionResult);
        return;
      }
      observation.stream = 'open';
      const done = () => {
        observation.stream = 'closed';
        if (observation.status !== undefined) finish(request, context, observation);
      };
      setResult(untilDone(result, done, (item) => noteErrors(observation, item)) as typeof result);
    },
    onResponse({ request, response, serverContext }) {
      const context = serverContext as PipelineContext;
      if (context.requestId) response.headers.set(REQUEST_ID_HEADER, context.requestId);
      const observation = context.observation;
      if (!observation) return;
      observation.status = response.status;
      observation.respondedAt = performance.now();
      if (observation.stream !== 'open') finish(request, context, observation);
    },
  };
}

/**
 * An admitted operation's series, named and labelled as Yoga's Prometheus
 * plugin names them: its errors by phase and code, the deprecated fields its
 * document asks for (found once per document, operation.ts), and, when it
 * ran, its time from validation to the end of execution.
 */
function observeOperation(metrics: ServiceMetrics, operation: OperationInFlight, operationName: string, operationType: string, codes: readonly string[]): void {
  let ran = operation.summary !== undefined;
  for (const code of codes) {
    const phase = PHASE_OF_CODE[code] ?? 'execute';
    if (phase !== 'execute') ran = false;
    metrics.errorResults.labels(operationName, operationType, phase, code).inc();
  }
  for (const { fieldName, typeName } of operation.summary?.deprecatedFields ?? []) {
    metrics.deprecatedFields.labels(operationName, operationType, fieldName, typeName).inc();
  }
  if (ran && operation.validatedAt !== undefined && operation.endedAt !== undefined) {
    metrics.operationDuration.labels(operationName, operationType).observe((operation.endedAt - operation.validatedAt) / 1000);
  }
}

/** The codes of errors raised before execution; any other arose executing. */
const PHASE_OF_CODE: Record<string, 'parse' | 'validate'> = {
  GRAPHQL_PARSE_FAILED: 'parse',
  GRAPHQL_VALIDATION_FAILED: 'validate',
  QUERY_TOO_COMPLEX: 'validate',
};

function noteErrors(observation: RequestObservation, result: ExecutionResult): void {
  for (const error of result.errors ?? []) {
    if (observation.codes.length >= MAX_CODES) return;
    const code = error.extensions?.code;
    observation.codes.push(typeof code === 'string' ? code : 'BAD_REQUEST');
  }
}

/** The path alone: a GET's query string carries the whole document and its variables. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.indexOf('?', start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}
