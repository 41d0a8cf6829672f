import type { Server } from 'node:http';
import { Accountant, flushMark } from './account/accountant.ts';
import { AggregationSpec } from './account/aggregation-spec.ts';
import { loadNetworkTables } from './account/networks.ts';
import { NetworkLabels } from './account/network-labels.ts';
import type { NetworksFileLoader } from './account/networks-loader.ts';
import type { PrefixTrie } from './account/prefix-trie.ts';
import { resolveAggregations } from './config/aggregations.ts';
import { readCaptureFile, type CaptureFileStats } from './capture/capture-file.ts';
import { InterfaceRegistry } from './capture/interface-registry.ts';
import { KernelStats } from './capture/kernel-stats.ts';
import type { LiveCapture } from './capture/live-capture.ts';
import { ReadProgress } from './capture/read-progress.ts';
import { schema, type Config } from './config/schema.ts';
import { leaves } from './config/schema-leaves.ts';
import { FlowAttributes } from './export/flow-attributes.ts';
import { resolveOtlp } from './export/otlp-settings.ts';
import { buildResource } from './export/resource.ts';
import { Telemetry } from './export/telemetry.ts';
import { TrafficMetrics } from './export/traffic-metrics.ts';
import type { flowMetrics } from './export/flow-telemetry.ts';
import type { FlowCollector } from './flow/flow-collector.ts';
import type { flowDecoders, FlowDecoderFactories } from './flow/decoders.ts';
import type { BoundSocket } from './flow/flow-listener.ts';
import type { Logger } from './log.ts';
import type { LivePage } from './web/live-page.ts';
import type { createLiveWeb } from './web/live-web.ts';

/**
 * The modules of optional features, loaded (dynamic import) only when the configuration turns the
 * feature on: a plain `--read` to stdout loads none of them (start-up time: each module costs
 * resolution, compilation and the built-ins it pulls in, e.g. node:dgram, node:dns, node:worker_threads).
 * The HTTP server and live capture are loaded where they start (serve, startLive).
 */
export interface PipelineFeatures {
  /** flow.sflow.enabled or flow.netflow.enabled. */
  flow?: { FlowCollector: typeof FlowCollector; flowDecoders: typeof flowDecoders; flowMetrics: typeof flowMetrics };
  /** The live page, where it can be served (webServed). */
  web?: { createLiveWeb: typeof createLiveWeb };
  /** accounting.networksFile set. */
  networks?: { NetworksFileLoader: typeof NetworksFileLoader };
}

/** Whether the flow listeners are configured. */
export function flowEnabled(config: Config): boolean {
  return config.flow.sflow.enabled || config.flow.netflow.enabled;
}

/**
 * Whether the live page exists: web.enabled where it can be served (live capture, or --read with
 * --serve). A plain --read would pay for its per-flush work for nothing.
 */
function webServed(config: Config): boolean {
  return config.web.enabled && config.prometheus.enabled && (config.capture.read === '' || config.export.serve);
}

/** Loads the modules of the features `config` turns on (PipelineFeatures). */
export async function loadFeatures(config: Config): Promise<PipelineFeatures> {
  const [flow, web, networks] = await Promise.all([
    flowEnabled(config)
      ? Promise.all([import('./flow/flow-collector.ts'), import('./flow/decoders.ts'), import('./export/flow-telemetry.ts')])
        .then(([c, d, t]) => ({ FlowCollector: c.FlowCollector, flowDecoders: d.flowDecoders, flowMetrics: t.flowMetrics }))
      : undefined,
    webServed(config) ? import('./web/live-web.ts') : undefined,
    config.accounting.networksFile ? import('./account/networks-loader.ts') : undefined,
  ]);
  return { flow, web, networks };
}

