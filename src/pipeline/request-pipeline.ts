import type { ExecutionResult } from 'graphql';
import type { DatabaseAvailability } from '../db/availability.js';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../config/config.js';
import { toGraphQLError, useErrorTypes } from '../graphql/error-mapping.js';
import { metRequirementsOf } from '../graphql/met-requirements.js';
import { isAppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { admit, type AdmissionDeps } from './admission.js';
import { useGraphQLMethods } from './allowed-methods.js';
import { useBodyLimit } from './body-limit.plugin.js';
import { useCompiledExecution, type ExecuteFn } from './compiled-execution.plugin.js';
import { useBrowserCors, type OriginGate } from './cors.plugin.js';
import { useCsrfPrevention } from './csrf.plugin.js';
import { useGraphiQLAssets } from './graphiql-assets.js';
import { useDatabaseGate } from './database-gate.plugin.js';
import { useHealthRoutes, type HealthOptions } from './health.plugin.js';
import { useAcceptedScopesHeader } from './accepted-scopes.plugin.js';
import { useAccessLog } from './observability/access-log.plugin.js';
import type { ServiceMetrics } from './observability/metrics.js';
import { useMetricsRoute } from './observability/metrics.plugin.js';
import { useRequestIdentity } from './observability/request-identity.plugin.js';
import { useOriginRefreshOnKeyChange } from './origin-refresh.plugin.js';
import { usePersistedDocuments, type TrustedDocumentLookup } from './persisted-documents.plugin.js';
import { usePersistedQueriesNotSupported } from './persisted-queries.plugin.js';
import { useSecretScanningRoute, type SecretScanningEndpoint } from './secret-scanning.plugin.js';
import { useQueryLimits } from './query-limits.plugin.js';
import { outcomeOf, summarizeOperation } from './operation.js';
import type { OperationAudit } from './operation-audit.js';
import type { Deadline } from './deadline.js';
import type { PipelineContext } from './pipeline-context.js';
import { isAsyncIterable, untilDone } from './streams.js';

export type OperationPipelineDeps = Omit<AdmissionDeps, 'onRefused' | 'onAdmitted' | 'onKeyRefused'> & {
  audit: OperationAudit;
  lastUsed: { touch(callerId: string, ip: string | null, at: Date): void };
};

/**
 * The per-operation stages of the request pipeline, as Yoga/envelop hooks so
 * they run for every operation whatever carried it (POST, GET, SSE):
 * admission before the document is parsed (see admission.ts); the operation
 * summary once it validated; a query's execution stopped at the request's
 * deadline or when its client goes away; and, when its result is complete — at the end of
 * the stream for a subscription — the audit record and the slot release. The
 * rate-limit headers go onto the HTTP response.
 */
export function useOperationPipeline(deps: OperationPipelineDeps): Plugin {
  const admission: AdmissionDeps = {
    ...deps,
    onAdmitted: (principal, client, at) => deps.lastUsed.touch(principal.id, client.ip, at),
    onRefused: (principal, client, operationName, refusal, requestId) => deps.audit.refused(principal, client, operationName, refusal, requestId),
    onKeyRefused: (refusal, client, requestId) => deps.audit.keyRefused(refusal, client, requestId),
  };

  const finish = async (context: PipelineContext, result: ExecutionResult) => {
    const { operation, principal, client } = context;
    if (!operation || !principal || !client || operation.finished) return;
    operation.finished = true;
    operation.endedAt = performance.now();
    try {
      if (operation.afterResult.length > 0) await Promise.all(operation.afterResult.map((task) => task()));
    } finally {
      operation.deadline.end();
      operation.slot.release();
      const { summary } = operation;
      deps.audit.record(principal, client, {
        action: summary ? `graphql.${summary.type}` : 'graphql.invalid',
        operationName: summary?.name ?? null,
        rootFields: summary?.rootFields ?? [],
        scopeRequirements: metRequirementsOf(context, principal.scopes),
        outcome: outcomeOf(result.errors),
        requestId: context.requestId ?? null,
      });
    }
  };

  return {
    async onParams({ request, params, context }) {
      try {
        await admit(request, params.operationName ?? null, context as unknown as PipelineContext, admission);
      } catch (error) {
        // Refusals fail the whole request: mapped here, where there is no field to blame.
        throw isAppError(error) ? toGraphQLError(error) : error;
      }
    },
    onValidate({ context, params }) {
      const { operation, params: request } = context as unknown as PipelineContext;
      if (!operation) return;
      operation.validatedAt = performance.now();
      operation.summary = summarizeOperation(params.schema, params.documentAST, request?.operationName);
    },
    onExecute({ context, executeFn, setExecuteFn }) {
      const { operation } = context as unknown as PipelineContext;
      // A mutation, once started, runs to its end and says how it went: a 504 would leave its outcome unknown.
      if (operation?.summary?.type === 'query') setExecuteFn(stoppedBy(operation.deadline, executeFn));
    },
    async onExecutionResult({ result, setResult, context }) {
      const pipeline = context as unknown as PipelineContext;
      if (!isAsyncIterable(result)) return finish(pipeline, (Array.isArray(result) ? result[0] : result) as ExecutionResult);
      setResult(untilDone(result, (last) => finish(pipeline, last)));
    },
    // An admitted request Yoga refused before it had a result (a body parameter it does not know, a body without a
    // query) reaches only this hook: it too gives its slot back and is recorded.
    onResultProcess({ result, serverContext }) {
      if (isAsyncIterable(result)) return;
      return finish(serverContext as unknown as PipelineContext, (Array.isArray(result) ? result[0] : result) as ExecutionResult);
    },
    onResponse({ response, serverContext }) {
      const headers = (serverContext as unknown as PipelineContext).responseHeaders;
      for (const name in headers) response.headers.set(name, headers[name]!);
    },
  };
}

/**
 * A query's execution that stops when the request's deadline does (deadline
 * passed, client gone): the request answers the reason alone, at request level
 * (TIMEOUT: 504), with no partial data, without waiting for the fields in
 * flight; work that watches the deadline's signal (src/lib/pace.ts) stops too.
 * Neither executor takes a signal (graphql-js 16 has none, graphql-jit
 * neither), so the answer does not wait on them: it races the deadline.
 */
function stoppedBy(deadline: Deadline, execute: ExecuteFn): ExecuteFn {
  return async (args) => {
    let unlisten = () => {};
    const stopped = new Promise<never>((_, reject) => {
      unlisten = deadline.onStop(reject);
    });
    try {
      return await Promise.race([execute(args), stopped]);
    } catch (error) {
      const reason = deadline.stopped;
      if (reason && error === reason) return { errors: [toGraphQLError(reason)] };
      throw error;
    } finally {
      unlisten();
    }
  };
}

export type RequestPipelineParts = {
  operations: OperationPipelineDeps;
  origins: OriginGate & { refresh(): Promise<void> };
  /** Each world's trusted documents: `documentId` requests and keys restricted to them. */
  documents: TrustedDocumentLookup;
  maxBodyBytes: number;
  queryLimits: LimitsConfig['query'];
  /** GRAPHQL_COMPILED_EXECUTION: queries and mutations run by graphql-jit (false: graphql-js). */
  compiledExecution: boolean;
  health: HealthOptions;
  /** `POST /secret-scanning`, with SECRET_SCANNING_PUBLIC_KEYS set; null: the path is 404. */
  secretScanning?: SecretScanningEndpoint | null;
  /** Known-down database: valid operations are answered 503 before they run. */
  availability: DatabaseAvailability;
  observability: {
    logger: Logger;
    metrics: ServiceMetrics;
    /** METRICS_TOKEN; null: /metrics is open. */
    metricsToken: string | null;
    /** The tracing plugin (observability/tracing.ts); null: no tracing, and nothing of it runs. */
    tracing: Plugin | null;
  };
};

/**
 * The whole request path, in its one order. (Before Yoga, the HTTP guard in
 * http-guard.ts refuses an unusable Host or request target.) First the
 * request's id, client address and start (and its trace span, when tracing);
 * then HTTP, before anything reads a key or the body: CORS (preflights end
 * here), health, metrics, GraphiQL's files, the body limit, GitHub's
 * secret-scanning alerts (when on), the methods /graphql answers, CSRF.
 * Then per operation: admission (client address →
 * failed-auth throttle → key verification → origin policy → organization
 * header → key limit and organization slot, the deadline starts), the
 * persisted document (a `documentId` becomes its text; a key restricted to
 * trusted documents runs only those), parse/validate with the query limits,
 * a database known to be down answers 503 here, the Tessera-Accepted-Scopes
 * header (cached per document), execute (a query stops at the deadline), and
 * at its end the audit record, slot release and the rate-limit headers;
 * errors get their code, type and request id; last, the X-Request-Id header
 * and the access log line.
 */
export function requestPipeline(parts: RequestPipelineParts): Plugin[] {
  const { logger, metrics, metricsToken, tracing } = parts.observability;
  return [
    useRequestIdentity(parts.operations.proxies),
    ...(tracing ? [tracing] : []),
    useBrowserCors(parts.origins),
    useHealthRoutes(parts.health),
    useMetricsRoute(metrics, metricsToken),
    useGraphiQLAssets(),
    useBodyLimit(parts.maxBodyBytes),
    ...(parts.secretScanning ? [useSecretScanningRoute(parts.secretScanning)] : []),
    useGraphQLMethods(),
    // What a cross-site form could send must carry a header it cannot: the key itself (GET) or a CSRF header.
    useCsrfPrevention(),
    usePersistedQueriesNotSupported(),
    // Before the operation stage: that one wraps whatever executes, to stop a query at its deadline.
    ...(parts.compiledExecution ? [useCompiledExecution()] : []),
    useOperationPipeline(parts.operations),
    usePersistedDocuments(parts.documents),
    useQueryLimits(parts.queryLimits),
    useDatabaseGate(parts.availability),
    useAcceptedScopesHeader(),
    useOriginRefreshOnKeyChange(parts.origins),
    useErrorTypes(logger),
    useAccessLog({ logger, metrics }),
  ];
}
