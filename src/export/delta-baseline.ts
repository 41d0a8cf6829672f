import type { HrTime } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType } from './otel-packages.ts';
import type { SeriesFollower, SeriesStore } from '../account/series-store.ts';

/**
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, as the OTLP exporter specification defines
 * it: `cumulative` (everything cumulative), `delta` (counters, synchronous and asynchronous, as
 * deltas; up-down counters cumulative), `lowmemory` (synchronous counters as deltas, asynchronous
 * counters cumulative). The traffic counters are synchronous counters (every packet adds); the
 * self-telemetry and runtime sums are observed totals, asynchronous counters. Gauges are gauges.
 */
export type Temporality = 'cumulative' | 'delta' | 'lowmemory';
export const TEMPORALITIES: readonly Temporality[] = ['cumulative', 'delta', 'lowmemory'];

/** The last pushed values of one store's series, indexed like the store's entries. */
class StoreBaseline implements SeriesFollower {
  readonly store: SeriesStore;
  bytes = new Float64Array(0);
  packets = new Float64Array(0);
  /** Time (ms) of the push that delivered entry e's values; 0: never pushed (baseline 0). */
  time = new Float64Array(0);
  readonly overflow = { bytes: 0, packets: 0, time: 0 };

  constructor(store: SeriesStore) {
    this.store = store;
    store.follower = this;
  }

  /** Makes room for every entry the store can hold now (its capacity only grows). */
  ensure(): void {
    const n = this.store.capacity;
    if (this.time.length >= n) return;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.bytes = grow(this.bytes);
    this.packets = grow(this.packets);
    this.time = grow(this.time);
  }

  /** An idle entry whose last change has not been pushed stays until it has. */
  holds(e: number): boolean {
    const s = this.store;
    const pushed = e < this.time.length && this.time[e] !== 0;
    return s.bytes[e] !== (pushed ? this.bytes[e] : 0) || s.packets[e] !== (pushed ? this.packets[e] : 0);
  }

  moved(from: number, to: number): void {
    if (from < this.time.length) {
      this.bytes[to] = this.bytes[from];
      this.packets[to] = this.packets[from];
      this.time[to] = this.time[from];
    } else if (to < this.time.length) {
      this.time[to] = 0;
    }
  }

  compacted(size: number, before: number): void {
    // Only what was in use: the arrays are as long as the store's allocation (up to 2^21 entries),
    // and a fill to their end would make every page of them resident.
    const end = Math.min(before, this.time.length);
    if (size >= end) return;
    this.bytes.fill(0, size, end);
    this.packets.fill(0, size, end);
    this.time.fill(0, size, end);
  }
}

/**
 * Delta temporality for the traffic series, kept beside the series stores (which stay
 * cumulative: /metrics and --read are unchanged). Per series it holds the values of the last
 * push that was ACCEPTED by the receiver and that push's time: a point is the change since then,
 * from then. A chunk's points are staged while it is built and committed only when its request
 * succeeds; a refused request leaves its series' baselines as they were, so the next push carries
 * their change again: nothing lost, nothing counted twice. Series unchanged since their last
 * accepted push are not sent (as an SDK's delta reader does for a synchronous counter).
 *
 * Expiry compacts a store's entries: the baselines follow (SeriesFollower), and an idle series
 * whose last change has not been accepted yet is kept until it has (it then expires at the next
 * expiry check after that push). Memory: 24 bytes per series the store can hold.
 *
 * Use: for each chunk, begin(store, now), then change() per entry (and overflowChange()) as
 * TrafficMetrics.chunks builds it; after the request, commit() or discard().
 */
export class DeltaBaselines {
  readonly #stores: StoreBaseline[];
  #current: StoreBaseline | undefined;
  #now = 0;
  /** Staged (entry, bytes, packets) of the chunk being sent. */
  #entries = new Int32Array(64);
  #bytes = new Float64Array(64);
  #packets = new Float64Array(64);
  #n = 0;
  #overflow = false;
  #overflowBytes = 0;
  #overflowPackets = 0;
  /** Set by change() / overflowChange(): the point to export. */
  bytes = 0;
  packets = 0;
  /** Start of the point (ms): the last accepted push of the series, else the series' start. */
  since = 0;

  constructor(stores: readonly SeriesStore[]) {
    this.#stores = stores.map((s) => new StoreBaseline(s));
  }

