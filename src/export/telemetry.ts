import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type IMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Accountant } from '../account/accountant.ts';
import type { InterfaceRegistry } from '../capture/interface-registry.ts';
import type { KernelStats } from '../capture/kernel-stats.ts';
import type { Config } from '../config/schema.ts';
import { VERSION } from '../version.ts';
import { createOtlpReader } from './otlp-reader.ts';
import { registerSelfTelemetry, type ExportHealth } from './self-telemetry.ts';
import { SCOPE_NAME } from './semconv.ts';
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
  onError: (message: string) => void;
}

/**
 * The one public MeterProvider: its readers (Prometheus pull, OTLP push, the --read output) all
 * receive the traffic metrics through the TrafficMetrics producer plus otelacct's
 * self-telemetry. Only readers that will be collected are attached (a reader that never
 * collects would make the SDK stash data for it).
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
    const readers: IMetricReader[] = [];
    if (o.config.prometheus.enabled) {
      this.prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [o.traffic] });
      readers.push(this.prometheus);
    }
    if (o.otlpUrl) readers.push(createOtlpReader(o.config, o.otlpUrl, [o.traffic], this.health, o.onError));
    if (o.outputReader) {
      this.output = new OnDemandReader({ metricProducers: [o.traffic] });
      readers.push(this.output);
    }
    this.provider = new MeterProvider({ resource: o.resource, readers });
    registerSelfTelemetry(this.provider.getMeter(SCOPE_NAME, VERSION), o.accountant, o.interfaces, o.traffic.store, this.health, o.kernel);
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
