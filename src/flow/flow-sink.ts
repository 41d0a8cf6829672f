/**
 * The contract between the flow decoders (sFlow v5, NetFlow v5/v9, IPFIX) and the accountant.
 * Decoders turn a datagram into zero or more calls on a FlowSink; the sink counts them like
 * captured packets (same aggregations, limits and exporters). Nothing here allocates per record.
 *
 * Exporters are small integers from an ExporterRegistry (the listener maps a datagram's source
 * address to one); decoders keep their state (templates, sequence numbers, sampling) per
 * exporter id, and the sink can key series by it.
 */

/**
 * One decoded flow record (NetFlow/IPFIX data record, or an sFlow sampled IPv4/IPv6 record).
 * One instance is owned by each decoder and overwritten for every record: a sink must copy
 * what it keeps and must not hold the object. Decoders hand over only records that pass
 * plausibleCounts (bytes and packets × samplingRate within MAX_RECORD_BYTES / _PACKETS).
 */
export class FlowRecord {
  /** IPv6 addresses (else IPv4 in word 0, words 1..3 zero). */
  v6 = false;
  /** Source / destination address words, big-endian (as PacketContext). */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  srcPort = 0;
  dstPort = 0;
  /** IP protocol number. */
  protocol = 0;
  /** VLAN id (12 bits), 0 when absent. */
  vlanId = 0;
  /** SNMP ifIndex the flow came in on / went out of; 0 when absent. */
  inputIf = 0;
  outputIf = 0;
  /** Counts as the exporter sent them (octetDeltaCount / packetDeltaCount, or totals). */
  bytes = 0;
  packets = 0;
  /** 1-in-N sampling the counts stand for (1: unsampled); the sink multiplies by it. */
  samplingRate = 1;

  /** Zeroes every field (decoders call it before filling a record). */
  reset(): void {
    this.v6 = false;
    this.src.fill(0);
    this.dst.fill(0);
    this.srcPort = 0; this.dstPort = 0; this.protocol = 0; this.vlanId = 0;
    this.inputIf = 0; this.outputIf = 0;
    this.bytes = 0; this.packets = 0; this.samplingRate = 1;
  }
}

/** sFlow header_protocol values the sink decodes (sFlow v5 spec, sampled_header). */
export const SflowHeaderProtocol = { ETHERNET: 1, IPV4: 11, IPV6: 12 } as const;

export interface FlowSink {
  /** A flow record from exporter `exporter`; `r` is reused by the decoder after the call. */
  record(exporter: number, r: FlowRecord): void;
  /**
   * An sFlow sampled packet header: the sink decodes `data[offset .. offset+headerLength)` with
   * otelacct's own packet decoder (headerProtocol: SflowHeaderProtocol), counts the IP length
   * from that header (frameLength, the sampled frame's length on the wire, is used when the IP
   * header says nothing usable) and scales bytes and packets by `samplingRate`.
   */
  sampledHeader(exporter: number, data: Uint8Array, offset: number, headerLength: number, frameLength: number,
    headerProtocol: number, samplingRate: number, inputIf: number, outputIf: number): void;
}

/**
 * Why a datagram (or part of one) was not accounted. Indexes FlowStats' per-reason counters;
 * FLOW_ERROR_NAMES gives the exported `error.type` values.
 */
export const FlowError = {
  /** Shorter than its header, or a length field points past the end. */
  TRUNCATED: 0,
  /** Version the port's decoder does not speak. */
  BAD_VERSION: 1,
  /** A template, option template or set/sample header that makes no sense. */
  BAD_TEMPLATE: 2,
  /** Data records whose template was not (or no longer) known: counted, not accounted. */
  NO_TEMPLATE: 3,
  /** An sFlow sample or record that is malformed. */
  BAD_SAMPLE: 4,
  /** A sampled header otelacct's packet decoder could not use (not IP, truncated, ...). */
  UNDECODABLE_HEADER: 5,
  /**
   * A new (options) template refused: the template cache is full and no exporter holds more than
   * its protected share (docs/flow-netflow.md, Templates). Its data records become NO_TEMPLATE.
   */
  TEMPLATE_CACHE_FULL: 6,
  /** A sampler from options data not learnt: the sampler table is full likewise. Its records fall back to the configured rate. */
  SAMPLER_TABLE_FULL: 7,
  /** A decoder threw (a bug: decoders must not); the listener counts it and drops the datagram. */
  DECODER_FAILURE: 8,
  /** A record claiming more than MAX_RECORD_BYTES or MAX_RECORD_PACKETS (count × sampling rate): dropped, not accounted. */
  IMPLAUSIBLE_COUNT: 9,
  /**
   * A NetFlow v9 / IPFIX data record whose template has neither a source nor a destination
   * address field (IPv4 8/12, IPv6 27/28): nothing to key it by but 0.0.0.0 on both sides, so it
   * is dropped, not accounted. (A record with one of the two accounts the other as 0.0.0.0 / ::.)
   */
  NO_ADDRESS: 10,
} as const;
export const FLOW_ERROR_NAMES: readonly string[] = ['truncated', 'bad_version', 'bad_template', 'no_template', 'bad_sample', 'undecodable_header',
  'template_cache_full', 'sampler_table_full', 'decoder_failure', 'implausible_count', 'no_address'];

