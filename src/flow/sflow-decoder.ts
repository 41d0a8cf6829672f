import { FlowCounter, FlowError, FlowRecord, plausibleCounts, plausibleHeader, type FlowDecoder, type FlowSink, type FlowStats } from './flow-sink.ts';
import { readCountersSample, SflowIfCounters, type SflowCounterSink } from './sflow-counters.ts';
import { SflowFlowSample } from './sflow-flow-sample.ts';
import { padded, SflowAddressType, SflowSample, u32 } from './sflow-format.ts';
import { SflowSequences } from './sflow-sequences.ts';

/** Bytes of the datagram header after the agent address: sub_agent_id, sequence, uptime, samples count. */
const HEADER_TAIL = 16;

/**
 * Where a flow sample's scale factor comes from: `sampling_rate` (the sample's own field, the
 * default) or `sample_pool` (sfacctd 1.7.7 with sfacctd_renormalize: Δsample_pool / Δsequence
 * per source, for comparisons with sfacctd that must match exactly; see docs/flow-sflow.md).
 */
export type SflowRateSource = 'sampling_rate' | 'sample_pool';

/**
 * sFlow version 5 decoder (https://sflow.org/sflow_version_5.txt). Per flow sample (compact or
 * expanded) it makes one sink call: the first sampled_header record goes to
 * `sink.sampledHeader()` (a view into the datagram: valid during the call only); a sample
 * without one gives its first sampled_ipv4 / sampled_ipv6 record as a FlowRecord (bytes = the
 * record's length, 1 packet). Counter samples, other sample kinds and unknown records are
 * skipped by their length. Sequence numbers become LOST_DATAGRAMS and LOST_RECORDS
 * (SflowSequences). Nothing here allocates, builds strings or throws per datagram, sample or
 * record; malformed input is one stats.error() and the rest of the datagram is dropped (a bad
 * flow sample whose length is sound is skipped alone).
 */
export class SflowDecoder implements FlowDecoder {
  /** Scale factor used for every sample (see SflowRateSource). */
  rateSource: SflowRateSource = 'sampling_rate';
  /**
   * Optional: receives the if_counters blocks of counters samples (interface metrics). Unset,
   * counters samples are skipped by their length without being read.
   */
  counterSink: SflowCounterSink | undefined = undefined;
  readonly #sink: FlowSink;
  readonly #stats: FlowStats;
  readonly #record = new FlowRecord();
  readonly #sample = new SflowFlowSample();
  readonly #ifCounters = new SflowIfCounters();
  readonly #sequences: SflowSequences;

  /** `maxExporters` (flow.maxExporters) sizes the share of the sequence tables each exporter is sure to get. */
  constructor(sink: FlowSink, stats: FlowStats, maxExporters = 4096) {
    this.#sink = sink;
    this.#stats = stats;
    this.#sequences = new SflowSequences(undefined, undefined, maxExporters);
  }

  /**
   * During a `sink.sampledHeader()` call: the VLAN id of the sample's extended_switch record
   * (src_vlan, else dst_vlan), 0 when it has none. The contract's sampledHeader() has no VLAN
   * parameter; a sink wanting the switch's VLAN for untagged headers reads it here.
   */
  get switchVlan(): number {
    return this.#sample.switchVlan;
  }

  /** Datagram streams (exporter, agent address, sub-agent) whose sequence numbers are tracked. */
  get trackedStreams(): number {
    return this.#sequences.streams;
  }

  /** Flow-sample sources (stream, source id) whose sequence numbers are tracked. */
  get trackedSources(): number {
    return this.#sequences.sources;
  }

