import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type IMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Accountant } from '../account/accountant.ts';
import type { InterfaceRegistry } from '../capture/interface-registry.ts';
import type { KernelStats } from '../capture/kernel-stats.ts';
import type { Config } from '../config/schema.ts';
import { createOtlpReader } from './otlp-reader.ts';
import { SelfTelemetry, type ExportHealth } from './self-telemetry.ts';
import type { TrafficMetrics } from './traffic-metrics.ts';

/** A reader collected on demand (the --read output); cumulative like the Prometheus one. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface TelemetryOptions {
  config: Config;
  resource: Resource;
  traffic: TrafficMetrics;
  accountant: Accountant;
  interfaces: InterfaceRegistry;
  /** OTLP URL, or undefined for no OTLP. */
  otlpUrl: string | undefined;
  /** Add a reader for printing the final counters (--read). */
  outputReader: boolean;
  /** Kernel drop counters of live captures, if any. */
  kernel?: KernelStats;
  /** Live interfaces: index → capturing now. */
  interfaceUp?: () => ReadonlyMap<number, boolean> | undefined;
  onError: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The one public MeterProvider: its readers (Prometheus pull, OTLP push, the --read output) all
 * receive the traffic metrics (TrafficMetrics) and otelacct's self-telemetry (SelfTelemetry)
 * through MetricProducers. Only readers that will be collected are attached.
 */
export class Telemetry {
  readonly provider: MeterProvider;
  readonly prometheus: PrometheusExporter | undefined;
  readonly output: MetricReader | undefined;
  readonly health: ExportHealth = { exportFailures: 0 };
  readonly #traffic: TrafficMetrics;

  constructor(o: TelemetryOptions) {
    this.#traffic = o.traffic;
    o.traffic.setResource(o.resource);
    const self = new SelfTelemetry({ accountant: o.accountant, interfaces: o.interfaces, store: o.traffic.store, health: this.health, kernel: o.kernel, interfaceUp: o.interfaceUp });
    self.setResource(o.resource);
    // Self-telemetry first: it then reflects the state before this collection's flush, the
    // same moment for every reader.
    const producers = [self, o.traffic];
    const readers: IMetricReader[] = [];
    if (o.config.prometheus.enabled) {
      this.prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: producers });
      readers.push(this.prometheus);
    }
    if (o.otlpUrl) readers.push(createOtlpReader(o.config, o.otlpUrl, producers, this.health, o.onError));
    if (o.outputReader) {
      this.output = new OnDemandReader({ metricProducers: producers });
      readers.push(this.output);
    }
    // No instrument is ever created on this provider: all data comes from the producers, so the
    // SDK keeps no per-reader state that could grow for a reader that does not collect.
    this.provider = new MeterProvider({ resource: o.resource, readers });
  }

  /** Collects through the output reader (only when created with outputReader). */
  async collectOutput(): Promise<ResourceMetrics> {
    if (!this.output) throw new Error('telemetry: no output reader');
    const { resourceMetrics } = await this.output.collect();
    return resourceMetrics;
  }

  /** Final flush: every push reader exports once more, then everything stops. */
  async shutdown(): Promise<void> {
    await this.#traffic.flush();
    await this.provider.shutdown();
    await this.#traffic.shutdown();
  }
}
