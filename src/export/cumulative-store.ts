import type { Attributes, HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality, DataPointType, type MetricData, type MetricDescriptor, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ATTR_OVERFLOW } from './semconv.ts';

/**
 * One attribute set of a group, with one cumulative value per stream of the group. The streams
 * of a group (otelacct.<name>.bytes and .packets) always carry the same attribute sets, so they
 * share the entry: one key string, one attributes object, one start time.
 */
interface Entry {
  attributes: Attributes;
  startTime: HrTime;
  /** Cumulative value per stream of the group (indexed by Stream.slot). */
  values: number[];
  /** Clock reading (ms) of the last delta that changed a value. */
  lastChange: number;
}

interface Group {
  entries: Map<string, Entry>;
  /** Most entries, the overflow entry included. */
  limit: number;
  /** 0: never expire. */
  idleMs: number;
  streams: Stream[];
}

interface Stream {
  descriptor: MetricDescriptor;
  group: Group;
  slot: number;
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

/** The group of a metric: its name up to the last dot (otelacct.host.bytes → otelacct.host). */
function groupName(metric: string): string {
  const dot = metric.lastIndexOf('.');
  return dot > 0 ? metric.slice(0, dot) : metric;
}

/**
 * otelacct's own cumulative state for the traffic metrics. It folds the SDK's *delta* collections
 * (views and cardinality limits already applied) into monotonic cumulative series, forgets series
 * idle for longer than their idle timeout, and holds at most `limit` series per stream: further
 * keys are folded into one series with `otel.metric.overflow=true`, so the sum over a stream's
 * series always equals everything counted. Memory is bounded by the limits, not by uptime.
 * A series that expires and comes back starts again from zero with a new start time.
 *
 * Streams whose names differ only after the last dot (the bytes and packets of an aggregation)
 * form a group that shares its entries, limit and expiry.
 */
export class CumulativeStore {
  readonly #limitOf: (metric: string) => number;
  readonly #idleOf: (metric: string) => number;
  readonly #now: () => number;
  readonly #streams = new Map<string, Stream>();
  readonly #groups = new Map<string, Group>();
  #expired = 0;
  #overflowed = 0;

  /**
   * @param limit most series per stream, the overflow series included (as the SDK counts it);
   *   a number for every stream, or a function of the metric name (read for a group's first stream)
   * @param idleTimeoutMs series unchanged for longer are dropped; 0 keeps them forever; a number
   *   for every stream, or a function of the metric name
   * @param now clock in milliseconds (injectable for tests)
   */
  constructor(limit: number | ((metric: string) => number), idleTimeoutMs: number | ((metric: string) => number), now: () => number = Date.now) {
    this.#limitOf = typeof limit === 'number' ? () => limit : limit;
    this.#idleOf = typeof idleTimeoutMs === 'number' ? () => idleTimeoutMs : idleTimeoutMs;
    this.#now = now;
  }

  #stream(descriptor: MetricDescriptor): Stream {
    let stream = this.#streams.get(descriptor.name);
    if (stream) return stream;
    const gname = groupName(descriptor.name);
    let group = this.#groups.get(gname);
    if (!group) {
      group = { entries: new Map(), limit: Math.max(2, this.#limitOf(descriptor.name)), idleMs: this.#idleOf(descriptor.name), streams: [] };
      this.#groups.set(gname, group);
    }
    stream = { descriptor, group, slot: group.streams.length };
    group.streams.push(stream);
    this.#streams.set(descriptor.name, stream);
    return stream;
  }

  /** Adds one delta collection of monotonic sums. Non-sum metrics are ignored. */
  merge(delta: ResourceMetrics): void {
    const now = this.#now();
    const hrNow = msToHr(now);
    for (const scope of delta.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.dataPointType !== DataPointType.SUM) continue;
        const stream = this.#stream(metric.descriptor);
        for (const dp of metric.dataPoints) {
          if (dp.value === 0) continue;
          this.#add(stream, dp.attributes, dp.value, now, hrNow);
        }
      }
    }
  }

  #add(stream: Stream, attributes: Attributes, value: number, now: number, hrNow: HrTime): void {
    const group = stream.group;
    let key = seriesKey(attributes);
    let e = group.entries.get(key);
    if (!e && group.entries.size >= group.limit - 1 && attributes[ATTR_OVERFLOW] !== true) {
      if (stream.slot === 0) this.#overflowed++;
      attributes = { [ATTR_OVERFLOW]: true };
      key = seriesKey(attributes);
      e = group.entries.get(key);
    }
    if (!e) {
      e = { attributes, startTime: hrNow, values: group.streams.map(() => 0), lastChange: now };
      group.entries.set(key, e);
    }
    while (e.values.length < group.streams.length) e.values.push(0);
    e.values[stream.slot] += value;
    e.lastChange = now;
  }

  /**
   * True when a data point for `attributesKey` (a seriesKey) in `metric` would be folded into
   * the overflow series: the stream holds its limit and not this series. Lets the flush skip the
   * SDK for keys that cannot become a series (the dominant cost during an address scan).
   */
  wouldOverflow(metric: string, attributesKey: string): boolean {
    const group = this.#streams.get(metric)?.group;
    return group !== undefined && group.entries.size >= group.limit - 1 && !group.entries.has(attributesKey);
  }

  /** Drops idle series; returns the cumulative state as MetricData (one per stream). */
  snapshot(): MetricData[] {
    const now = this.#now();
    const endTime = msToHr(now);
    for (const group of this.#groups.values()) {
      if (group.idleMs <= 0) continue;
      for (const [key, e] of group.entries) {
        if (now - e.lastChange > group.idleMs) {
          group.entries.delete(key);
          this.#expired += group.streams.length;
        }
      }
    }
    const out: MetricData[] = [];
    for (const stream of this.#streams.values()) {
      const dataPoints = [];
      for (const e of stream.group.entries.values()) {
        dataPoints.push({ attributes: e.attributes, startTime: e.startTime, endTime, value: e.values[stream.slot] ?? 0 });
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

  /** Metric → cumulative value of its overflow series, for the streams that have one. */
  overflowTotals(): Map<string, number> {
    const key = seriesKey({ [ATTR_OVERFLOW]: true });
    const out = new Map<string, number>();
    for (const [name, stream] of this.#streams) {
      const e = stream.group.entries.get(key);
      if (e) out.set(name, e.values[stream.slot] ?? 0);
    }
    return out;
  }

  stats(): StoreStats {
    let series = 0;
    for (const g of this.#groups.values()) series += g.entries.size * g.streams.length;
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
