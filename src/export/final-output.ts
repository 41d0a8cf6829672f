import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** The Prometheus text exposition of `metrics`: the same series and names as /metrics. */
export function toPrometheusText(metrics: ResourceMetrics): string {
  return new PrometheusSerializer().serialize(metrics);
}

/**
 * A JSON document of `metrics`: resource attributes, and per metric its name, unit, type and
 * data points (attributes, value, start and end time in ms since the epoch).
 */
export function toJson(metrics: ResourceMetrics): string {
  const doc = {
    resource: metrics.resource.attributes,
    metrics: metrics.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => ({
      name: m.descriptor.name,
      unit: m.descriptor.unit,
      description: m.descriptor.description,
      type: DataPointType[m.dataPointType].toLowerCase(),
      monotonic: 'isMonotonic' in m ? m.isMonotonic : undefined,
      dataPoints: m.dataPoints.map((dp) => ({
        attributes: dp.attributes,
        value: dp.value,
        startTimeMs: hrTimeToMilliseconds(dp.startTime),
        endTimeMs: hrTimeToMilliseconds(dp.endTime),
      })),
    }))),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