  /** Starts staging a chunk of store `i`'s series, pushed at `now` (epoch ms, > 0); drops what was staged. */
  begin(i: number, now: number): void {
    const b = this.#stores[i];
    b.ensure();
    this.#current = b;
    this.#now = now;
    this.#n = 0;
    this.#overflow = false;
  }

  /**
   * Entry e's change since its last accepted push (in `bytes`, `packets`, `since`), staged for
   * commit; false (nothing staged) when it has not changed.
   */
  change(e: number): boolean {
    const b = this.#current!;
    const s = b.store;
    const cb = s.bytes[e];
    const cp = s.packets[e];
    const pushed = b.time[e] !== 0;
    const bb = pushed ? b.bytes[e] : 0;
    const bp = pushed ? b.packets[e] : 0;
    if (cb === bb && cp === bp) return false;
    this.bytes = cb - bb;
    this.packets = cp - bp;
    this.since = pushed ? b.time[e] : s.start[e];
    if (this.#n === this.#entries.length) this.#growStage();
    this.#entries[this.#n] = e;
    this.#bytes[this.#n] = cb;
    this.#packets[this.#n] = cp;
    this.#n++;
    return true;
  }

  /** The overflow series' change, as change() does for an entry. */
  overflowChange(): boolean {
    const b = this.#current!;
    const o = b.store.overflow;
    const pushed = b.overflow.time !== 0;
    const bb = pushed ? b.overflow.bytes : 0;
    const bp = pushed ? b.overflow.packets : 0;
    if (!o.present || (o.bytes === bb && o.packets === bp)) return false;
    this.bytes = o.bytes - bb;
    this.packets = o.packets - bp;
    this.since = pushed ? b.overflow.time : o.start;
    this.#overflow = true;
    this.#overflowBytes = o.bytes;
    this.#overflowPackets = o.packets;
    return true;
  }

  /** The staged chunk was accepted: its values become the baselines, its push time their start. */
  commit(): void {
    const b = this.#current;
    if (!b) return;
    for (let k = 0; k < this.#n; k++) {
      const e = this.#entries[k];
      b.bytes[e] = this.#bytes[k];
      b.packets[e] = this.#packets[k];
      b.time[e] = this.#now;
    }
    if (this.#overflow) {
      b.overflow.bytes = this.#overflowBytes;
      b.overflow.packets = this.#overflowPackets;
      b.overflow.time = this.#now;
    }
    this.discard();
  }

  /** The staged chunk was refused: baselines stay, the next push carries the change. */
  discard(): void {
    this.#n = 0;
    this.#overflow = false;
  }

  #growStage(): void {
    const n = this.#entries.length * 2;
    const e = new Int32Array(n);
    e.set(this.#entries);
    const by = new Float64Array(n);
    by.set(this.#bytes);
    const p = new Float64Array(n);
    p.set(this.#packets);
    this.#entries = e;
    this.#bytes = by;
    this.#packets = p;
  }
}

/**
 * Delta temporality for the self-telemetry and runtime sums (asynchronous counters: delta under
 * `delta`, cumulative under `lowmemory`). Their attribute sets are few and bounded, so baselines
 * are kept by metric name and attributes. convert() stages, commit() / discard() as above.
 */
export class SelfDeltas {
  readonly #base = new Map<string, { value: number; time: HrTime }>();
  #staged: Array<[string, number, HrTime]> = [];

  /** The metrics with every monotonic sum turned into its change since the last accepted push. */
  convert(metrics: readonly MetricData[]): MetricData[] {
    this.#staged = [];
    return metrics.map((m) => {
      if (m.dataPointType !== DataPointType.SUM || !m.isMonotonic || m.aggregationTemporality !== AggregationTemporality.CUMULATIVE) return m;
      return {
        ...m,
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPoints: m.dataPoints.map((dp) => {
          const key = `${m.descriptor.name}\u0000${JSON.stringify(Object.entries(dp.attributes).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
          const base = this.#base.get(key);
          this.#staged.push([key, dp.value, dp.endTime]);
          // A total below its baseline restarted: its change is all of it, from its own start.
          if (!base || dp.value < base.value) return dp;
          return { ...dp, value: dp.value - base.value, startTime: base.time };
        }),
      };
    });
  }

  commit(): void {
    for (const [key, value, time] of this.#staged) this.#base.set(key, { value, time });
    this.#staged = [];
  }

  discard(): void {
    this.#staged = [];
  }
}
