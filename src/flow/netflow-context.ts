import { FlowCounter, FlowError, FlowRecord, plausibleCounts, type FlowSink, type FlowStats } from './flow-sink.ts';
import { Kind } from './netflow-fields.ts';
import { RecordReader } from './netflow-record-reader.ts';
import { SamplerTable } from './netflow-sampling.ts';
import { SequenceTracker } from './netflow-sequence.ts';
import type { CompiledTemplate } from './netflow-template.ts';
import { TemplateCache } from './netflow-template-cache.ts';

/** Per-exporter configured sampling (1 = unsampled); see NetflowOptions. */
export type SamplingFallback = (exporter: number) => number;

/**
 * The state one NetflowDecoder keeps across datagrams (templates, samplers, sequence streams)
 * and the record it fills, shared by the v5, v9 and IPFIX parts. Internal to src/flow/netflow-*.
 */
export class NetflowContext {
  readonly sink: FlowSink;
  readonly stats: FlowStats;
  readonly fallback: SamplingFallback;
  readonly record = new FlowRecord();
  readonly reader = new RecordReader();
  readonly templates: TemplateCache;
  readonly samplers: SamplerTable;
  readonly sequences = new SequenceTracker();
  /** Options data records read since SetWalker.walk began (it resets this; decodeDataSet adds). */
  optionsRecords = 0;

  constructor(sink: FlowSink, stats: FlowStats, fallback: SamplingFallback, templateTimeoutMs: number) {
    this.sink = sink;
    this.stats = stats;
    this.fallback = fallback;
    this.templates = new TemplateCache(templateTimeoutMs);
    this.samplers = new SamplerTable(templateTimeoutMs);
  }

  /** The configured rate of `exporter`, 1 when the callback gives nothing usable. */
  fallbackRate(exporter: number): number {
    const r = this.fallback(exporter);
    return r >= 1 ? r : 1;
  }

  /**
   * Fills the record from the reader's values (a data record of `t` just read) and hands it to
   * the sink. `setRate` is the rate for records of `t` that carry no sampler id or interval of
   * their own (computed once per set by setSamplingRate; else 0), `fallback` the configured
   * rate (fetched once per set). False when the record is not handed over: its template has no
   * address field (counted as NO_ADDRESS), its counts are implausible (IMPLAUSIBLE_COUNT), or it
   * has zero bytes and zero packets (not an error, not counted: it would add nothing but a
   * series, as an idle flow's active-timeout report does).
   */
  emit(exporter: number, domain: number, t: CompiledTemplate, data: Uint8Array, setRate: number, fallback: number, nowMs: number): boolean {
    const v = this.reader.values;
    const r = this.record;
    const kinds = t.kinds;
    if ((kinds & ADDRESS_KINDS) === 0) {
      this.stats.error(exporter, FlowError.NO_ADDRESS);
      return false;
    }
    r.reset();
    if ((kinds & ((1 << Kind.SRC6) | (1 << Kind.DST6))) !== 0
      && ((kinds & ((1 << Kind.SRC4) | (1 << Kind.DST4))) === 0 || (v[Kind.SRC4] === 0 && v[Kind.DST4] === 0))) {
      r.v6 = true;
      if ((kinds & (1 << Kind.SRC6)) !== 0) copyV6(data, v[Kind.SRC6], r.src);
      if ((kinds & (1 << Kind.DST6)) !== 0) copyV6(data, v[Kind.DST6], r.dst);
    } else {
      if ((kinds & (1 << Kind.SRC4)) !== 0) r.src[0] = v[Kind.SRC4];
      if ((kinds & (1 << Kind.DST4)) !== 0) r.dst[0] = v[Kind.DST4];
    }
    if ((kinds & (1 << Kind.SRC_PORT)) !== 0) r.srcPort = v[Kind.SRC_PORT] & 0xffff;
    if ((kinds & (1 << Kind.DST_PORT)) !== 0) r.dstPort = v[Kind.DST_PORT] & 0xffff;
    if ((kinds & (1 << Kind.PROTOCOL)) !== 0) r.protocol = v[Kind.PROTOCOL] & 0xff;
    if ((kinds & VLAN_KINDS) !== 0) r.vlanId = vlan(kinds, v) & 0xfff;
    if ((kinds & (1 << Kind.INPUT_IF)) !== 0) r.inputIf = v[Kind.INPUT_IF] % 4294967296;
    if ((kinds & (1 << Kind.OUTPUT_IF)) !== 0) r.outputIf = v[Kind.OUTPUT_IF] % 4294967296;
    if ((kinds & (1 << Kind.BYTES)) !== 0) r.bytes = v[Kind.BYTES];
    if ((kinds & (1 << Kind.PACKETS)) !== 0) r.packets = v[Kind.PACKETS];
    r.samplingRate = setRate > 0 ? setRate : this.#recordRate(exporter, domain, t, fallback, nowMs);
    if (!plausibleCounts(r.bytes, r.packets, r.samplingRate)) {
      this.stats.error(exporter, FlowError.IMPLAUSIBLE_COUNT);
      return false;
    }
    if (r.bytes === 0 && r.packets === 0) return false;
    this.sink.record(exporter, r);
    return true;
  }

