import type { Server } from 'node:http';
import { Accountant } from './account/accountant.ts';
import { AggregationSpec } from './account/aggregation-spec.ts';
import { loadNetworkTables } from './account/networks.ts';
import { loadNetworksFile } from './account/networks-file.ts';
import { resolveAggregations } from './config/aggregations.ts';
import { readCaptureFile, type CaptureFileStats } from './capture/capture-file.ts';
import { InterfaceRegistry } from './capture/interface-registry.ts';
import { KernelStats } from './capture/kernel-stats.ts';
import { LiveCapture } from './capture/live-capture.ts';
import { ReadProgress } from './capture/read-progress.ts';
import type { Config } from './config/schema.ts';
import { FlowAttributes } from './export/flow-attributes.ts';
import { createMetricsServer, listen } from './export/http-server.ts';
import { loadWebConfig } from './export/web-config.ts';
import { otlpEndpoint } from './export/otlp-reader.ts';
import { buildResource } from './export/resource.ts';
import { Telemetry } from './export/telemetry.ts';
import { TrafficMetrics } from './export/traffic-metrics.ts';
import type { Logger } from './log.ts';

/**
 * One otelacct instance: capture (live or file) → accountant → traffic metrics → exporters.
 * cli.ts decides what to run; this wires the parts and owns their lifetimes.
 */
export class Pipeline {
  readonly interfaces = new InterfaceRegistry();
  readonly accountant: Accountant;
  readonly traffic: TrafficMetrics;
  readonly telemetry: Telemetry;
  readonly otlpUrl: string | undefined;
  /** Kernel drop counters (live capture). */
  readonly kernel = new KernelStats();
  #server: Server | undefined;
  #live: LiveCapture | undefined;
  readonly #config: Config;
  readonly #log: Logger;

  constructor(config: Config, log: Logger, opts: { outputReader: boolean; env?: NodeJS.ProcessEnv; now?: () => number }) {
    this.#config = config;
    this.#log = log;
    const a = config.accounting;
    const specs = resolveAggregations(config).map((r) => new AggregationSpec(r));
    const tables = loadNetworkTables(a.localNetworks, a.networksFile);
    this.accountant = new Accountant({
      aggregations: specs, tables, maxFlows: a.maxFlows, samplingRate: a.samplingRate, ports: a.ports,
      internalTraffic: a.internalTraffic,
    });
    this.traffic = new TrafficMetrics({
      accountant: this.accountant,
      attributes: specs.map((spec) => new FlowAttributes(spec, this.interfaces, tables, a.networkFallback)),
      onError: (err) => log.error('traffic collection failed', { error: String(err) }),
      now: opts.now,
    });
    this.otlpUrl = otlpEndpoint(config, opts.env ?? process.env);
    this.telemetry = new Telemetry({
      config, resource: buildResource(config.resource.attributes), traffic: this.traffic,
      accountant: this.accountant, interfaces: this.interfaces, otlpUrl: this.otlpUrl,
      outputReader: opts.outputReader, onError: (message, fields) => log.warn(message, fields), kernel: this.kernel,
      interfaceUp: () => this.#live?.states(),
    });
    this.accountant.onTableFilling = () => {
      void this.traffic.flush();
    };
  }

  /** Starts the /metrics server if enabled; resolves with its URL. */
  async serve(): Promise<string | undefined> {
    const p = this.#config.prometheus;
    if (!p.enabled || !this.telemetry.prometheus) return undefined;
    const web = p.webConfigFile ? loadWebConfig(p.webConfigFile) : undefined;
    this.#server = createMetricsServer(this.telemetry.prometheus, p.path, { web });
    const port = await listen(this.#server, p.host, p.port);
    const host = p.host === '' ? 'localhost' : p.host.includes(':') ? `[${p.host}]` : p.host;
    return `${web?.tls ? 'https' : 'http'}://${host}:${port}${p.path}`;
  }

  /**
   * Accounts a capture file to its end (throws CaptureFileError after counting what it could).
   * On a terminal, stderr shows the progress (percentage, MB/s); otherwise nothing.
   */
  async readFile(path: string): Promise<CaptureFileStats> {
    const progress = new ReadProgress(path);
    try {
      return await readCaptureFile(path, this.accountant, this.interfaces, {
        chunkSize: 1 << 20,
        onChunk: (bytesRead) => {
          progress.update(bytesRead, this.accountant.totalPackets);
          // Flush when a table is half full: a 1 MiB chunk holds at most 2^16 packets (16-byte
          // records), so with the default maxFlows (2^17) one chunk cannot fill the other half.
          return this.accountant.flowTables.some((t) => t.size * 2 >= t.maxEntries) ? this.traffic.flush() : undefined;
        },
      });
    } finally {
      progress.done();
    }
  }

  /** Starts live capture on `interfaces` (throws CaptureError with a clear message). */
  startLive(interfaces: string[]): void {
    const c = this.#config.capture;
    this.#live = new LiveCapture({ interfaces, filter: c.filter, bufferSize: c.bufferSize, snaplen: c.snaplen }, this.accountant, this.interfaces, this.kernel,
      (level, msg, fields) => this.#log.log(level, msg, fields));
    if (this.kernel.unavailable) this.#log.warn('kernel drop counts unavailable', { reason: this.kernel.unavailable });
  }

  /**
   * Re-reads accounting.networksFile (SIGHUP). On success the flow tables are flushed with the
   * old table and the new one takes over with no packet in between; on failure the old table
   * stays and the error is returned (one line).
   */
  async reloadNetworks(): Promise<string | undefined> {
    const path = this.#config.accounting.networksFile;
    if (!path) return undefined;
    let next;
    try {
      next = loadNetworksFile(path);
    } catch (err) {
      return (err as Error).message;
    }
    await this.traffic.flush(() => {
      this.accountant.tables.named = next;
    });
    this.#log.info('networks file reloaded', { file: path, networks: next.size });
    return undefined;
  }

  /** Stops capture, exports a last time, closes the server. */
  async stop(): Promise<void> {
    this.#live?.close();
    this.#live = undefined;
    try {
      await this.telemetry.shutdown();
    } catch (err) {
      this.#log.warn('final export failed', { error: String(err) });
    }
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server?.closeAllConnections();
  }
}
