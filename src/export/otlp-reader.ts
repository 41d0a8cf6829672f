import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PeriodicExportingMetricReader, type MetricProducer, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config/schema.ts';
import type { ExportHealth } from './self-telemetry.ts';

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
 * A periodic OTLP/HTTP (JSON) push reader for `url`, serving `producers`' metrics as well as the
 * provider's own. Failed exports are counted in `health` and reported through `onError`.
 */
export function createOtlpReader(config: Config, url: string, producers: MetricProducer[], health: ExportHealth,
  onError: (message: string, fields?: Record<string, unknown>) => void): PeriodicExportingMetricReader {
  const exporter = new OTLPMetricExporter({
    url,
    headers: { ...config.otlp.headers },
    timeoutMillis: config.otlp.timeout,
    compression: config.otlp.compression as never,
  });
  const counting: PushMetricExporter = {
    export: (metrics, done) => exporter.export(metrics, (result) => {
      if (result.code !== 0) {
        health.exportFailures++;
        onError('otlp export failed', { endpoint: url, error: result.error?.message ?? 'unknown error', failures: health.exportFailures });
      }
      done(result);
    }),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: exporter.selectAggregationTemporality?.bind(exporter),
    selectAggregation: exporter.selectAggregation?.bind(exporter),
  };
  return new PeriodicExportingMetricReader({
    exporter: counting,
    exportIntervalMillis: config.otlp.interval,
    exportTimeoutMillis: Math.min(config.otlp.timeout, config.otlp.interval),
    metricProducers: producers,
  });
}
