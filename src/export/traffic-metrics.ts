import { ValueType, type Counter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality, MeterProvider, MetricReader, type CollectionResult, type MetricProducer, type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import type { Accountant } from '../account/accountant.ts';
import { KEY_WORDS, type FlowTable } from '../account/flow-table.ts';
import { VERSION } from '../version.ts';
import { CumulativeStore, seriesKey } from './cumulative-store.ts';
import type { FlowAttributes } from './flow-attributes.ts';
import { ATTR_OVERFLOW, SCOPE_NAME } from './semconv.ts';

/** A reader that only collects when asked, with delta temporality: the SDK forgets after each. */
class DeltaReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The metric names of aggregation `name`. */
export function trafficMetricNames(name: string): { bytes: string; packets: string } {
  return { bytes: `otelacct.${name}.bytes`, packets: `otelacct.${name}.packets` };
}

export interface TrafficMetricsOptions {
  accountant: Accountant;
  /** One attribute builder per aggregation, in the accountant's order. */
  attributes: readonly FlowAttributes[];
  /** Called with collection errors (never throws). */
  onError: (err: unknown) => void;
  now?: () => number;
}

interface Instruments { bytes: Counter; packets: Counter }

/**
 * The traffic counters' export path, designed so that memory stays bounded by configuration:
 *
 *   flow tables --(flush: one Counter.add per key)--> private MeterProvider, one view per
 *   instrument with the aggregation's aggregationCardinalityLimit, DELTA reader --(collect)-->
 *   CumulativeStore (expiry, limit) --(MetricProducer)--> every public reader.
 *
 * The SDK never holds more than one interval's keys (delta temporality forgets them), the store
 * holds at most the limit per metric, and idle series leave. Every public reader calling
 * `collect()` first flushes what was counted since the last flush, so all readers see the same
 * cumulative values. See docs/design-export.md.
 */
export class TrafficMetrics implements MetricProducer {
  readonly store: CumulativeStore;
  readonly #accountant: Accountant;
  readonly #attributes: readonly FlowAttributes[];
  readonly #provider: MeterProvider;
  readonly #reader = new DeltaReader();
  readonly #instruments: Instruments[];
  /** The bytes metric name of each aggregation (the store's key for room checks). */
  readonly #names: string[];
  readonly #onError: (err: unknown) => void;
  #resource: Resource | undefined;
  #chain: Promise<void> = Promise.resolve();
  readonly #drainListeners: Array<(aggregation: number, table: FlowTable) => void> = [];

  constructor(opts: TrafficMetricsOptions) {
    this.#accountant = opts.accountant;
    this.#attributes = opts.attributes;
    this.#onError = opts.onError;
    const specs = opts.accountant.aggregations;
    const limits = new Map<string, number>();
    const idle = new Map<string, number>();
    const views: ViewOptions[] = [];
    for (const spec of specs) {
      const names = trafficMetricNames(spec.name);
      for (const n of [names.bytes, names.packets]) {
        limits.set(n, spec.cardinalityLimit);
        idle.set(n, spec.idleTimeout * 1000);
        views.push({ instrumentName: n, aggregationCardinalityLimit: spec.cardinalityLimit });
      }
    }
    this.store = new CumulativeStore((metric) => limits.get(metric) ?? 2000, (metric) => idle.get(metric) ?? 0, opts.now);
    this.#provider = new MeterProvider({ views, readers: [this.#reader] });
    const meter = this.#provider.getMeter(SCOPE_NAME, VERSION);
    this.#names = specs.map((spec) => trafficMetricNames(spec.name).bytes);
    this.#instruments = specs.map((spec) => {
      const names = trafficMetricNames(spec.name);
      return {
        bytes: meter.createCounter(names.bytes, {
          unit: 'By', valueType: ValueType.INT,
          description: `IP bytes (IPv4 total length, IPv6 40 + payload length) by ${spec.dimensions.join(', ')}.`,
        }),
        packets: meter.createCounter(names.packets, {
          unit: '{packet}', valueType: ValueType.INT, description: `IP packets by ${spec.dimensions.join(', ')}.`,
        }),
      };
    });
  }

  /**
   * Registers `listener` to see every flow table's contents at each flush, just before it is
   * emptied: the deltas since the previous flush (e.g. for live rates). It must not keep
   * references to the table's arrays and must not throw.
   */
  onDrain(listener: (aggregation: number, table: FlowTable) => void): void {
    this.#drainListeners.push(listener);
  }

  /** The resource stamped on produced metrics (the readers use their provider's own). */
  setResource(resource: Resource): void {
    this.#resource = resource;
  }

  /**
   * Moves everything the flow tables hold into the cumulative store. Calls are serialized; the
   * promise settles once this flush (and any before it) is in the store. `afterDrain` runs
   * synchronously right after the tables were emptied, before any further packet is counted
   * (used to swap the networks table).
   */
  flush(afterDrain?: () => void): Promise<void> {
    // Every flush runs, whatever happened to the one before; a failure is reported through
    // onError and never rejects the caller (a scrape or a push then serves what the store has).
    this.#chain = this.#chain.then(() => this.#flushOnce(afterDrain)).catch((err: unknown) => this.#onError(err));
    return this.#chain;
  }

  async #flushOnce(afterDrain: (() => void) | undefined): Promise<void> {
    const tables = this.#accountant.flowTables;
    for (let i = 0; i < tables.length; i++) {
      const table = tables[i];
      const { bytes, packets } = this.#instruments[i];
      const attrs = this.#attributes[i];
      const bytesName = this.#names[i];
      // Keys the store has no room for would only be folded into the overflow series after a
      // trip through the SDK: add them to the overflow directly (same result, much cheaper
      // during an address scan).
      let overflowBytes = table.overflowBytes;
      let overflowPackets = table.overflowPackets;
      for (let e = 0; e < table.size; e++) {
        const attributes = attrs.of(table.keys, e * KEY_WORDS);
        if (this.store.wouldOverflow(bytesName, seriesKey(attributes))) {
          overflowBytes += table.bytes[e];
          overflowPackets += table.packets[e];
          continue;
        }
        bytes.add(table.bytes[e], attributes);
        packets.add(table.packets[e], attributes);
      }
      for (const listener of this.#drainListeners) listener(i, table);
      if (overflowPackets > 0) {
        const attributes = { [ATTR_OVERFLOW]: true };
        bytes.add(overflowBytes, attributes);
        packets.add(overflowPackets, attributes);
      }
      table.clear();
    }
    this.#accountant.tableFlushed();
    afterDrain?.();
    const { resourceMetrics, errors } = await this.#reader.collect();
    for (const e of errors) this.#onError(e);
    this.store.merge(resourceMetrics);
  }

  async collect(): Promise<CollectionResult> {
    await this.flush();
    return {
      resourceMetrics: {
        resource: this.#resource as Resource,
        scopeMetrics: [{ scope: { name: SCOPE_NAME, version: VERSION }, metrics: this.store.snapshot() }],
      },
      errors: [],
    };
  }

  async shutdown(): Promise<void> {
    await this.#provider.shutdown();
  }
}
