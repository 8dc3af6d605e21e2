import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Spans sent in batches over OTLP/HTTP to `<endpoint>/v1/traces` (what the
 * specification derives from OTEL_EXPORTER_OTLP_ENDPOINT). The service is
 * `tessera` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say
 * otherwise; the exporter reads OTEL_EXPORTER_OTLP_HEADERS (a collector's
 * token) itself. Not registered globally: only this app's plugin uses it.
 */
export function otlpTracerProvider(endpoint: string): BasicTracerProvider {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'tessera' }))
    .merge(detectResources({ detectors: [envDetector] }));
  return new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  });
}
