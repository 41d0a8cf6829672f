import type { Attributes, HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type {
  CollectionResult, MetricData, MetricDescriptor, MetricProducer, SumMetricData, ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType, ValueType } from './otel-packages.ts';
import type { Accountant } from '../account/accountant.ts';
import type { AggregationSpec } from '../account/aggregation-spec.ts';
import { KeyWord } from '../account/flow-key.ts';
import { KEY_WORDS, type FlowTable } from '../account/flow-table.ts';
import type { NetworkLabels } from '../account/network-labels.ts';
import { SeriesStore } from '../account/series-store.ts';
import { KeyShape, SideMode } from '../account/aggregation-spec.ts';
import type { DeltaBaselines } from './delta-baseline.ts';
import type { FlowAttributes } from './flow-attributes.ts';
import { ATTR_OVERFLOW, SCOPE } from './semconv.ts';

/** The metric names of aggregation `name`. */
export function trafficMetricNames(name: string): { bytes: string; packets: string } {
  return { bytes: `otelacct.${name}.bytes`, packets: `otelacct.${name}.packets` };
}

/**
 * The OpenTelemetry views that declare each traffic instrument's cardinality limit
 * (aggregationCardinalityLimit, the overflow series included). The series stores take their limit
 * from here: this is the one declaration; SeriesStore.add is the one enforcement.
 */
export function trafficViews(specs: readonly AggregationSpec[]): ViewOptions[] {
  return specs.flatMap((spec) => {
    const n = trafficMetricNames(spec.name);
    return [n.bytes, n.packets].map((instrumentName) => ({ instrumentName, aggregationCardinalityLimit: spec.cardinalityLimit }));
  });
}

export interface TrafficMetricsOptions {
  accountant: Accountant;
  /** One attribute builder per aggregation, in the accountant's order. */
  attributes: readonly FlowAttributes[];
  /** Interns named networks for the stores' keys (shared with the attribute builders). */
  labels: NetworkLabels;
  /** Called with flush errors (never throws). */
  onError: (err: unknown) => void;
  now?: () => number;
}

/** Counts the stores report (self-telemetry, live page). */
export interface StoreStats {
  /** Series held, all traffic metrics (bytes and packets each count). */
  series: number;
  /** Series dropped for being idle, all traffic metrics. */
  expired: number;
  /** Keys (one per flush in which they arrived) folded into an overflow series. */
  overflowed: number;
  /** Keys (one per flush) counted in a rolled-up series, per roll-up level 1..3. */
  rolled: [number, number, number];
}

/** One aggregation's series as TrafficMetrics.stored() hands them out. */
export interface StoredSeries {
  store: SeriesStore;
  /** Entries 0 .. end − 1 are the series to write (the overflow series apart). */
  end: number;
  spec: AggregationSpec;
  attributes: FlowAttributes;
  descriptors: { bytes: MetricDescriptor; packets: MetricDescriptor };
}

/** Which streams a chunk carries. */
export type Streams = 'bytes' | 'packets' | 'both';

/**
 * The traffic counters' export path. Memory is bounded by configuration, and a distinct key costs
 * about what a packet costs:
 *
 *   flow tables (per-flush deltas, typed arrays) --flush--> one SeriesStore per aggregation
 *   (cumulative, typed arrays: limit, roll-up, overflow, idle expiry) --chunks()--> MetricData
 *   of at most N points at a time --> the official serializer / OTLP exporter.
 *
 * No OpenTelemetry SDK call, string or object per key on the way in; attributes and data points
 * are built only while a chunk is exported, a chunk at a time. Every reader flushes first, so all
 * readers see the same cumulative values. See docs/design-export.md.
 */
export class TrafficMetrics implements MetricProducer {
  /** One store per aggregation, in the accountant's order. */
  readonly stores: readonly SeriesStore[];
  readonly #accountant: Accountant;
  readonly #attributes: readonly FlowAttributes[];
  readonly #labels: NetworkLabels;
  readonly #descriptors: Array<{ bytes: MetricDescriptor; packets: MetricDescriptor }>;
  readonly #onError: (err: unknown) => void;
  readonly #now: () => number;
  readonly #key = new Uint32Array(KEY_WORDS);
  #resource: Resource | undefined;
  #chain: Promise<void> = Promise.resolve();
  readonly #drainListeners: Array<(aggregation: number, table: FlowTable) => void> = [];
  /**
   * Per aggregation: its flow table may get a gate once its store is closed (FlowTable.setGate):
   * per host (KeyShape.LOCAL_ADDRESS), with only per-network aggregations derived from it (they
   * read the stand-ins' networks). Never while a drain listener (the live page) reads the tables.
   */
  readonly #gateable: readonly boolean[];

  constructor(opts: TrafficMetricsOptions) {
    this.#accountant = opts.accountant;
    this.#attributes = opts.attributes;
    this.#labels = opts.labels;
    this.#onError = opts.onError;
    this.#now = opts.now ?? Date.now;
    const specs = opts.accountant.aggregations;
    const from = opts.accountant.derivedFrom;
    this.#gateable = specs.map((spec, i) => spec.shape === KeyShape.LOCAL_ADDRESS &&
      specs.every((s, j) => from[j] !== i || s.shape === KeyShape.LOCAL_NETWORK));
    const views = trafficViews(specs);
    this.stores = specs.map((spec, i) => new SeriesStore({
      words: spec.keyWords,
      limit: views[2 * i].aggregationCardinalityLimit ?? spec.cardinalityLimit,
      idleMs: spec.idleTimeout * 1000,
      policy: spec.overflowPolicy,
      rollable: spec.bMode === SideMode.ADDRESS,
      localSide: spec.localSide,
    }));
    this.#descriptors = specs.map((spec) => {
      const names = trafficMetricNames(spec.name);
      return {
        bytes: {
          name: names.bytes, unit: 'By', valueType: ValueType.INT,
          description: `IP bytes (IPv4 total length, IPv6 40 + payload length) by ${spec.dimensions.join(', ')}.`,
        },
        packets: { name: names.packets, unit: '{packet}', valueType: ValueType.INT, description: `IP packets by ${spec.dimensions.join(', ')}.` },
      };
    });
  }

  /**
   * Registers `listener` to see every flow table's contents at each flush, just before it is
   * emptied: the deltas since the previous flush (e.g. for live rates). It must not keep
   * references to the table's arrays and must not throw. Register it before counting starts: a
   * table with a listener gets no gate (FlowTable.setGate), and one registered later could still
   * see the stand-ins of the interval under way.
   */
  onDrain(listener: (aggregation: number, table: FlowTable) => void): void {
    this.#drainListeners.push(listener);
    // A listener sees every key (the live page's hosts): no table stops keys at a gate any more.
    for (const table of this.#accountant.flowTables) table.setGate(undefined);
  }

  /** The resource stamped on produced metrics. */
  setResource(resource: Resource): void {
    this.#resource = resource;
  }

  get resource(): Resource | undefined {
    return this.#resource;
  }

  /**
   * Moves everything the flow tables hold into the series stores. Calls are serialized; the
   * promise settles once this flush (and any before it) is in the stores. `afterDrain` runs
   * synchronously right after the tables were emptied, before any further packet is counted
   * (used to swap the networks table).
   */
  flush(afterDrain?: () => void): Promise<void> {
    return this.#enqueue(() => this.#flushOnce(afterDrain, 0));
  }

  /**
   * Makes room while counting (a table reached the flush mark): moves only the tables holding at
   * least `mark` keys. The others (per host, per site: keys counted again and again) keep
   * accumulating until the next full flush, so their series are not looked up once per partial
   * flush; each table triggers its own when it reaches the mark. Every reader flushes fully before
   * it collects.
   */
  flushFilling(mark: number): Promise<void> {
    return this.#enqueue(() => this.#flushOnce(undefined, mark));
  }

  #enqueue(step: () => void): Promise<void> {
    // Every flush runs, whatever happened to the one before; a failure is reported through
    // onError and never rejects the caller.
    this.#chain = this.#chain.then(step).catch((err: unknown) => this.#onError(err));
    return this.#chain;
  }

  #flushOnce(afterDrain: (() => void) | undefined, minKeys: number): void {
    const now = this.#now();
    // Derived aggregations (per host, per site) receive the entries of the tables emptied below.
    this.#accountant.derive(minKeys);
    const tables = this.#accountant.flowTables;
    const named = this.#accountant.tables.named;
    const labels = this.#labels;
    const key = this.#key;
    for (let i = 0; i < tables.length; i++) {
      const table = tables[i];
      if (minKeys > 0 && table.size < minKeys) continue;
      const store = this.stores[i];
      const spec = this.#accountant.aggregations[i];
      const w = table.width;
      const src = table.keys;
      // The flow table and the store keep the same words (spec.keyWords): keys move as they are,
      // but named-network entry numbers of the current networks table become labels that outlive it.
      const aNet = spec.aNet && named ? spec.keyWords.indexOf(KeyWord.A_NET) : -1;
      const bNet = spec.bNet && named ? spec.keyWords.indexOf(KeyWord.B_NET) : -1;
      if (aNet < 0 && bNet < 0) store.addAll(src, table.size, table.bytes, table.packets, now, table.hashes);
      else {
        for (let e = 0; e < table.size; e++) {
          const base = e * w;
          for (let j = 0; j < w; j++) key[j] = src[base + j];
          if (aNet >= 0 && key[aNet] !== 0) key[aNet] = labels.of(named!, key[aNet] - 1, spec.aMode === SideMode.PREFIX);
          if (bNet >= 0 && key[bNet] !== 0) key[bNet] = labels.of(named!, key[bNet] - 1, spec.bMode === SideMode.PREFIX);
          store.add(key, 0, table.bytes[e], table.packets[e], now);
        }
      }
      if (table.overflowPackets > 0) store.addOverflow(table.overflowBytes, table.overflowPackets, now);
      // Keys its gate stopped, once per flush each as the store would have counted them, instead
      // of the stand-ins that carried their packets (counted above as keys folded into overflow).
      store.counts.overflowed += table.gatedKeys - table.standIns;
      for (const listener of this.#drainListeners) {
        try {
          listener(i, table);
        } catch (err) {
          this.#onError(err);
        }
      }
      table.clear();
      if (!table.gated && this.#gateable[i] && store.closed && this.#drainListeners.length === 0) table.setGate(store.keyBits(gateBytes(store.limit)));
    }
    this.#accountant.tableFlushed();
    afterDrain?.();
  }

  /**
   * The cumulative traffic series, `maxPoints` data points per metric per chunk at most, for
   * exporters that encode a chunk at a time (call flush() first). Idle series are dropped before
   * the first chunk. The entries iterated are fixed when iteration starts (expiry waits for the
   * iteration to end; series added meanwhile appear next time). Iterate with for…of, so that an
   * early exit (break, throw) releases the stores.
   *
   * `streams`: 'both' yields [bytes, packets] chunks sharing attribute objects (OTLP);
   * 'bytes' / 'packets' yield one stream's chunks (Prometheus text keeps a metric's lines together).
   *
   * `delta` (OTLP delta temporality, with 'both'): each point is its series' change since its
   * last accepted push instead, unchanged series are left out, and each chunk is staged in
   * `delta` for the caller to commit or discard once its request is answered.
   */
  *chunks(maxPoints: number, streams: Streams = 'both', delta?: DeltaBaselines): Generator<MetricData[]> {
    const now = this.#now();
    const endTime = msToHr(now);
    const tmp = new Uint32Array(KEY_WORDS);
    for (let i = 0; i < this.stores.length; i++) {
      const store = this.stores[i];
      store.expire(now);
      const end = store.beginRead();
      try {
        const d = this.#descriptors[i];
        const attrs = this.#attributes[i];
        for (let from = 0; from < end || (from === 0 && store.overflow.present); from += maxPoints) {
          const to = Math.min(end, from + maxPoints);
          const temporality = delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
          const bytes = streams === 'packets' ? undefined : sum(d.bytes, temporality);
          const packets = streams === 'bytes' ? undefined : sum(d.packets, temporality);
          delta?.begin(i, now);
          for (let e = from; e < to; e++) {
            if (delta) {
              if (!delta.change(e)) continue;
              store.expand(e, tmp);
              const attributes = attrs.of(tmp, 0);
              const startTime = msToHr(delta.since);
              bytes?.dataPoints.push({ attributes, startTime, endTime, value: delta.bytes });
              packets?.dataPoints.push({ attributes, startTime, endTime, value: delta.packets });
              continue;
            }
            store.expand(e, tmp);
            const attributes = attrs.of(tmp, 0);
            const startTime = msToHr(store.start[e]);
            bytes?.dataPoints.push({ attributes, startTime, endTime, value: store.bytes[e] });
            packets?.dataPoints.push({ attributes, startTime, endTime, value: store.packets[e] });
          }
          if (to >= end && delta?.overflowChange()) {
            const attributes: Attributes = { [ATTR_OVERFLOW]: true };
            const startTime = msToHr(delta.since);
            bytes?.dataPoints.push({ attributes, startTime, endTime, value: delta.bytes });
            packets?.dataPoints.push({ attributes, startTime, endTime, value: delta.packets });
          } else if (to >= end && store.overflow.present && !delta) {
            const o = store.overflow;
            const attributes: Attributes = { [ATTR_OVERFLOW]: true };
            const startTime = msToHr(o.start);
            bytes?.dataPoints.push({ attributes, startTime, endTime, value: o.bytes });
            packets?.dataPoints.push({ attributes, startTime, endTime, value: o.packets });
          }
          const out: MetricData[] = [];
          if (bytes && bytes.dataPoints.length > 0) out.push(bytes);
          if (packets && packets.dataPoints.length > 0) out.push(packets);
          if (out.length > 0) yield out;
          if (to >= end) break;
        }
      } finally {
        store.endRead();
      }
    }
  }

  /**
   * The stores, for writers that read the series straight from them (the Prometheus text:
   * series-lines.ts): per aggregation in order, its store with idle series dropped and held for
   * reading (entries 0 .. end − 1 stay where they are until the iteration moves on), its
   * aggregation, attribute builder and metric descriptors. Call flush() first; iterate with for…of.
   */
  *stored(): Generator<StoredSeries> {
    const now = this.#now();
    for (let i = 0; i < this.stores.length; i++) {
      const store = this.stores[i];
      store.expire(now);
      const end = store.beginRead();
      try {
        yield { store, end, spec: this.#accountant.aggregations[i], attributes: this.#attributes[i], descriptors: this.#descriptors[i] };
      } finally {
        store.endRead();
      }
    }
  }

  /**
   * MetricProducer: every series in one collection. Its size grows with the series held: the
   * exporters of otelacct use chunks() instead; this serves small stores and tests.
   */
  async collect(): Promise<CollectionResult> {
    await this.flush();
    const metrics: MetricData[] = [];
    for (const stream of ['bytes', 'packets'] as const) {
      for (const chunk of this.chunks(Number.MAX_SAFE_INTEGER, stream)) metrics.push(...chunk);
    }
    return {
      resourceMetrics: {
        resource: this.#resource as Resource,
        scopeMetrics: [{ scope: SCOPE, metrics }],
      },
      errors: [],
    };
  }

  /** Metric → cumulative value of its overflow series, for the metrics that have one. */
  overflowTotals(): Map<string, number> {
    const out = new Map<string, number>();
    this.stores.forEach((store, i) => {
      if (!store.overflow.present) return;
      const d = this.#descriptors[i];
      out.set(d.bytes.name, store.overflow.bytes);
      out.set(d.packets.name, store.overflow.packets);
    });
    return out;
  }

  stats(): StoreStats {
    const out: StoreStats = { series: 0, expired: 0, overflowed: 0, rolled: [0, 0, 0] };
    for (const s of this.stores) {
      out.series += 2 * s.series;
      out.expired += 2 * s.counts.expired;
      out.overflowed += s.counts.overflowed;
      for (let l = 1; l <= 3; l++) out.rolled[l - 1] += s.counts.rolled[l];
    }
    return out;
  }

  /** Bytes held by the stores' arrays. */
  memoryBytes(): number {
    let n = 0;
    for (const s of this.stores) n += s.memoryBytes();
    return n;
  }

  async shutdown(): Promise<void> {
    await this.#chain;
  }
}

function sum(descriptor: MetricDescriptor, aggregationTemporality: AggregationTemporality): SumMetricData {
  return {
    descriptor, aggregationTemporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: [],
  };
}

function msToHr(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

/**
 * Bytes of the gate of a per-host table whose store is closed (FlowTable.setGate): a power of two
 * of at least 16 bits per key the store may hold (64 KiB for 20,000), so that a key the store does
 * not hold shares a bit with one it holds, and is counted as before, ~1 time in 16 at most.
 */
function gateBytes(limit: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(64, limit * 2)));
}
