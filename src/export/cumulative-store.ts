import type { Attributes, HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality, DataPointType, type MetricData, type MetricDescriptor, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ATTR_OVERFLOW } from './semconv.ts';

interface Series {
  attributes: Attributes;
  startTime: HrTime;
  value: number;
  /** Clock reading (ms) of the last delta that changed the value. */
  lastChange: number;
}

interface Stream {
  descriptor: MetricDescriptor;
  series: Map<string, Series>;
  limit: number;
  /** 0: never expire. */
  idleMs: number;
}

/** Counts the store reports about itself (self-telemetry). */
export interface StoreStats {
  /** Series currently held, all streams. */
  series: number;
  /** Series dropped for being idle, since start. */
  expired: number;
  /** Data points folded into an overflow series because the stream was full, since start. */
  overflowed: number;
}

/**
 * otelacct's own cumulative state for the traffic metrics. It folds the SDK's *delta* collections
 * (views and cardinality limits already applied) into monotonic cumulative series, forgets series
 * idle for longer than `idleTimeoutMs`, and holds at most `limit` series per stream: further
 * keys are folded into one series with `otel.metric.overflow=true`, so the sum over a stream's
 * series always equals everything counted. Memory is bounded by limit × streams, not by uptime.
 * A series that expires and comes back starts again from zero with a new start time.
 */
export class CumulativeStore {
  readonly #limitOf: (metric: string) => number;
  readonly #idleOf: (metric: string) => number;
  readonly #now: () => number;
  readonly #streams = new Map<string, Stream>();
  #expired = 0;
  #overflowed = 0;

  /**
   * @param limit most series per stream, the overflow series included (as the SDK counts it);
   *   a number for every stream, or a function of the metric name
   * @param idleTimeoutMs series unchanged for longer are dropped; 0 keeps them forever; a number
   *   for every stream, or a function of the metric name
   * @param now clock in milliseconds (injectable for tests)
   */
  constructor(limit: number | ((metric: string) => number), idleTimeoutMs: number | ((metric: string) => number), now: () => number = Date.now) {
    this.#limitOf = typeof limit === 'number' ? () => limit : limit;
    this.#idleOf = typeof idleTimeoutMs === 'number' ? () => idleTimeoutMs : idleTimeoutMs;
    this.#now = now;
  }

  /** Adds one delta collection of monotonic sums. Non-sum metrics are ignored. */
  merge(delta: ResourceMetrics): void {
    const now = this.#now();
    const hrNow = msToHr(now);
    for (const scope of delta.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.dataPointType !== DataPointType.SUM) continue;
        let stream = this.#streams.get(metric.descriptor.name);
        if (!stream) {
          const name = metric.descriptor.name;
          stream = { descriptor: metric.descriptor, series: new Map(), limit: Math.max(2, this.#limitOf(name)), idleMs: this.#idleOf(name) };
          this.#streams.set(metric.descriptor.name, stream);
        }
        for (const dp of metric.dataPoints) {
          if (dp.value === 0) continue;
          this.#add(stream, dp.attributes, dp.value, now, hrNow);
        }
      }
    }
  }

  #add(stream: Stream, attributes: Attributes, value: number, now: number, hrNow: HrTime): void {
    let key = seriesKey(attributes);
    let s = stream.series.get(key);
    if (!s && stream.series.size >= stream.limit - 1 && attributes[ATTR_OVERFLOW] !== true) {
      this.#overflowed++;
      attributes = { [ATTR_OVERFLOW]: true };
      key = seriesKey(attributes);
      s = stream.series.get(key);
    }
    if (!s) {
      s = { attributes, startTime: hrNow, value: 0, lastChange: now };
      stream.series.set(key, s);
    }
    s.value += value;
    s.lastChange = now;
  }

  /** Drops idle series; returns the cumulative state as MetricData (one per stream). */
  snapshot(): MetricData[] {
    const now = this.#now();
    const endTime = msToHr(now);
    const out: MetricData[] = [];
    for (const stream of this.#streams.values()) {
      const dataPoints = [];
      for (const [key, s] of stream.series) {
        if (stream.idleMs > 0 && now - s.lastChange > stream.idleMs) {
          stream.series.delete(key);
          this.#expired++;
          continue;
        }
        dataPoints.push({ attributes: s.attributes, startTime: s.startTime, endTime, value: s.value });
      }
      out.push({
        descriptor: stream.descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints,
      });
    }
    return out;
  }

  stats(): StoreStats {
    let series = 0;
    for (const s of this.#streams.values()) series += s.series.size;
    return { series, expired: this.#expired, overflowed: this.#overflowed };
  }
}

/** A stable identity for an attribute set (keys sorted). */
export function seriesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let out = '';
  for (const k of keys) out += `${k}\u0000${String(attributes[k])}\u0001`;
  return out;
}

function msToHr(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

