import { ValueType, type Counter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality, MeterProvider, MetricReader, type CollectionResult, type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Accountant } from '../account/accountant.ts';
import { KEY_WORDS } from '../account/flow-table.ts';
import type { FlowAttributes } from './flow-attributes.ts';
import { CumulativeStore } from './cumulative-store.ts';
import { ATTR_OVERFLOW, METRIC_TRAFFIC_BYTES, METRIC_TRAFFIC_PACKETS, SCOPE_NAME } from './semconv.ts';
import { VERSION } from '../version.ts';

/** A reader that only collects when asked, with delta temporality: the SDK forgets after each. */
class DeltaReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface TrafficMetricsOptions {
  accountant: Accountant;
  attributes: FlowAttributes;
  /** Series per traffic metric, the overflow series included (view aggregationCardinalityLimit). */
  cardinalityLimit: number;
  /** Drop series idle this long (ms); 0 never. */
  idleTimeoutMs: number;
  /** Called with collection errors (never throws). */
  onError: (err: unknown) => void;
  now?: () => number;
}

/**
 * The traffic counters' export path, designed so that memory stays bounded by configuration:
 *
 *   flow table --(flush: one Counter.add per key)--> private MeterProvider, views with
 *   aggregationCardinalityLimit, DELTA reader --(collect)--> CumulativeStore (expiry, limit)
 *   --(MetricProducer)--> every public reader (Prometheus, OTLP, --read output).
 *
 * The SDK never holds more than one interval's keys (delta temporality forgets them), the store
 * holds at most `cardinalityLimit` series per metric, and idle series leave. Every public reader
 * calling `collect()` first flushes what was counted since the last flush, so all readers see
 * the same cumulative values.
 */
export class TrafficMetrics implements MetricProducer {
  readonly store: CumulativeStore;
  readonly #accountant: Accountant;
  readonly #attributes: FlowAttributes;
  readonly #provider: MeterProvider;
  readonly #reader = new DeltaReader();
  readonly #bytes: Counter;
  readonly #packets: Counter;
  readonly #onError: (err: unknown) => void;
  #resource: Resource | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(opts: TrafficMetricsOptions) {
    this.#accountant = opts.accountant;
    this.#attributes = opts.attributes;
    this.#onError = opts.onError;
    this.store = new CumulativeStore(opts.cardinalityLimit, opts.idleTimeoutMs, opts.now);
    const limit = opts.cardinalityLimit;
    this.#provider = new MeterProvider({
      views: [
        { instrumentName: METRIC_TRAFFIC_BYTES, aggregationCardinalityLimit: limit },
        { instrumentName: METRIC_TRAFFIC_PACKETS, aggregationCardinalityLimit: limit },
      ],
      readers: [this.#reader],
    });
    const meter = this.#provider.getMeter(SCOPE_NAME, VERSION);
    this.#bytes = meter.createCounter(METRIC_TRAFFIC_BYTES, {
      unit: 'By', valueType: ValueType.INT,
      description: 'IP bytes (IPv4 total length, IPv6 40 + payload length) of the packets counted.',
    });
    this.#packets = meter.createCounter(METRIC_TRAFFIC_PACKETS, {
      unit: '{packet}', valueType: ValueType.INT, description: 'IP packets counted.',
    });
  }

  /** The resource stamped on produced metrics (the readers use their provider's own). */
  setResource(resource: Resource): void {
    this.#resource = resource;
  }

  /**
   * Moves everything the flow table holds into the cumulative store. Calls are serialized;
   * the returned promise settles once this flush (and any before it) is in the store.
   */
  flush(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#flushOnce(), (err) => this.#onError(err));
    return this.#chain;
  }

  async #flushOnce(): Promise<void> {
    const table = this.#accountant.table;
    const { keys, bytes, packets, used } = table;
    for (let i = 0; i < table.size; i++) {
      const slot = used[i];
      const attributes = this.#attributes.of(keys, slot * KEY_WORDS);
      this.#bytes.add(bytes[slot], attributes);
      this.#packets.add(packets[slot], attributes);
    }
    if (table.overflowPackets > 0) {
      const attributes = { [ATTR_OVERFLOW]: true };
      this.#bytes.add(table.overflowBytes, attributes);
      this.#packets.add(table.overflowPackets, attributes);
    }
    table.clear();
    this.#accountant.tableFlushed();
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
