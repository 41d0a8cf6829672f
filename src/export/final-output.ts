import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** Where the final output goes: a write that may buffer (returns a promise to wait on). */
export type Write = (text: string) => Promise<void> | void;

/**
 * Writes the Prometheus text exposition of `metrics` — the same series and names as /metrics —
 * one metric at a time, so a large output is never built as one string.
 */
export async function writePrometheusText(metrics: ResourceMetrics, write: Write): Promise<void> {
  const serializer = new PrometheusSerializer();
  let first = true;
  for (const sm of metrics.scopeMetrics) {
    for (const m of sm.metrics) {
      // target_info (from the resource) once, with the first metric.
      const text = serializer.serialize({ resource: metrics.resource, scopeMetrics: [{ scope: sm.scope, metrics: [m] }] });
      await write(first ? text : text.replace(/^# HELP target_info[^\n]*\n# TYPE target_info[^\n]*\ntarget_info[^\n]*\n\n?/, ''));
      first = false;
    }
  }
  if (first) await write(serializer.serialize(metrics));
}

/**
 * Writes a JSON document of `metrics`: resource attributes, and per metric its name, unit, type
 * and data points (attributes, value, start and end time in ms since the epoch). Streamed a data
 * point at a time.
 */
export async function writeJson(metrics: ResourceMetrics, write: Write): Promise<void> {
  await write(`{\n  "resource": ${JSON.stringify(metrics.resource.attributes)},\n  "metrics": [`);
  let firstMetric = true;
  for (const sm of metrics.scopeMetrics) {
    for (const m of sm.metrics) {
      const head = {
        name: m.descriptor.name,
        unit: m.descriptor.unit,
        description: m.descriptor.description,
        type: DataPointType[m.dataPointType].toLowerCase(),
        monotonic: 'isMonotonic' in m ? m.isMonotonic : undefined,
      };
      await write(`${firstMetric ? '' : ','}\n    ${JSON.stringify(head).slice(0, -1)}, "dataPoints": [`);
      firstMetric = false;
      let batch = '';
      m.dataPoints.forEach((dp, i) => {
        batch += `${i === 0 ? '' : ','}\n      ${JSON.stringify({
          attributes: dp.attributes, value: dp.value,
          startTimeMs: hrTimeToMilliseconds(dp.startTime), endTimeMs: hrTimeToMilliseconds(dp.endTime),
        })}`;
      });
      // One write per metric of data-point lines (a few MB at 50 000 series), not one per point.
      await write(batch);
      await write('\n    ]}');
    }
  }
  await write('\n  ]\n}\n');
}
