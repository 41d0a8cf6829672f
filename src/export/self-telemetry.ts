import type { Attributes, HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType, hrTime, ValueType } from './otel-packages.ts';
import type { Accountant } from '../account/accountant.ts';
import type { InterfaceRegistry } from '../capture/interface-registry.ts';
import type { KernelStats } from '../capture/kernel-stats.ts';
import { DECODE_STATUS_NAMES } from '../decode/decode-result.ts';
import type { StoreStats } from './traffic-metrics.ts';
import {
  ATTR_ERROR_TYPE, ATTR_NETWORK_INTERFACE_NAME, ATTR_ROLLUP_LEVEL, METRIC_CAPTURE_DROPPED, METRIC_CAPTURE_INTERFACE_UP,
  METRIC_CAPTURE_PACKETS, METRIC_DECODE_ERRORS, METRIC_EXPORT_FAILURES, METRIC_FLOW_TABLE_ENTRIES, METRIC_SAMPLING_RATE,
  METRIC_SERIES, METRIC_SERIES_EXPIRED, METRIC_SERIES_OVERFLOWED, METRIC_SERIES_ROLLED_UP, SCOPE,
} from './semconv.ts';

/** Counters an exporter keeps about its own health (OTLP export failures). */
export interface ExportHealth {
  exportFailures: number;
}

export interface SelfTelemetrySources {
  accountant: Accountant;
  interfaces: InterfaceRegistry;
  store: { stats(): StoreStats };
  health: ExportHealth;
  /** Kernel drop counters of live captures, if any. */
  kernel: KernelStats | undefined;
  /** Live interfaces: index → capturing now (undefined: not capturing live). */
  interfaceUp?: () => ReadonlyMap<number, boolean> | undefined;
  /** The flow collector's metrics (flow-telemetry.ts), when it runs. */
  flow?: (start: HrTime, now: HrTime) => MetricData[];
  /** Interface indexes that are flow listeners, not captures (no otelacct.capture.packets series). */
  flowInterfaces?: () => ReadonlySet<number>;
}

type Point = [number, Attributes];

/**
 * otelacct's self-telemetry, produced at collection time from counters the components keep
 * (nothing on the packet path). It is a MetricProducer rather than SDK instruments on purpose:
 * the public MeterProvider then holds no instrument state at all, so a reader that is never
 * collected (a Prometheus endpoint nobody scrapes) makes the SDK stash nothing for it. Every
 * attribute set is bounded (interfaces, decode reasons). Counters are cumulative from `start`.
 */
export class SelfTelemetry implements MetricProducer {
  readonly #s: SelfTelemetrySources;
  readonly #start: HrTime = hrTime();
  #resource: Resource | undefined;

  constructor(sources: SelfTelemetrySources) {
    this.#s = sources;
  }

  setResource(resource: Resource): void {
    this.#resource = resource;
  }

  async collect(): Promise<CollectionResult> {
    return {
      resourceMetrics: {
        resource: this.#resource as Resource,
        scopeMetrics: [{ scope: SCOPE, metrics: this.metrics() }],
      },
      errors: [],
    };
  }

  /** The self-telemetry as of now. */
  metrics(): MetricData[] {
    const { accountant, interfaces, store, health, kernel, interfaceUp } = this.#s;
    const now = hrTime();
    const names = interfaces.names();
    const flowIfs = this.#s.flowInterfaces?.();
    const frames: Point[] = names.flatMap((n, i): Point[] => (flowIfs?.has(i) ? [] : [[accountant.framesByInterface[i], { [ATTR_NETWORK_INTERFACE_NAME]: n }]]));
    const errors: Point[] = [];
    for (let s = 1; s < DECODE_STATUS_NAMES.length; s++) errors.push([accountant.decodeErrors[s], { [ATTR_ERROR_TYPE]: DECODE_STATUS_NAMES[s] }]);
    const drops: Point[] = [];
    if (kernel) {
      kernel.poll();
      for (const [index, n] of kernel.drops()) drops.push([n, { [ATTR_NETWORK_INTERFACE_NAME]: interfaces.name(index) }]);
    }
    let entries = 0;
    for (const t of accountant.flowTables) entries += t.size;
    const st = store.stats();
    const sum = (name: string, unit: string, description: string, points: Point[]): MetricData => ({
      descriptor: { name, unit, description, valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: points.map(([value, attributes]) => ({ attributes, value, startTime: this.#start, endTime: now })),
    });
    const gauge = (name: string, unit: string, description: string, value: number): MetricData => ({
      descriptor: { name, unit, description, valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [{ attributes: {}, value, startTime: now, endTime: now }],
    });
    const out = [
      sum(METRIC_CAPTURE_PACKETS, '{packet}', 'Frames received from the capture, per interface, whether accounted or not.', frames),
      sum(METRIC_DECODE_ERRORS, '{packet}', 'Frames not accounted, by error.type (not_ip, truncated_ip, unsupported_link_type, ...).', errors),
      gauge(METRIC_FLOW_TABLE_ENTRIES, '{entry}', 'Keys in the flow tables (all aggregations) since their last flush.', entries),
      gauge(METRIC_SERIES, '{series}', 'Traffic series held for export (all traffic metrics).', st.series),
      sum(METRIC_SERIES_EXPIRED, '{series}', 'Traffic series dropped after export.idleTimeout without traffic.', [[st.expired, {}]]),
      sum(METRIC_SERIES_OVERFLOWED, '{key}', 'Keys (counted once per flush in which they arrived) folded into an otel.metric.overflow series because their traffic metric held its cardinality limit.', [[st.overflowed, {}]]),
      sum(METRIC_SERIES_ROLLED_UP, '{key}', 'Keys (counted once per flush in which they arrived) counted in a rolled-up series (export.overflowPolicy rollup), by level: 1 = /24 (IPv6 /48), 2 = /16 (/32), 3 = /0.', st.rolled.map((n, i): Point => [n, { [ATTR_ROLLUP_LEVEL]: i + 1 }])),
      sum(METRIC_EXPORT_FAILURES, '{export}', 'OTLP exports that failed.', [[health.exportFailures, {}]]),
      gauge(METRIC_SAMPLING_RATE, '1', 'Effective sampling rate N: 1 packet in N is counted, its bytes and packets scaled by N.', accountant.samplingRate),
    ];
    const up = interfaceUp?.();
    if (up) {
      out.push({
        descriptor: { name: METRIC_CAPTURE_INTERFACE_UP, unit: '1', valueType: ValueType.INT, description: 'Whether otelacct is capturing on the interface now (0: lost or down, watched for its return).' },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: [...up].map(([index, capturing]) => ({ attributes: { [ATTR_NETWORK_INTERFACE_NAME]: interfaces.name(index) }, value: capturing ? 1 : 0, startTime: now, endTime: now })),
      });
    }
    if (this.#s.flow) out.push(...this.#s.flow(this.#start, now));
    if (kernel && drops.length > 0) {
      out.splice(1, 0, sum(METRIC_CAPTURE_DROPPED, '{packet}', 'Packets the kernel dropped before otelacct could read them (capture buffer full), per interface; live capture only.', drops));
    }
    return out;
  }
}
