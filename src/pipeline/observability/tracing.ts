import type { TracerProvider } from '@opentelemetry/api';
import type { Plugin } from 'graphql-yoga';

/** The tracing plugin, and the provider to shut down (flushing its spans) when it was made here. */
export type Tracing = { plugin: Plugin; ownProvider: { shutdown(): Promise<void> } | null };

export type TracingSettings = {
  /** Traces go to this provider (tests pass an in-memory exporter's) instead of `otlpEndpoint`. */
  provider?: TracerProvider;
  /** OTEL_EXPORTER_OTLP_ENDPOINT; null: no tracing unless a provider is given. */
  otlpEndpoint: string | null;
  /** TRACE_RESOLVERS. */
  resolvers: boolean;
};

/**
 * Tracing, or null when nothing is traced. OpenTelemetry's modules (the
 * SDK, the OTLP exporter, envelop's plugin) are loaded here, only then: about
 * 300 modules, ≈ 4 % of a server's start-up CPU, which most deployments (no
 * OTEL_EXPORTER_OTLP_ENDPOINT) never use.
 */
export async function loadTracing({ provider, otlpEndpoint, resolvers }: TracingSettings): Promise<Tracing | null> {
  if (!provider && !otlpEndpoint) return null;
  const { useTracing } = await import('./tracing.plugin.js');
  if (provider) return { plugin: useTracing({ provider, resolvers }), ownProvider: null };
  const { otlpTracerProvider } = await import('./tracer-provider.js');
  const ownProvider = otlpTracerProvider(otlpEndpoint!);
  return { plugin: useTracing({ provider: ownProvider, resolvers }), ownProvider };
}