  datagram(data: Uint8Array, length: number, exporter: number, _nowMs: number): void {
    const stats = this.#stats;
    stats.begin();
    // Never past the buffer (NaN included); a negative length is below 8.
    if (!(length <= data.length)) length = data.length;
    if (length < 8) {
      return stats.error(exporter, length >= 4 && u32(data, 0) !== 5 ? FlowError.BAD_VERSION : FlowError.TRUNCATED);
    }
    if (u32(data, 0) !== 5) return stats.error(exporter, FlowError.BAD_VERSION);
    const addressType = u32(data, 4);
    const addressWords = addressType === SflowAddressType.IPV4 ? 1 : addressType === SflowAddressType.IPV6 ? 4
      : addressType === SflowAddressType.UNKNOWN ? 0 : -1;
    if (addressWords < 0) return stats.error(exporter, FlowError.BAD_SAMPLE);
    let p = 8 + addressWords * 4;
    if (length - p < HEADER_TAIL) return stats.error(exporter, FlowError.TRUNCATED);
    const sequences = this.#sequences;
    const stream = sequences.datagram(exporter, addressType, data, 8, addressWords, u32(data, p), u32(data, p + 4),
      u32(data, p + 8));
    if (sequences.lost > 0) stats.add(exporter, FlowCounter.LOST_DATAGRAMS, sequences.lost);
    const samples = u32(data, p + 12);
    p += HEADER_TAIL;
    // Each sample takes at least 8 bytes, so a huge count ends at the datagram's end.
    for (let i = 0; i < samples; i++) {
      if (length - p < 8) return stats.error(exporter, FlowError.TRUNCATED);
      const format = u32(data, p);
      const sampleLength = u32(data, p + 4);
      const body = p + 8;
      if (padded(sampleLength) > length - body) return stats.error(exporter, FlowError.TRUNCATED);
      if (format === SflowSample.FLOW || format === SflowSample.FLOW_EXPANDED) {
        this.#flowSample(data, body, sampleLength, format === SflowSample.FLOW_EXPANDED, exporter, stream);
      } else if ((format === SflowSample.COUNTERS || format === SflowSample.COUNTERS_EXPANDED) && this.counterSink !== undefined) {
        if (!readCountersSample(data, body, sampleLength, format === SflowSample.COUNTERS_EXPANDED, exporter,
          this.counterSink, this.#ifCounters)) stats.error(exporter, FlowError.BAD_SAMPLE);
      }
      p = body + padded(sampleLength);
    }
  }

  #flowSample(data: Uint8Array, at: number, length: number, expanded: boolean, exporter: number, stream: number): void {
    const s = this.#sample;
    const stats = this.#stats;
    if (!s.parse(data, at, length, expanded)) return stats.error(exporter, FlowError.BAD_SAMPLE);
    const sequences = this.#sequences;
    sequences.flowSample(stream, s.sourceType, s.sourceIndex, s.sequence, s.samplePool, s.drops, s.samplingRate);
    if (sequences.lost > 0) stats.add(exporter, FlowCounter.LOST_RECORDS, sequences.lost);
    const rate = this.rateSource === 'sample_pool' ? sequences.poolRate : s.samplingRate;
    // sfacctd's Δpool / Δsequence is 0 when the pool grew less than the sequence: it counts nothing.
    if (rate === 0) return;
    if (s.headerAt >= 0) {
      if (!plausibleHeader(s.frameLength, rate)) return stats.error(exporter, FlowError.IMPLAUSIBLE_COUNT);
      stats.add(exporter, FlowCounter.RECORDS, 1);
      this.#sink.sampledHeader(exporter, data, s.headerAt, s.headerLength, s.frameLength, s.headerProtocol, rate,
        s.inputIf, s.outputIf);
    } else if (s.ipAt >= 0) {
      if (!plausibleCounts(u32(data, s.ipAt), 1, rate)) return stats.error(exporter, FlowError.IMPLAUSIBLE_COUNT);
      stats.add(exporter, FlowCounter.RECORDS, 1);
      this.#sink.record(exporter, this.#fill(data, s.ipAt, s.ipV6, rate));
    }
  }

  /** The FlowRecord of a sampled_ipv4 / sampled_ipv6 body at `at`. */
  #fill(data: Uint8Array, at: number, v6: boolean, rate: number): FlowRecord {
    const r = this.#record;
    const s = this.#sample;
    r.reset();
    r.v6 = v6;
    r.bytes = u32(data, at);
    r.packets = 1;
    r.protocol = u32(data, at + 4) & 0xff;
    const words = v6 ? 4 : 1;
    for (let w = 0; w < words; w++) {
      r.src[w] = u32(data, at + 8 + w * 4);
      r.dst[w] = u32(data, at + 8 + words * 4 + w * 4);
    }
    const ports = at + 8 + words * 8;
    r.srcPort = u32(data, ports) & 0xffff;
    r.dstPort = u32(data, ports + 4) & 0xffff;
    r.vlanId = s.switchVlan;
    r.inputIf = s.inputIf;
    r.outputIf = s.outputIf;
    r.samplingRate = rate;
    return r;
  }
}
