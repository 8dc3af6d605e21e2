import { getCurrentOtelContext, setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter, type TracerProvider } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Plugin } from 'graphql-yoga';
import type { PipelineContext } from '../pipeline-context.js';

export type TracingOptions = {
  provider: TracerProvider;
  /** A span per resolver as well: costly on large results (TRACE_RESOLVERS). */
  resolvers: boolean;
};

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * OpenTelemetry spans for each request: one for the HTTP request (continuing
 * the caller's trace when it sends `traceparent`), and under it parse,
 * validate, and the operation's execution from envelop's OpenTelemetry plugin
 * (with resolvers under that when asked for). Variables and results are never
 * recorded; the document only when it has no inline arguments (the plugin's
 * rule), since values may be personal data. The request span carries the
 * request id, the key id and the organization, never the key.
 */
export function useTracing({ provider, resolvers }: TracingOptions): Plugin {
  const tracer = provider.getTracer('tessera');
  const propagator = new W3CTraceContextPropagator();
  const requests = new WeakMap<object, Span>();

  const childSpan = (name: string, context: object) => tracer.startSpan(name, { kind: SpanKind.INTERNAL }, getCurrentOtelContext(context));

  return {
    onPluginInit({ addPlugin }) {
      addPlugin(useOpenTelemetry({ resolvers, variables: false, result: false }, provider, SpanKind.INTERNAL, {}, 'tessera') as Plugin);
    },
    onRequest({ request, url, serverContext }) {
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
      const span = tracer.startSpan(
        `${request.method} ${url.pathname}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': request.method,
            'url.path': url.pathname,
            'tessera.request_id': (serverContext as PipelineContext).requestId ?? '',
          },
        },
        parent,
      );
      requests.set(serverContext, span);
      // The GraphQL context is this same object: parse, validate and execute find their parent here.
      setCurrentOtelContext(serverContext, trace.setSpan(parent, span));
    },
    onParse({ context }) {
      const span = childSpan('graphql.parse', context);
      return ({ result }) => {
        if (result instanceof Error) span.setStatus({ code: SpanStatusCode.ERROR, message: result.message });
        span.end();
      };
    },
    onValidate({ context }) {
      const span = childSpan('graphql.validate', context);
      return ({ valid }) => {
        if (!valid) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
    },
    onResponse({ response, serverContext }) {
      const span = requests.get(serverContext);
      if (!span) return;
      const context = serverContext as PipelineContext;
      const caller = context.principal ?? context.identified;
      const summary = context.operation?.summary;
      span.setAttributes({
        'http.response.status_code': response.status,
        ...(caller ? { 'tessera.api_key.id': caller.id, 'tessera.organization.id': caller.organizationId } : {}),
        ...(summary ? { 'graphql.operation.type': summary.type, 'graphql.operation.name': summary.name ?? '' } : {}),
        ...(context.observation?.codes[0] ? { 'tessera.outcome': context.observation.codes[0] } : {}),
      });
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