  /**
   * The sampling rate of every data record of `t` when it does not depend on the record (no
   * sampler id or sampling interval in the template), else 0. Order, as nfacctd's
   * NF_sampling_rate_handler: the record's sampler id looked up in the options learnt, else the
   * record's own interval, else the domain's (then the exporter's) sampler 0, else the
   * configured rate.
   */
  setSamplingRate(exporter: number, domain: number, t: CompiledTemplate, fallback: number, nowMs: number): number {
    if ((t.kinds & ((1 << Kind.SAMPLER_ID) | (1 << Kind.SAMPLING_INTERVAL))) !== 0) return 0;
    const learnt = this.samplers.rate(exporter, domain, 0, nowMs);
    return learnt >= 1 ? learnt : fallback;
  }

  #recordRate(exporter: number, domain: number, t: CompiledTemplate, fallback: number, nowMs: number): number {
    const v = this.reader.values;
    let rate = 0;
    if (t.has(Kind.SAMPLER_ID)) rate = this.samplers.rate(exporter, domain, v[Kind.SAMPLER_ID] % 4294967296, nowMs);
    else rate = v[Kind.SAMPLING_INTERVAL];
    return rate >= 1 ? rate : fallback;
  }

  /**
   * An options data record of `t` just read: when the template is about sampling (a sampler id,
   * an interval, packet interval + space, or size + population), learns the sampler's rate
   * (nfacctd's order and integer division: interval, else (interval + space) / interval, else
   * population / size). v9 options scoped to the System apply to every source id.
   */
  learnSampler(exporter: number, domain: number, t: CompiledTemplate, nowMs: number): void {
    const v = this.reader.values;
    if (!t.has(Kind.SAMPLER_ID) && !t.has(Kind.SAMPLING_INTERVAL) && !t.has(Kind.PACKET_INTERVAL) && !t.has(Kind.SAMPLING_SIZE)) return;
    let rate = 0;
    if (t.has(Kind.SAMPLING_INTERVAL)) rate = v[Kind.SAMPLING_INTERVAL];
    else if (t.has(Kind.PACKET_INTERVAL) && t.has(Kind.PACKET_SPACE)) {
      const interval = v[Kind.PACKET_INTERVAL];
      if (interval > 0) rate = Math.floor((interval + v[Kind.PACKET_SPACE]) / interval);
    } else if (t.has(Kind.SAMPLING_SIZE) && t.has(Kind.SAMPLING_POPULATION)) {
      const size = v[Kind.SAMPLING_SIZE];
      if (size > 0) rate = Math.floor(v[Kind.SAMPLING_POPULATION] / size);
    }
    const id = t.has(Kind.SAMPLER_ID) ? v[Kind.SAMPLER_ID] % 4294967296 : 0;
    const samplers = this.samplers;
    if (!samplers.set(exporter, domain, t.has(Kind.SCOPE_SYSTEM), id, rate, nowMs)) this.stats.error(exporter, FlowError.SAMPLER_TABLE_FULL);
    else if (samplers.evicted >= 0) this.stats.add(samplers.evicted, FlowCounter.EVICTED, 1);
  }
}

const ADDRESS_KINDS = (1 << Kind.SRC4) | (1 << Kind.DST4) | (1 << Kind.SRC6) | (1 << Kind.DST6);
const VLAN_KINDS = (1 << Kind.VLAN) | (1 << Kind.POST_VLAN) | (1 << Kind.DOT1Q_VLAN) | (1 << Kind.POST_DOT1Q_VLAN);

/**
 * The record's VLAN as nfacctd's NF_vlan_handler chooses it: with flowDirection (61), ingress
 * (0) takes vlanId 58 else dot1qVlanId 243, egress (1) postVlanId 59 else postDot1qVlanId 254;
 * without it, the first of 58, 59, 243, 254 present.
 */
function vlan(kinds: number, v: Float64Array): number {
  if ((kinds & (1 << Kind.DIRECTION)) !== 0) {
    const direction = v[Kind.DIRECTION];
    if (direction === 0) return pick(kinds, v, Kind.VLAN, Kind.DOT1Q_VLAN);
    if (direction === 1) return pick(kinds, v, Kind.POST_VLAN, Kind.POST_DOT1Q_VLAN);
    return 0;
  }
  const first = pick(kinds, v, Kind.VLAN, Kind.POST_VLAN);
  return (kinds & ((1 << Kind.VLAN) | (1 << Kind.POST_VLAN))) !== 0 ? first : pick(kinds, v, Kind.DOT1Q_VLAN, Kind.POST_DOT1Q_VLAN);
}

/** v[a] when the template has kind a, else v[b] when it has b, else 0. */
function pick(kinds: number, v: Float64Array, a: number, b: number): number {
  if ((kinds & (1 << a)) !== 0) return v[a];
  return (kinds & (1 << b)) !== 0 ? v[b] : 0;
}

/** The 16 address bytes at `p` as four big-endian words (int32 expressions: nothing boxed). */
function copyV6(data: Uint8Array, p: number, out: Uint32Array): void {
  for (let i = 0; i < 4; i++, p += 4) out[i] = (data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3];
}
