import { SflowStateTable } from './sflow-state-table.ts';

/** Largest forward step of a sequence number taken as loss rather than as a restart. */
export const MAX_GAP = 1 << 24;
/**
 * Streams one exporter (source address) may have tracked, and sources across its streams. Half
 * of each table is reserved, an equal floor for every possible exporter (maxExporters), the
 * other half shared first come: so garbage from one address (random agent addresses and source
 * ids) or from many spoofed ones cannot take the tables from the others. Past them, that
 * exporter's new streams / sources count no loss.
 */
export const MAX_STREAMS_PER_EXPORTER = 4096;
export const MAX_SOURCES_PER_EXPORTER = 16384;
/** How far back a sequence number may be and still be a late datagram rather than a restart. */
export const LATE_WINDOW = 256;

const LATE = -1;
const RESET = -2;

// Stream state words.
const S_SEQ = 0;
const S_UPTIME = 1;
const S_EPOCH = 2;
const S_EXPORTER = 3;
/** Late datagrams in a row, each following the one before, and the last one's sequence number. */
const S_LATE_RUN = 4;
const S_LATE_SEQ = 5;
const STREAM_WORDS = 6;
/**
 * The 4th late datagram in a row, each in order after the one before, is a restart below the old
 * sequence numbers (an agent restarted within LATE_WINDOW datagrams with an uptime that did not
 * go back): otherwise the stream would look late, its losses uncounted, until it passed them.
 */
const RESTART_RUN = 4;
// Source state words.
const F_EPOCH = 0;
const F_SEQ = 1;
const F_DROPS = 2;
/** sfacctd's renormalisation state (sequence and pool of its last effective-rate computation). */
const F_RSEQ = 3;
const F_RPOOL = 4;
const SOURCE_WORDS = 5;

/** Lost count of a forward step from `last` to `seq` (≥ 0), -1 for a duplicate or late one, -2 for a restart. */
export function sequenceStep(last: number, seq: number): number {
  const d = (seq - last) >>> 0;
  if (d === 0) return LATE;
  if (d <= MAX_GAP) return d - 1;
  if (((last - seq) >>> 0) <= LATE_WINDOW) return LATE;
  return RESET;
}

/**
 * sFlow v5 sequence numbers, per datagram stream and per flow-sample source, turned into loss
 * counts that survive agent restarts. No allocation per call: state lives in two
 * SflowStateTables.
 *
 * Rules (docs/flow-sflow.md):
 *  - A datagram stream is (exporter, agent address, sub-agent id); its sequence_number counts
 *    datagrams. A source is (stream, source_id type, source_id index); its flow_sample
 *    sequence_number counts flow samples.
 *  - Forward step d = (seq − last) mod 2^32. 1 ≤ d ≤ MAX_GAP: in order, d − 1 lost. d = 0, or
 *    back by at most LATE_WINDOW: a duplicate or late arrival: nothing counted, state kept.
 *    Anything else (back further, or a jump past MAX_GAP): a restart, nothing counted, new baseline;
 *    so is the 4th late datagram in a row when each follows the one before (a restart within
 *    the window).
 *  - A stream whose uptime goes back (modulo 2^32, so the 49.7-day wrap is not one) restarted:
 *    new baseline, and every source of that stream starts a new baseline too (its epoch changed).
 *  - A source's `drops` (samples the agent could not make, cumulative since it started) adds its
 *    increase to the lost samples; the first sample of a source (or after a restart) is a baseline.
 */
export class SflowSequences {
  /** Datagrams (after `datagram()`) or flow samples (after `flowSample()`) lost. */
  lost = 0;
  /**
   * After `flowSample()`: sfacctd 1.7.7's renormalisation rate for this sample (sfacctd_renormalize:
   * Δsample_pool / Δsequence_number since its last computation for the source, integer division;
   * the sample's sampling_rate on a first sample, after a jump of more than 50, or when either
   * did not increase).
   */
  poolRate = 1;
  readonly #streams: SflowStateTable;
  readonly #sources: SflowStateTable;
  /** Streams and sources tracked per exporter (exporter ids are < 65536). */
  readonly #streamsOf = new Uint16Array(65536);
  readonly #sourcesOf = new Uint16Array(65536);
  /** Entries every exporter is sure to get (its floor), and the shared rest: its size and use. */
  readonly #streamFloor: number;
  readonly #sourceFloor: number;
  readonly #streamPool: number;
  readonly #sourcePool: number;
  #streamsShared = 0;
  #sourcesShared = 0;

  /**
   * At most `maxStreams` streams and `maxSources` sources tracked; past it, none counted. Of
   * each, floor(max / (2 × maxExporters)) per exporter id below `maxExporters` are reserved
   * (flow.maxExporters: 8 streams and 32 sources at its default of 4,096), the rest is shared.
   */
  constructor(maxStreams = 65536, maxSources = 262144, maxExporters = 4096) {
    this.#streams = new SflowStateTable(7, STREAM_WORDS, maxStreams);
    this.#sources = new SflowStateTable(3, SOURCE_WORDS, maxSources);
    this.#streamFloor = Math.floor(maxStreams / (2 * maxExporters));
    this.#sourceFloor = Math.floor(maxSources / (2 * maxExporters));
    this.#streamPool = maxStreams - this.#streamFloor * maxExporters;
    this.#sourcePool = maxSources - this.#sourceFloor * maxExporters;
  }

