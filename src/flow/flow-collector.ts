import { FlowInput, type Accountant } from '../account/accountant.ts';
import type { InterfaceRegistry } from '../capture/interface-registry.ts';
import { canonicalAddress } from '../config/ip-address.ts';
import type { Config } from '../config/schema.ts';
import type { FlowDecoderFactories } from './decoders.ts';
import { ExporterRegistry } from './exporter-registry.ts';
import { FlowListener, FlowListenError, type BoundSocket, type FlowLog } from './flow-listener.ts';
import { FlowStats, type FlowDecoder } from './flow-sink.ts';
import { InterfaceNameTable, loadInterfaceNames } from './interface-names.ts';
import { udpSocketDrops } from './udp-stats.ts';

export interface FlowCollectorOptions {
  config: Config['flow'];
  accountant: Accountant;
  /** network.interface.name of flow series: `sflow` and `netflow` are registered here. */
  interfaces: InterfaceRegistry;
  decoders: FlowDecoderFactories;
  log: FlowLog;
  now?: () => number;
}

/** One protocol family's listener, with the counters its decoder keeps. */
export interface FlowSource {
  protocol: 'sflow' | 'netflow';
  stats: FlowStats;
  listener: FlowListener;
}

/**
 * The flow collector: the sFlow and NetFlow/IPFIX listeners (flow.*), their decoders writing into
 * the accountant (FlowInput: same aggregations, limits and exporters as captured packets), the
 * exporter registry shared by both, the per-exporter sampling-rate fallback and the interface
 * names file. Built by the pipeline when a listener is enabled.
 */
export class FlowCollector {
  readonly registry: ExporterRegistry;
  /** Interface names ever loaded (ids in flow keys stay valid across reloads). */
  readonly names = new InterfaceNameTable();
  readonly sources: readonly FlowSource[];
  readonly #o: FlowCollectorOptions;
  readonly #rates: Map<string, number>;
  /** Sampling-rate fallback per exporter id, resolved once (0: not yet). */
  #rateOf = new Float64Array(64);

  /** Throws FlowListenError when an enabled listener has no decoder in this build. */
  constructor(o: FlowCollectorOptions) {
    this.#o = o;
    const c = o.config;
    this.registry = new ExporterRegistry(c.maxExporters, c.allowedExporters);
    this.#rates = new Map(c.samplingRates.map((v) => {
      const eq = v.lastIndexOf('=');
      const who = v.slice(0, eq);
      return [who === '*' ? '*' : canonicalAddress(who) ?? who, Number(v.slice(eq + 1))];
    }));
    const sources: FlowSource[] = [];
    const listener = (protocol: 'sflow' | 'netflow', host: string, ports: readonly number[], make: (input: FlowInput, stats: FlowStats) => FlowDecoder) => {
      const stats = new FlowStats();
      const input = new FlowInput(o.accountant, o.interfaces.register(protocol), stats);
      sources.push({
        protocol, stats,
        listener: new FlowListener({
          name: protocol, host, ports, receiveBufferSize: c.receiveBufferSize, decoder: make(input, stats),
          registry: this.registry, stats, log: o.log, now: o.now,
        }),
      });
    };
    if (c.sflow.enabled) {
      const make = o.decoders.sflow;
      if (!make) throw new FlowListenError('flow.sflow.enabled: this build of otelacct has no sFlow decoder');
      listener('sflow', c.sflow.host, [c.sflow.port], (input, stats) => make(input, stats, { maxExporters: c.maxExporters }));
    }
    if (c.netflow.enabled) {
      const make = o.decoders.netflow;
      if (!make) throw new FlowListenError('flow.netflow.enabled: this build of otelacct has no NetFlow/IPFIX decoder');
      listener('netflow', c.netflow.host, c.netflow.ports, (input, stats) => make(input, stats, {
        templateTimeout: c.templateTimeout,
        samplingRate: (exporter) => this.samplingRate(exporter),
      }));
    }
    this.sources = sources;
    if (c.interfaceNamesFile) this.#loadNames(c.interfaceNamesFile);
  }

  /** Binds every listener (FlowListenError, one line, if one cannot: the others are closed). */
  async start(): Promise<BoundSocket[]> {
    const bound: BoundSocket[] = [];
    try {
      for (const s of this.sources) bound.push(...await s.listener.start());
    } catch (err) {
      this.close();
      throw err;
    }
    return bound;
  }

  /**
   * flow.samplingRates for `exporter`: its own entry, else `*`, else 1. Resolved once per exporter
   * (then a typed-array read: the decoders may ask per record).
   */
  samplingRate(exporter: number): number {
    if (exporter < 0) return 1;
    if (exporter >= this.#rateOf.length) {
      const next = new Float64Array(Math.max(exporter + 1, this.#rateOf.length * 2));
      next.set(this.#rateOf);
      this.#rateOf = next;
    }
    let r = this.#rateOf[exporter];
    if (r === 0) {
      r = this.#rates.get(canonicalAddress(this.registry.name(exporter)) ?? '') ?? this.#rates.get('*') ?? 1;
      this.#rateOf[exporter] = r;
    }
    return r;
  }

  /**
   * Re-reads flow.interfaceNamesFile (SIGHUP): records from now on get the new names; series
   * already counted keep theirs. On failure the old names stay and the error is returned (one line).
   */
  reloadInterfaceNames(file: string): string | undefined {
    if (!file) {
      this.#o.accountant.interfaceNames = undefined;
      return undefined;
    }
    try {
      this.#loadNames(file);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  #loadNames(file: string): void {
    const names = loadInterfaceNames(file, this.names, (e) => this.registry.name(e));
    this.#o.accountant.interfaceNames = names;
    this.#o.log('info', 'interface names loaded', { file, entries: names.size });
  }

  /** Kernel drops per listener and port (/proc/net/udp[6] `drops` of this process's sockets). */
  socketDrops(): Array<{ protocol: string; port: number; drops: number }> {
    const out: Array<{ protocol: string; port: number; drops: number }> = [];
    for (const s of this.sources) {
      const ports = s.listener.bound.map((b) => b.port);
      const drops = udpSocketDrops(ports);
      for (const port of ports) out.push({ protocol: s.protocol, port, drops: drops.get(port) ?? 0 });
    }
    return out;
  }

  close(): void {
    for (const s of this.sources) s.listener.close();
  }
}