export interface PipelineOptions {
  outputReader: boolean;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Flow decoders to use instead of the real ones (tests). */
  flowDecoders?: FlowDecoderFactories;
}

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
  /** The live top-talkers page (web.enabled), served with /metrics. */
  readonly web: LivePage | undefined;
  /** The sFlow / NetFlow / IPFIX listeners (flow.*), when one is enabled. */
  readonly flow: FlowCollector | undefined;
  #server: Server | undefined;
  #live: LiveCapture | undefined;
  #config: Config;
  #liveInterfaces: string[] = [];
  readonly #overflowSeen = new Map<string, number>();
  #overflowTimer: NodeJS.Timeout | undefined;
  readonly #log: Logger;
  /** Loads and reloads accounting.networksFile (created with the first file). */
  #networks: NetworksFileLoader | undefined;

  /**
   * A pipeline for `config`, with the modules of the features it turns on loaded first
   * (loadFeatures). Throws as the constructor does, before anything starts.
   */
  static async create(config: Config, log: Logger, opts: PipelineOptions): Promise<Pipeline> {
    return new Pipeline(config, log, { ...opts, features: await loadFeatures(config) });
  }

  /** Prefer Pipeline.create, which loads `opts.features`; the constructor throws if a feature that `config` turns on is missing. */
  constructor(config: Config, log: Logger, opts: PipelineOptions & { features?: PipelineFeatures }) {
    this.#config = config;
    this.#log = log;
    const features = opts.features ?? {};
    const a = config.accounting;
    const specs = resolveAggregations(config).map((r) => new AggregationSpec(r));
    const tables = loadNetworkTables(a.localNetworks, '');
    this.#networks = a.networksFile ? new (need(features.networks, 'accounting.networksFile')).NetworksFileLoader() : undefined;
    tables.named = this.#networks?.loadSync(a.networksFile);
    if (tables.named) this.#warnDuplicates(a.networksFile, tables.named);
    this.accountant = new Accountant({
      aggregations: specs, tables, maxFlows: a.maxFlows, samplingRate: a.samplingRate, ports: a.ports,
      internalTraffic: a.internalTraffic,
    });
    const f = config.flow;
    const flowModules = flowEnabled(config) ? need(features.flow, 'flow') : undefined;
    const flow = flowModules ? new flowModules.FlowCollector({
      config: f, accountant: this.accountant, interfaces: this.interfaces, decoders: opts.flowDecoders ?? flowModules.flowDecoders(),
      log: (level, msg, fields, repeating) => (repeating ? log.repeating(level, msg, fields) : log.log(level, msg, fields)),
    }) : undefined;
    this.flow = flow;
    const flowNames = flow && { exporter: (e: number) => flow.registry.name(e), interfaceNames: flow.names };
    const labels = new NetworkLabels();
    this.traffic = new TrafficMetrics({
      accountant: this.accountant,
      attributes: specs.map((spec) => new FlowAttributes(spec, this.interfaces, labels, a.networkFallback, flowNames)),
      labels,
      onError: (err) => log.repeating('error', 'traffic collection failed', { error: String(err) }),
      now: opts.now,
    });
    const otlp = resolveOtlp(config, opts.env ?? process.env);
    this.otlpUrl = otlp?.url;
    this.telemetry = new Telemetry({
      config, resource: buildResource(config.resource.attributes), traffic: this.traffic,
      accountant: this.accountant, interfaces: this.interfaces, otlp,
      outputReader: opts.outputReader, onError: (message, fields) => log.repeating('warn', message, fields), kernel: this.kernel,
      interfaceUp: () => this.#live?.states(),
      flow: flow && flowModules && ((start, now) => flowModules.flowMetrics(flow, start, now)),
      flowInterfaces: flow && (() => new Set(flow.sources.map((x) => this.interfaces.register(x.protocol)))),
    });
    // The page exists only where it can be served (webServed).
    this.web = webServed(config) ? need(features.web, 'web').createLiveWeb({
      config, accountant: this.accountant, traffic: this.traffic, exportHealth: this.telemetry.health, kernel: this.kernel,
      otlp: this.otlpUrl !== undefined, onError: (message) => log.warn(message),
      interfacesDown: () => [...(this.#live?.states() ?? [])].flatMap(([index, up]) => (up ? [] : [this.interfaces.name(index)])),
      sources: () => [...(this.#live?.states() ?? [])].map(([index, up]) => ({ kind: 'interface' as const, name: this.interfaces.name(index), up })),
    }) : undefined;
    this.accountant.onTableFilling = () => {
      void this.traffic.flushFilling(flushMark(a.maxFlows));
    };
  }

  /** Starts the /metrics server if enabled; resolves with its URL. */
  async serve(): Promise<string | undefined> {
    const p = this.#config.prometheus;
    if (!p.enabled || !this.telemetry.prometheus) return undefined;
    const [{ createMetricsServer, listen }, { loadWebConfig }] = await Promise.all([import('./export/http-server.ts'), import('./export/web-config.ts')]);
    const web = p.webConfigFile ? loadWebConfig(p.webConfigFile) : undefined;
    this.#server = createMetricsServer((write, format) => this.telemetry.writePrometheus(write, format), p.path, { web, routes: this.web?.handle });
    const port = await listen(this.#server, p.host, p.port);
    const host = p.host === '' ? 'localhost' : p.host.includes(':') ? `[${p.host}]` : p.host;
    return `${web?.tls ? 'https' : 'http'}://${host}:${port}${p.path}`;
  }

  /**
   * Accounts a capture file to its end (throws CaptureFileError after counting what it could).
   * On a terminal, stderr shows the progress (percentage, MB/s); otherwise nothing. `fd`, if
   * given, is already open on `path` and is read (and closed) instead.
   */
  async readFile(path: string, fd?: number): Promise<CaptureFileStats> {
    const progress = new ReadProgress(path);
    const maxFlows = this.#config.accounting.maxFlows;
    const mark = Math.min(flushMark(maxFlows), maxFlows >> 1);
    try {
      return await readCaptureFile(path, this.accountant, this.interfaces, {
        chunkSize: 1 << 20,
        filter: this.#config.capture.filter,
        fd,
        onChunk: (bytesRead) => {
          progress.update(bytesRead, this.accountant.totalPackets);
          // Flush when a table reaches the flush mark (at most half of it): a 1 MiB chunk holds at
          // most 2^16 packets (16-byte records), so with the default maxFlows (2^17) one chunk
          // cannot fill the rest.
          return this.accountant.flowTables.some((t) => t.size >= mark) ? this.traffic.flushFilling(mark) : undefined;
        },
      });
    } finally {
      progress.done();
    }
  }

  /** Starts live capture on `interfaces` (rejects with CaptureError, a clear message). */
  async startLive(interfaces: string[]): Promise<void> {
    const { LiveCapture } = await import('./capture/live-capture.ts');
    this.#liveInterfaces = interfaces;
    const c = this.#config.capture;
    this.#live = new LiveCapture({ interfaces, filter: c.filter, bufferSize: c.bufferSize, snaplen: c.snaplen }, this.accountant, this.interfaces, this.kernel,
      (level, msg, fields, repeating) => (repeating ? this.#log.repeating(level, msg, fields) : this.#log.log(level, msg, fields)));
    if (this.kernel.unavailable) this.#log.warn('kernel drop counts unavailable', { reason: this.kernel.unavailable });
    this.#overflowTimer ??= setInterval(() => this.reportOverflow(), 60_000).unref();
  }

  /**
   * Binds the flow listeners (throws FlowListenError, one line, when one cannot listen). Records
   * go to the same accountant as captured packets, beside or without live capture.
   */
  async startFlow(): Promise<BoundSocket[]> {
    if (!this.flow) return [];
    const bound = await this.flow.start();
    this.#overflowTimer ??= setInterval(() => this.reportOverflow(), 60_000).unref();
    return bound;
  }

  /**
   * Re-reads accounting.networksFile (SIGHUP) if it changed since it was loaded, on a worker
   * thread (NetworksFileLoader). On success the flow tables are flushed with the old table and
   * the new one takes over with no packet in between; on failure the old table stays and the
   * error is returned (one line).
   */
  async reloadNetworks(path: string = this.#config.accounting.networksFile): Promise<string | undefined> {
    if (!path) return undefined;
    this.#networks ??= new (await import('./account/networks-loader.ts')).NetworksFileLoader();
    const r = await this.#networks.reload(path);
    if (r.status === 'failed') return r.error;
    if (r.status === 'unchanged') {
      this.#log.info('networks file unchanged, not reloaded', { file: path });
      return undefined;
    }
    this.#warnDuplicates(path, r.trie);
    await this.traffic.flush(() => {
      this.accountant.tables.named = r.trie;
    });
    this.#log.info('networks file reloaded', { file: path, networks: r.trie.size });
    return undefined;
  }

  /** One warning line when a networks file repeats prefixes (the last line of each wins). */
  #warnDuplicates(file: string, trie: PrefixTrie): void {
    if (trie.duplicates === 0) return;
    this.#log.warn('networks file repeats prefixes: the last line of each wins (pmacct would misbehave on them)', {
      file, duplicates: trie.duplicates, first: trie.duplicateExamples(),
    });
  }

  /**
   * Applies a reloaded configuration (SIGHUP) without losing counts: log level, the networks
   * file (re-read when it changed on disk, even with the same path), local networks, and for live capture the
   * interfaces, filter, buffer size and snaplen (the captures are reopened: packets in the
   * milliseconds between close and open are not seen). Other keys need a restart: they are
   * returned and left as they were, key by key (the rest of their section is taken), so the
   * running configuration always says what is in use. If a new capture setting fails to open, the previous one is
   * reopened and the error returned. Counters, series and their start times carry on.
   */
  async reload(next: Config, liveInterfaces: string[] | undefined): Promise<{ applied: string[]; needRestart: string[]; errors: string[] }> {
    const before = flatten(this.#config);
    const after = flatten(next);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    const applied: string[] = [];
    const needRestart: string[] = [];
    const errors: string[] = [];
    const live = ['capture.interfaces', 'capture.filter', 'capture.bufferSize', 'capture.snaplen'];
    for (const key of changed) {
      if (key === 'log.level' || key === 'accounting.networksFile' || key === 'accounting.localNetworks') continue;
      if (key === 'flow.interfaceNamesFile' && this.flow) continue;
      if (live.includes(key) && this.#live) continue;
      needRestart.push(key);
    }
    if (changed.includes('log.level')) {
      this.#log.setLevel(next.log.level);
      applied.push('log.level');
    }
    if (changed.includes('accounting.localNetworks')) {
      try {
        const local = loadNetworkTables(next.accounting.localNetworks, '').local;
        await this.traffic.flush(() => {
          this.accountant.tables.local = local;
        });
        applied.push('accounting.localNetworks');
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    // The interface names file is re-read on every SIGHUP (its content may have changed, not its name).
    if (this.flow && (next.flow.interfaceNamesFile || changed.includes('flow.interfaceNamesFile'))) {
      const failed = this.flow.reloadInterfaceNames(next.flow.interfaceNamesFile);
      if (failed) errors.push(failed);
      else applied.push('flow.interfaceNamesFile');
    }
    const problem = await this.reloadNetworks(next.accounting.networksFile);
    if (problem) errors.push(problem);
    else if (changed.includes('accounting.networksFile')) applied.push('accounting.networksFile');
    // Keys that need a restart or failed to apply keep their running values, key by key.
    const kept = [...needRestart, ...['accounting.localNetworks', 'accounting.networksFile', 'flow.interfaceNamesFile'].filter((k) => changed.includes(k) && !applied.includes(k))];
    const liveChanged = changed.filter((k) => live.includes(k));
    if (this.#live && liveChanged.length > 0 && liveInterfaces) {
      const old = { interfaces: this.#liveInterfaces, capture: this.#config.capture };
      this.#live.close();
      this.#config = { ...this.#config, capture: next.capture };
      try {
        await this.startLive(liveInterfaces);
        applied.push(...liveChanged);
      } catch (err) {
        errors.push((err as Error).message);
        this.#config = { ...this.#config, capture: old.capture };
        await this.startLive(old.interfaces);
      }
    }
    this.#config = withKeys(next, this.#config, kept, this.#live ? 'capture' : undefined);
    return { applied, needRestart, errors };
  }

  /**
   * Logs the traffic metrics whose overflow series grew since the last call: keys beyond a
   * cardinality limit are being counted together, so per-key detail is lost (totals are not).
   * Called after --read, and every minute while capturing.
   */
  reportOverflow(): void {
    for (const [metric, value] of this.traffic.overflowTotals()) {
      if (!metric.endsWith('.bytes') || value <= (this.#overflowSeen.get(metric) ?? 0)) continue;
      this.#overflowSeen.set(metric, value);
      this.#log.repeating('warn', 'cardinality limit reached: keys beyond it are counted in the otel.metric.overflow series', {
        metric, overflowBytes: value, hint: 'raise export.cardinalityLimit (or the aggregation\'s cardinalityLimit), or count by fewer dimensions',
      });
    }
  }

  /** Stops capture and the flow listeners, exports a last time, closes the server. */
  async stop(): Promise<void> {
    if (this.#overflowTimer) clearInterval(this.#overflowTimer);
    this.flow?.close();
    this.#live?.close();
    this.#live = undefined;
    this.web?.close();
    try {
      await this.telemetry.shutdown();
    } catch (err) {
      this.#log.warn('final export failed', { error: String(err) });
    }
    // close() waits for every connection to end: idle ones (kept alive, or never used) are cut.
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()).closeAllConnections() : resolve()));
  }
}

/** The modules of a feature `config` turns on; throws when the pipeline was constructed without them. */
function need<T>(modules: T | undefined, feature: string): T {
  if (!modules) throw new Error(`pipeline: ${feature} is on but its modules are not loaded (create the pipeline with Pipeline.create)`);
  return modules;
}

/**
 * `next` with the values of `keys` (dotted) and of the whole section `section`, if given, taken
 * from `running`. Values are copied, never shared.
 */
function withKeys(next: Config, running: Config, keys: string[], section: string | undefined): Config {
  const out = structuredClone(next) as unknown as Record<string, Record<string, unknown>>;
  const from = running as unknown as Record<string, Record<string, unknown>>;
  if (section) out[section] = structuredClone(from[section]);
  for (const key of keys) {
    const [a, b] = key.split('.');
    if (b === undefined) (out as Record<string, unknown>)[a] = structuredClone(from[a]);
    else out[a][b] = structuredClone(from[a][b]);
  }
  return out as unknown as Config;
}

/** Config as key → JSON of the value, one entry per schema key. */
function flatten(config: Config): Map<string, string> {
  const out = new Map<string, string>();
  for (const { key } of leaves(schema)) {
    let v: unknown = config;
    for (const part of key.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    out.set(key, JSON.stringify(v));
  }
  return out;
}