  /** Streams tracked. */
  get streams(): number {
    return this.#streams.size;
  }

  /** Sources tracked. */
  get sources(): number {
    return this.#sources.size;
  }

  /**
   * A datagram of stream (exporter, agent address, sub-agent). The address is `addressWords`
   * words (0, 1 or 4) read from `data[at..]`. Returns the stream's handle for `flowSample()`
   * (-1: table full, not tracked) and sets `lost`.
   */
  datagram(exporter: number, addressType: number, data: Uint8Array, at: number, addressWords: number,
    subAgent: number, seq: number, uptime: number): number {
    const t = this.#streams;
    const key = t.key;
    key[0] = exporter;
    key[1] = addressType;
    for (let w = 0; w < 4; w++) {
      const b = at + w * 4;
      key[2 + w] = w < addressWords ? ((data[b] << 24) | (data[b + 1] << 16) | (data[b + 2] << 8) | data[b + 3]) : 0;
    }
    key[6] = subAgent;
    this.lost = 0;
    const e = exporter & 0xffff;
    const n = this.#streamsOf[e];
    const o = t.find(n < this.#streamFloor || (n < MAX_STREAMS_PER_EXPORTER && this.#streamsShared < this.#streamPool));
    if (o < 0) return -1;
    const s = t.data;
    if (t.created) {
      if (n >= this.#streamFloor) this.#streamsShared++;
      this.#streamsOf[e]++;
      s[o + S_EXPORTER] = e;
      s[o + S_SEQ] = seq;
      s[o + S_UPTIME] = uptime;
      return o;
    }
    const uptimeBack = ((uptime - s[o + S_UPTIME]) >>> 0) >= 0x80000000;
    let step = sequenceStep(s[o + S_SEQ], seq);
    if (step === LATE && !uptimeBack) {
      const run = s[o + S_LATE_RUN] > 0 && ((seq - s[o + S_LATE_SEQ]) >>> 0) === 1 ? s[o + S_LATE_RUN] + 1 : 1;
      s[o + S_LATE_SEQ] = seq;
      if (run < RESTART_RUN) {
        s[o + S_LATE_RUN] = run;
        return o;
      }
      step = RESET;
    }
    s[o + S_LATE_RUN] = 0;
    if (step === RESET || uptimeBack) {
      s[o + S_EPOCH] = (s[o + S_EPOCH] + 1) >>> 0;
    } else {
      this.lost = step;
    }
    s[o + S_SEQ] = seq;
    s[o + S_UPTIME] = uptime;
    return o;
  }

  /**
   * A flow sample of `stream` (from `datagram()`; -1 tracks nothing) and source id (type, index).
   * Sets `lost` (samples lost per its sequence_number and drops) and `poolRate`.
   */
  flowSample(stream: number, sourceType: number, sourceIndex: number, seq: number, pool: number, drops: number,
    samplingRate: number): void {
    this.lost = 0;
    this.poolRate = samplingRate;
    if (stream < 0) return;
    const t = this.#sources;
    t.key[0] = stream;
    t.key[1] = sourceType;
    t.key[2] = sourceIndex;
    const exporter = this.#streams.data[stream + S_EXPORTER];
    const n = this.#sourcesOf[exporter];
    const o = t.find(n < this.#sourceFloor || (n < MAX_SOURCES_PER_EXPORTER && this.#sourcesShared < this.#sourcePool));
    if (o < 0) return;
    const s = t.data;
    const epoch = this.#streams.data[stream + S_EPOCH];
    if (t.created) {
      if (n >= this.#sourceFloor) this.#sourcesShared++;
      this.#sourcesOf[exporter]++;
      s[o + F_RSEQ] = seq;
      s[o + F_RPOOL] = pool;
    } else {
      this.#renormalise(s, o, seq, pool, samplingRate);
    }
    if (t.created || s[o + F_EPOCH] !== epoch) {
      s[o + F_EPOCH] = epoch;
      s[o + F_SEQ] = seq;
      s[o + F_DROPS] = drops;
      return;
    }
    const step = sequenceStep(s[o + F_SEQ], seq);
    if (step === LATE) return;
    s[o + F_SEQ] = seq;
    if (step === RESET) {
      s[o + F_DROPS] = drops;
      return;
    }
    const dropped = (drops - s[o + F_DROPS]) >>> 0;
    s[o + F_DROPS] = drops;
    this.lost = step + (dropped <= MAX_GAP ? dropped : 0);
  }

  /** sfacctd 1.7.7 SF_counters_renormalize_handler(), per source: sets `poolRate`. */
  #renormalise(s: Uint32Array, o: number, seq: number, pool: number, samplingRate: number): void {
    const lastSeq = s[o + F_RSEQ];
    const lastPool = s[o + F_RPOOL];
    if (seq > lastSeq && pool > lastPool) {
      this.poolRate = Math.floor((pool - lastPool) / (seq - lastSeq));
      s[o + F_RSEQ] = seq;
      s[o + F_RPOOL] = pool;
    } else if (Math.max(seq, lastSeq) > ((Math.min(seq, lastSeq) + 50) >>> 0)) {
      s[o + F_RSEQ] = seq;
      s[o + F_RPOOL] = pool;
    }
  }
}
