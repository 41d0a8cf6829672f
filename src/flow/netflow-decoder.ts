import { FlowError, type FlowDecoder, type FlowSink, type FlowStats } from './flow-sink.ts';
import { decodeIpfix } from './ipfix-message.ts';
import { NetflowContext } from './netflow-context.ts';
import { readU16 } from './netflow-record-reader.ts';
import { SetWalker } from './netflow-sets.ts';
import { decodeV5 } from './netflow-v5.ts';
import { decodeV9 } from './netflow-v9.ts';

/**
 * Seconds a template (and a sampler learnt from options data) stays valid without being received
 * again. 30 minutes: the IPFIX template lifetime default of RFC 6728 (`templateLifeTime`
 * 1800 s), several times the resend interval of common exporters (Cisco 600 s, Juniper 60 s,
 * softflowd every 16 packets). nfacctd never expires templates.
 */
export const DEFAULT_TEMPLATE_TIMEOUT = 1800;

/** How often the whole template cache and sampler table are swept for expired entries. */
const SWEEP_INTERVAL_MS = 60_000;

/** Options of NetflowDecoder. */
export interface NetflowOptions {
  /**
   * Seconds a template, options template or learnt sampler stays valid without a refresh
   * (DEFAULT_TEMPLATE_TIMEOUT, 1800, is the suggested value); 0: never expires.
   */
  templateTimeout: number;
  /**
   * The configured 1-in-N sampling of `exporter` (1 = unsampled): used for records whose
   * datagram says nothing about sampling (no v5 sampling interval, no sampler options learnt,
   * no sampler id or interval in the record). Called once per v5 datagram or data set, never
   * per record.
   */
  samplingRate(exporter: number): number;
}

/**
 * Decodes NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) datagrams, dispatching on the
 * version field (5, 9, 10), from many exporters, into FlowSink.record calls: one FlowRecord
 * (owned by the decoder, reset and refilled per data record) with `samplingRate` set. Templates,
 * samplers and sequence numbers are kept per exporter id and observation domain / source id
 * (see docs/flow-netflow.md for the rules and caps). Counts RECORDS, LOST_* and errors
 * (MALFORMED) in `stats`, not DATAGRAMS (the listener counts those, docs/flow-collector.md);
 * never throws; allocates only when a template is new or changed.
 */
export class NetflowDecoder implements FlowDecoder {
  readonly #ctx: NetflowContext;
  readonly #sets = new SetWalker();
  #sweptMs = -Infinity;

  constructor(sink: FlowSink, stats: FlowStats, options: NetflowOptions) {
    const timeout = options.templateTimeout;
    const timeoutMs = Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 0;
    this.#ctx = new NetflowContext(sink, stats, (exporter) => options.samplingRate(exporter), timeoutMs);
  }

  /** Templates held (all exporters). */
  get templates(): number {
    return this.#ctx.templates.size;
  }

  /** Templates held for one exporter. */
  templatesOf(exporter: number): number {
    return this.#ctx.templates.count(exporter);
  }

  /** Samplers learnt and sequence streams tracked (for tests and self-telemetry). */
  get samplers(): number {
    return this.#ctx.samplers.size;
  }

  get sequenceStreams(): number {
    return this.#ctx.sequences.size;
  }

  datagram(data: Uint8Array, length: number, exporter: number, nowMs: number): void {
    const ctx = this.#ctx;
    if (exporter < 0) return;
    ctx.stats.begin();
    if (length > data.length) length = data.length;
    if (nowMs - this.#sweptMs >= SWEEP_INTERVAL_MS) {
      this.#sweptMs = nowMs;
      ctx.templates.sweep(nowMs);
      ctx.samplers.sweep(nowMs);
    }
    if (!(length >= 2)) {
      ctx.stats.error(exporter, FlowError.TRUNCATED);
      return;
    }
    switch (readU16(data, 0)) {
      case 5: decodeV5(ctx, data, length, exporter, nowMs); break;
      case 9: decodeV9(ctx, this.#sets, data, length, exporter, nowMs); break;
      case 10: decodeIpfix(ctx, this.#sets, data, length, exporter, nowMs); break;
      default: ctx.stats.error(exporter, FlowError.BAD_VERSION);
    }
  }
}