/**
 * Most bytes one record may stand for, its count × its sampling rate: 2^48 (281 TB). One flow
 * cannot carry more within an active timeout: a 400 Gbit/s link at line rate for the longest
 * active timeout routers offer (60 minutes) is 1.8 × 10^14 bytes. Larger claims are hostile or
 * broken (an 8-byte counter can claim 1.8 × 10^19, past 2^53 where doubles stop counting
 * exactly, and one such record would dwarf a bill): they are dropped as IMPLAUSIBLE_COUNT.
 */
export const MAX_RECORD_BYTES = 2 ** 48;
/** Most packets one record may stand for: 2^42 (400 Gbit/s of 64-byte frames, 595 M/s, for 60 minutes is 2.1 × 10^12). */
export const MAX_RECORD_PACKETS = 2 ** 42;
/** Largest IP length a sampled header's IP header can state (IPv6: 40 + 65,535); beyond it the frame length counts. */
const MAX_IP_HEADER_LENGTH = 65575;

/**
 * True when a record of `bytes` and `packets` at 1-in-`rate` sampling (a rate under 1 counts as
 * 1, as the sink does) stays within MAX_RECORD_BYTES and MAX_RECORD_PACKETS; false for NaN.
 * Decoders check every record with it before handing it to the sink, and count IMPLAUSIBLE_COUNT
 * instead when it fails. The one place this rule lives.
 */
export function plausibleCounts(bytes: number, packets: number, rate: number): boolean {
  const r = rate >= 1 ? rate : 1;
  return bytes * r <= MAX_RECORD_BYTES && packets * r <= MAX_RECORD_PACKETS;
}

/**
 * plausibleCounts for an sFlow sampled header: the sink counts the IP length from the header
 * (at most 65,575) or, where the header says nothing usable, up to the frame length; so the
 * most it can count is the larger of the two, × rate bytes and rate packets.
 */
export function plausibleHeader(frameLength: number, rate: number): boolean {
  return plausibleCounts(frameLength > MAX_IP_HEADER_LENGTH ? frameLength : MAX_IP_HEADER_LENGTH, 1, rate);
}

/** Per-exporter counters kept by the decoders (and read by self-telemetry). */
export const FlowCounter = {
  /** Datagrams received and handed to a decoder. */
  DATAGRAMS: 0,
  /**
   * Records (or sFlow flow samples) handed to the sink: not those dropped as IMPLAUSIBLE_COUNT or
   * NO_ADDRESS, nor NetFlow/IPFIX records of zero bytes and zero packets (nothing to add).
   */
  RECORDS: 1,
  /**
   * Datagrams with at least one FlowError: once per datagram however many problems it has (the
   * errors by reason count each problem), so MALFORMED <= DATAGRAMS.
   */
  MALFORMED: 2,
  /** Datagrams lost per the exporter's sequence numbers (NetFlow v9, sFlow). */
  LOST_DATAGRAMS: 3,
  /** Records / flow samples lost per the exporter's sequence numbers (NetFlow v5, IPFIX, sFlow samples). */
  LOST_RECORDS: 4,
  /**
   * Templates, options templates and learnt samplers of this exporter evicted to make room for
   * another exporter's, or for its own newer ones, when the cache was full (fair sharing).
   */
  EVICTED: 5,
} as const;
const COUNTERS = 6;

/**
 * The decoders' counters: per exporter (FlowCounter) and per FlowError. Grown by doubling as
 * exporters appear; plain numbers in typed arrays, no object per exporter.
 */
export class FlowStats {
  #perExporter = new Float64Array(16 * COUNTERS);
  readonly errors = new Float64Array(FLOW_ERROR_NAMES.length);
  /** Inside a datagram (begin() called), and whether it was already counted MALFORMED. */
  #inDatagram = false;
  #malformed = false;

  /**
   * A datagram begins (decoders call it first): until the next one, its errors count MALFORMED
   * once. Errors outside any datagram (a sink used on its own) count MALFORMED each.
   */
  begin(): void {
    this.#inDatagram = true;
    this.#malformed = false;
  }

  add(exporter: number, counter: number, n: number): void {
    const i = exporter * COUNTERS + counter;
    if (i >= this.#perExporter.length) this.#grow(i);
    this.#perExporter[i] += n;
  }

  /** Counts one FlowError for `exporter`: the reason's counter, and MALFORMED once per datagram. */
  error(exporter: number, reason: number): void {
    this.errors[reason]++;
    if (this.#inDatagram) {
      if (this.#malformed) return;
      this.#malformed = true;
    }
    this.add(exporter, FlowCounter.MALFORMED, 1);
  }

  get(exporter: number, counter: number): number {
    const i = exporter * COUNTERS + counter;
    return i < this.#perExporter.length ? this.#perExporter[i] : 0;
  }

  #grow(i: number): void {
    let n = this.#perExporter.length;
    while (n <= i) n *= 2;
    const next = new Float64Array(n);
    next.set(this.#perExporter);
    this.#perExporter = next;
  }
}

/** A decoder for one flow protocol family (one per listening socket kind). */
export interface FlowDecoder {
  /**
   * Decodes one datagram `data[0 .. length)` from `exporter` received at `nowMs` (template
   * expiry), calling `sink` per record. Never throws: bad input is counted in `stats`.
   */
  datagram(data: Uint8Array, length: number, exporter: number, nowMs: number): void;
}
