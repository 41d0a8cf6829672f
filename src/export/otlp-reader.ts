import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import type { MetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config/schema.ts';
import { OtlpPush } from './otlp-push.ts';
import type { ExportHealth } from './self-telemetry.ts';
import type { TrafficMetrics } from './traffic-metrics.ts';

/**
 * The OTLP endpoint in effect: `otlp.endpoint`, else OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else
 * OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/metrics`; undefined means OTLP is off.
 */
export function otlpEndpoint(config: Config, env: NodeJS.ProcessEnv): string | undefined {
  if (config.otlp.endpoint) return config.otlp.endpoint;
  if (env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) return env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '') + '/v1/metrics';
  return undefined;
}

/**
 * The OTLP exporter for `url` (OTLP/HTTP, JSON). Failed requests are counted in `health` and
 * reported through `onError` by the push loop (otlp-push.ts).
 */
export function createOtlpExporter(config: Config, url: string): PushMetricExporter {
  return new OTLPMetricExporter({
    url,
    headers: { ...config.otlp.headers },
    timeoutMillis: config.otlp.timeout,
    compression: config.otlp.compression as never,
  });
}

/** The OTLP push of `traffic` and the self-telemetry collected by `self`. */
export function createOtlpPush(config: Config, url: string, self: MetricReader, traffic: TrafficMetrics, health: ExportHealth,
  onError: (message: string, fields?: Record<string, unknown>) => void): OtlpPush {
  return new OtlpPush({
    exporter: createOtlpExporter(config, url),
    self, traffic,
    intervalMs: config.otlp.interval,
    timeoutMs: config.otlp.timeout,
    maxPoints: OTLP_CHUNK_POINTS,
    onFailure: (error) => {
      health.exportFailures++;
      onError('otlp export failed', { endpoint: url, error, failures: health.exportFailures });
    },
  });
}

/**
 * Traffic data points per metric in one OTLP request: 2 metrics × 5,000 points of ~5
 * attributes is ~1.5 MB as JSON, ~0.7 MB as protobuf, below gRPC's default 4 MiB message limit
 * and the Collector's default HTTP body limits.
 */
export const OTLP_CHUNK_POINTS = 5000;
