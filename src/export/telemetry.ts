import type { Resource } from '@opentelemetry/resources';
import type { IMetricReader, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { MeterProvider, MetricReader, PrometheusExporter } from './otel-packages.ts';
import type { Accountant } from '../account/accountant.ts';
import type { InterfaceRegistry } from '../capture/interface-registry.ts';
import type { KernelStats } from '../capture/kernel-stats.ts';
import type { Config } from '../config/schema.ts';
import { writeJson, writeOpenMetricsText, writePrometheusText, type Write } from './final-output.ts';
import type { ExpositionFormat } from './openmetrics.ts';
import type { OtlpPush } from './otlp-push.ts';
import { RuntimeMetrics } from './runtime-metrics.ts';
import type { OtlpSettings } from './otlp-settings.ts';
import { SelfTelemetry, type ExportHealth, type SelfTelemetrySources } from './self-telemetry.ts';
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
  /** Where and how to push OTLP, or undefined for no OTLP. */
  otlp: OtlpSettings | undefined;
  /** Add a reader for printing the final counters (--read). */
  outputReader: boolean;
  /** Kernel drop counters of live captures, if any. */
  kernel?: KernelStats;
  /** Live interfaces: index → capturing now. */
  interfaceUp?: () => ReadonlyMap<number, boolean> | undefined;
  /** The flow collector's self-telemetry and its listeners' interface indexes. */
  flow?: SelfTelemetrySources['flow'];
  flowInterfaces?: SelfTelemetrySources['flowInterfaces'];
  onError: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The one public MeterProvider and the ways metrics leave: Prometheus pull (/metrics), OTLP push,
 * the --read output. The self-telemetry (SelfTelemetry) reaches the provider's readers as a
 * MetricProducer; the traffic series (TrafficMetrics) are streamed beside it a chunk at a time
 * (writePrometheus, OtlpPush, writeOutput), so no reader ever holds every series at once.
 */
export class Telemetry {
  readonly provider: MeterProvider;
  readonly prometheus: PrometheusExporter | undefined;
  readonly output: MetricReader | undefined;
  readonly health: ExportHealth = { exportFailures: 0 };
  readonly #traffic: TrafficMetrics;
  readonly #runtime = new RuntimeMetrics();
  /** The OTLP push once its exporter is loaded (undefined: OTLP off, or it failed to load). */
  readonly #otlp: Promise<OtlpPush | undefined>;

  constructor(o: TelemetryOptions) {
    this.#traffic = o.traffic;
    o.traffic.setResource(o.resource);
    const self = new SelfTelemetry({ accountant: o.accountant, interfaces: o.interfaces, store: o.traffic, health: this.health, kernel: o.kernel, interfaceUp: o.interfaceUp, flow: o.flow, flowInterfaces: o.flowInterfaces });
    self.setResource(o.resource);
    this.#runtime.setResource(o.resource);
    const producers = [self, this.#runtime];
    const readers: IMetricReader[] = [];
    if (o.config.prometheus.enabled) {
      this.prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: producers });
      readers.push(this.prometheus);
    }
    let otlpSelf: MetricReader | undefined;
    if (o.otlp) {
      otlpSelf = new OnDemandReader({ metricProducers: producers });
      readers.push(otlpSelf);
    }
    if (o.outputReader) {
      this.output = new OnDemandReader({ metricProducers: producers });
      readers.push(this.output);
    }
    // No instrument is ever created on this provider: all data comes from the producers, so the
    // SDK keeps no per-reader state that could grow for a reader that does not collect.
    this.provider = new MeterProvider({ resource: o.resource, readers });
    // The OTLP exporters (gRPC, protobuf: ~0.1 s of module loading at start-up) are loaded only
    // when OTLP is on; the push starts once they are, a moment after the constructor returns.
    const otlp = o.otlp;
    this.#otlp = otlp && otlpSelf
      ? import('./otlp-reader.ts').then((m) => {
        const push = m.createOtlpPush(o.config, otlp, otlpSelf, o.traffic, this.health, o.onError);
        push.start();
        return push;
      }).catch((err: unknown) => {
        o.onError('otlp push could not start', { error: String(err) });
        return undefined;
      })
      : Promise.resolve(undefined);
  }

  /**
   * The Prometheus exposition (text 0.0.4, or OpenMetrics 1.0 when the scraper negotiated it):
   * self-telemetry as of now (before this collection's flush, the same moment for every reader),
   * then every traffic series after a flush, streamed to `write`. Always cumulative.
   */
  async writePrometheus(write: Write, format: ExpositionFormat = 'prometheus'): Promise<void> {
    if (!this.prometheus) throw new Error('telemetry: prometheus is disabled');
    const { resourceMetrics } = await this.prometheus.collect();
    await this.#traffic.flush();
    if (format === 'openmetrics') await writeOpenMetricsText(resourceMetrics, this.#traffic, write);
    else await writePrometheusText(resourceMetrics, this.#traffic, write);
  }

  /**
   * Self-telemetry and every traffic series in one ResourceMetrics through the output reader
   * (only when created with outputReader). Its size grows with the series held: for tests and
   * small stores; the exporters stream instead.
   */
  async collectOutput(): Promise<ResourceMetrics> {
    if (!this.output) throw new Error('telemetry: no output reader');
    const { resourceMetrics } = await this.output.collect();
    const traffic = await this.#traffic.collect();
    return { resource: resourceMetrics.resource, scopeMetrics: [...resourceMetrics.scopeMetrics, ...traffic.resourceMetrics.scopeMetrics] };
  }

  /** The --read output (only when created with outputReader), streamed to `write`. */
  async writeOutput(format: 'prometheus' | 'json', write: Write): Promise<void> {
    if (!this.output) throw new Error('telemetry: no output reader');
    const { resourceMetrics } = await this.output.collect();
    await this.#traffic.flush();
    if (format === 'prometheus') await writePrometheusText(resourceMetrics, this.#traffic, write);
    else await writeJson(resourceMetrics, this.#traffic, write);
  }

  /** Final flush: the OTLP push exports once more, then everything stops. */
  async shutdown(): Promise<void> {
    await this.#traffic.flush();
    await (await this.#otlp)?.shutdown();
    await this.provider.shutdown();
    this.#runtime.shutdown();
    await this.#traffic.shutdown();
  }
}
