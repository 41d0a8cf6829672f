import type * as GrpcJs from '@grpc/grpc-js';
import type * as OtlpGrpc from '@opentelemetry/exporter-metrics-otlp-grpc';
import type * as OtlpHttp from '@opentelemetry/exporter-metrics-otlp-http';
import type * as OtlpProto from '@opentelemetry/exporter-metrics-otlp-proto';
import type { MetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { createRequire } from 'node:module';
import type { Config } from '../config/schema.ts';
import { OtlpPush } from './otlp-push.ts';
import type { OtlpSettings } from './otlp-settings.ts';
import type { ExportHealth } from './self-telemetry.ts';
import type { TrafficMetrics } from './traffic-metrics.ts';

// The exporters' CommonJS builds, as for the other OpenTelemetry packages (otel-packages.ts: one
// build of each shared package), and only the one of the configured protocol.
const require = createRequire(import.meta.url);

/**
 * The official OTLP exporter for the protocol: `@opentelemetry/exporter-metrics-otlp-proto`,
 * `-http` (JSON) or `-grpc`, all of one version line. The HTTP exporters retry each request on
 * their own (429, 502, 503, 504, with backoff) within `otlp.timeout`; the gRPC one of this line
 * does not retry (its transport reports every error as final): a refused request waits for the
 * next push, which carries the cumulative totals anyway.
 * Headers from `otlp.headers` (HTTP headers or gRPC metadata) are merged with
 * OTEL_EXPORTER_OTLP_[METRICS_]HEADERS by the exporter; the TLS material is passed explicitly, so
 * what was checked at start-up (otlp-settings.ts) is what is used.
 */
export function createOtlpExporter(config: Config, s: OtlpSettings): PushMetricExporter {
  const { AggregationTemporalityPreference } = require('@opentelemetry/exporter-metrics-otlp-http') as typeof OtlpHttp;
  const common = {
    url: s.url,
    timeoutMillis: config.otlp.timeout,
    compression: config.otlp.compression as never,
    // OtlpPush sets each metric's temporality itself (no SDK instrument is exported); the
    // exporter's preference is stated to match rather than left to the environment.
    temporalityPreference: {
      cumulative: AggregationTemporalityPreference.CUMULATIVE,
      delta: AggregationTemporalityPreference.DELTA,
      lowmemory: AggregationTemporalityPreference.LOWMEMORY,
    }[s.temporality],
  };
  const { ca, cert, key, insecure } = s.tls;
  if (s.protocol === 'grpc') {
    const { credentials, Metadata } = require('@grpc/grpc-js') as typeof GrpcJs;
    const { OTLPMetricExporter: GrpcExporter } = require('@opentelemetry/exporter-metrics-otlp-grpc') as typeof OtlpGrpc;
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(config.otlp.headers)) metadata.set(k, v);
    // As the spec says: http:// is plaintext, https:// is TLS, no scheme follows INSECURE.
    const plain = s.url.startsWith('http://') || (!s.url.startsWith('https://') && insecure);
    return new GrpcExporter({ ...common, metadata, credentials: plain ? credentials.createInsecure() : credentials.createSsl(ca ?? null, key ?? null, cert ?? null) });
  }
  const http = { ...common, headers: { ...config.otlp.headers }, httpAgentOptions: { keepAlive: true, ca, cert, key } };
  if (s.protocol === 'http/json') return new (require('@opentelemetry/exporter-metrics-otlp-http') as typeof OtlpHttp).OTLPMetricExporter(http);
  return new (require('@opentelemetry/exporter-metrics-otlp-proto') as typeof OtlpProto).OTLPMetricExporter(http);
}

/**
 * The OTLP push of `traffic` and the self-telemetry collected by `self`. A request holds at most
 * `otlp.maxDataPoints` data points: the traffic chunks carry two metrics (bytes and packets), so
 * each gets half.
 */
export function createOtlpPush(config: Config, settings: OtlpSettings, self: MetricReader, traffic: TrafficMetrics, health: ExportHealth,
  onError: (message: string, fields?: Record<string, unknown>) => void): OtlpPush {
  return new OtlpPush({
    exporter: createOtlpExporter(config, settings),
    self, traffic,
    intervalMs: config.otlp.interval,
    timeoutMs: config.otlp.timeout,
    maxPoints: Math.max(1, Math.floor(config.otlp.maxDataPoints / 2)),
    temporality: settings.temporality,
    onFailure: (error) => {
      health.exportFailures++;
      onError('otlp export failed', { endpoint: settings.url, protocol: settings.protocol, error, failures: health.exportFailures });
    },
  });
}
