import type { Attributes, HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { AggregationTemporality, DataPointType, hrTime, ValueType } from './otel-packages.ts';
import {
  ATTR_CPU_MODE, ATTR_V8JS_HEAP_SPACE_NAME, METRIC_NODEJS_EVENTLOOP_DELAY_MAX, METRIC_NODEJS_EVENTLOOP_DELAY_P50,
  METRIC_NODEJS_EVENTLOOP_DELAY_P99, METRIC_PROCESS_CPU_TIME, METRIC_PROCESS_MEMORY_USAGE, METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE,
  METRIC_V8JS_MEMORY_HEAP_USED, SCOPE,
} from './semconv.ts';

/** How often the event-loop delay window restarts (its percentiles describe the last window). */
const LOOP_WINDOW_MS = 60_000;

/**
 * Process and runtime metrics under the semantic conventions' names (process.*, v8js.*,
 * nodejs.eventloop.*): what an SRE graphs first for a meter that must not fall behind. Read from
 * Node at collection time (process.cpuUsage, process.memoryUsage, v8 heap spaces) plus one
 * event-loop delay histogram sampled by libuv every 20 ms: no dependency, a few microseconds per
 * collection, nothing on the packet path. The delay percentiles describe the current window
 * (restarted every minute), the same for every reader.
 */
export class RuntimeMetrics implements MetricProducer {
  readonly #start: HrTime = hrTime();
  readonly #loop: ReturnType<typeof monitorEventLoopDelay> = monitorEventLoopDelay({ resolution: 20 });
  readonly #timer: NodeJS.Timeout;
  #resource: Resource | undefined;

  constructor() {
    this.#loop.enable();
    this.#timer = setInterval(() => this.#loop.reset(), LOOP_WINDOW_MS).unref();
  }

  setResource(resource: Resource): void {
    this.#resource = resource;
  }

  async collect(): Promise<CollectionResult> {
    return {
      resourceMetrics: { resource: this.#resource as Resource, scopeMetrics: [{ scope: SCOPE, metrics: this.metrics() }] },
      errors: [],
    };
  }

  /** The runtime metrics as of now. */
  metrics(): MetricData[] {
    const now = hrTime();
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const point = (value: number, attributes: Attributes = {}, startTime: HrTime = now) => ({ attributes, value, startTime, endTime: now });
    const gauge = (name: string, unit: string, description: string, points: ReturnType<typeof point>[], valueType = ValueType.INT): MetricData => ({
      descriptor: { name, unit, description, valueType }, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: points,
    });
    const heap = getHeapSpaceStatistics();
    const loop = this.#loop;
    const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    return [
      {
        descriptor: { name: METRIC_PROCESS_CPU_TIME, unit: 's', description: 'CPU time of the otelacct process, by mode.', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true,
        dataPoints: [point(cpu.user / 1e6, { [ATTR_CPU_MODE]: 'user' }, this.#start), point(cpu.system / 1e6, { [ATTR_CPU_MODE]: 'system' }, this.#start)],
      },
      gauge(METRIC_PROCESS_MEMORY_USAGE, 'By', 'Resident set size of the otelacct process.', [point(mem.rss)]),
      gauge(METRIC_V8JS_MEMORY_HEAP_USED, 'By', 'V8 heap used, by heap space.', heap.map((s) => point(s.space_used_size, { [ATTR_V8JS_HEAP_SPACE_NAME]: s.space_name }))),
      gauge(METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE, 'By', 'V8 heap size reserved, by heap space.', heap.map((s) => point(s.space_size, { [ATTR_V8JS_HEAP_SPACE_NAME]: s.space_name }))),
      gauge(METRIC_NODEJS_EVENTLOOP_DELAY_P50, 's', 'Event loop delay, median over the current one-minute window.', [point(seconds(loop.percentile(50)))], ValueType.DOUBLE),
      gauge(METRIC_NODEJS_EVENTLOOP_DELAY_P99, 's', 'Event loop delay, 99th percentile over the current one-minute window.', [point(seconds(loop.percentile(99)))], ValueType.DOUBLE),
      gauge(METRIC_NODEJS_EVENTLOOP_DELAY_MAX, 's', 'Event loop delay, maximum over the current one-minute window.', [point(seconds(loop.max))], ValueType.DOUBLE),
    ];
  }

  shutdown(): void {
    clearInterval(this.#timer);
    this.#loop.disable();
  }
}
