import { FairKeyTable } from './fair-key-table.ts';

/**
 * Sequence streams tracked at most (exporter × domain × version), shared fairly (FairKeyTable):
 * full, a new stream takes the least recently heard stream of the exporter with the most.
 */
export const MAX_SEQUENCE_STREAMS = 65536;
/** Streams of an exporter another exporter's new ones never take (real exporters have a few). */
export const PROTECTED_SEQUENCE_STREAMS = 64;
/** Streams not heard from for this long are forgotten when room is needed. */
const STREAM_IDLE_MS = 3600_000;
/** An uptime this much below the highest seen is a restart, not a late datagram. */
const RESTART_UPTIME_STEP_MS = 10_000;

/**
 * Windows of the loss rule, in the stream's unit (datagrams for v9, records for v5 and IPFIX):
 * a jump ahead of up to `maxGap` is loss; a step back of up to `reorder` is a late (reordered
 * or duplicated) datagram; anything else is a restart (or a wrap we cannot tell from one).
 */
export const DATAGRAM_WINDOWS = { maxGap: 1 << 20, reorder: 1024 } as const;
export const RECORD_WINDOWS = { maxGap: 1 << 26, reorder: 65536 } as const;

/**
 * Tracks the sequence numbers of NetFlow v5 (flows), v9 (export packets per source id) and
 * IPFIX (data records per observation domain) streams and reports what was lost:
 *
 * - first datagram of a stream, or after invalidate(): nothing lost, expect seq + n next;
 * - seq ahead of the expected number by d (mod 2^32), 0 < d <= maxGap: d lost;
 * - seq behind the expected number by at most `reorder`: a late datagram, nothing counted and
 *   the expectation kept (a datagram that arrives late was already counted lost when the gap
 *   showed: reordering over-counts loss by the late datagrams, never more); but the 4th late
 *   datagram in a row, each in order after the one before, is a restart below the old
 *   numbers: resynchronised to it, nothing counted;
 * - otherwise a restart (or a jump past the windows): nothing counted, resynchronised;
 * - v5 and v9 also carry the exporter's uptime: when it goes back by more than 10 s the exporter
 *   restarted (or the 49.7-day uptime wrapped): resynchronised whatever the sequence says, so a
 *   restart is caught even when the old sequence number was small.
 * So an exporter restart never counts 2^32 lost.
 *
 * Some exporters number a datagram with the units sent *including* its own (softflowd 1.1's
 * IPFIX: the first message of 16 records has sequence number 16) instead of those sent before it
 * (RFC 7011 §3.1), and some leave options data records out of the count (softflowd 1.1's IPFIX
 * again: its template messages carry one options data record that it does not number). The
 * expectation is `last seq + last units` (standard) or `last seq + this datagram's units`
 * (inclusive), the units with or without the options data records: four conventions. A stream
 * whose datagram matches another convention exactly switches to it without counting a loss.
 */
const INCLUSIVE = 1;
const NO_OPTIONS = 2;
/**
 * Late datagrams in a row, each in order after the one before, that make a restart: an exporter
 * that restarted within the late window (an IPFIX one, with no uptime, after fewer than 65,536
 * records) would otherwise look late until its numbers passed the old ones, its losses uncounted.
 * A datagram overtaking three others in order is not one (it would be counted lost once more).
 */
const RESTART_RUN = 4;

/** The sequence number after a datagram numbered `last` with `lastUnits` units (`lastOptions` options records), for one of `n` (`options`). */
function expectedAfter(last: number, lastUnits: number, lastOptions: number, convention: number, n: number, options: number): number {
  const units = (convention & INCLUSIVE) !== 0 ? n - ((convention & NO_OPTIONS) !== 0 ? options : 0)
    : lastUnits - ((convention & NO_OPTIONS) !== 0 ? lastOptions : 0);
  return (last + units) >>> 0;
}

export class SequenceTracker {
  readonly #table = new FairKeyTable(MAX_SEQUENCE_STREAMS, PROTECTED_SEQUENCE_STREAMS, STREAM_IDLE_MS);
  /** Sequence number and units of the last datagram in order. */
  readonly #last = new Float64Array(MAX_SEQUENCE_STREAMS);
  readonly #lastUnits = new Float64Array(MAX_SEQUENCE_STREAMS);
  /** Of those, options data records (IPFIX). */
  readonly #lastOptions = new Uint32Array(MAX_SEQUENCE_STREAMS);
  /** The stream's numbering convention: INCLUSIVE | NO_OPTIONS bits (see class doc). */
  readonly #convention = new Uint8Array(MAX_SEQUENCE_STREAMS);
  readonly #known = new Uint8Array(MAX_SEQUENCE_STREAMS);
  /** Highest exporter uptime seen (ms), -1: none. */
  readonly #uptime = new Float64Array(MAX_SEQUENCE_STREAMS);
  /** Late datagrams in a row, each following the one before, and the last of them. */
  readonly #lateRun = new Uint8Array(MAX_SEQUENCE_STREAMS);
  readonly #lateLast = new Uint32Array(MAX_SEQUENCE_STREAMS);
  readonly #lateUnits = new Uint32Array(MAX_SEQUENCE_STREAMS);
  readonly #lateOptions = new Uint32Array(MAX_SEQUENCE_STREAMS);

  get size(): number {
    return this.#table.size;
  }

  /**
   * Datagram of stream (exporter, domain, version) with sequence number `seq` carrying `n`
   * units, `options` of them options data records (IPFIX; else 0), and the exporter's uptime in
   * ms when `hasUptime`; returns the units lost before it.
   * `seq`, `domain` and `uptime` may be given as signed 32-bit values (`x | 0`, which stay
   * unboxed small integers): they are read modulo 2^32.
   */
  check(exporter: number, domain: number, version: number, seq: number, n: number, nowMs: number, maxGap: number, reorder: number,
    hasUptime = false, uptime = 0, options = 0): number {
    const e = this.#entry(exporter, domain, version, nowMs);
    if (e < 0) return 0;
    const lastUptime = this.#uptime[e];
    const uptimeMs = hasUptime ? uptime >>> 0 : -1;
    if (uptimeMs >= 0 && (lastUptime < 0 || uptimeMs > lastUptime)) this.#uptime[e] = uptimeMs;
    if (this.#known[e] === 0 || (uptimeMs >= 0 && lastUptime - uptimeMs > RESTART_UPTIME_STEP_MS)) {
      this.#uptime[e] = uptimeMs;
      this.#known[e] = 1;
      this.#last[e] = seq >>> 0;
      this.#lastUnits[e] = n;
      this.#lastOptions[e] = options;
      this.#lateRun[e] = 0;
      return 0;
    }
    const convention = this.#convention[e];
    const expected = this.#expected(e, convention, n, options);
    let ahead = (seq - expected) >>> 0;
    for (let k = 1; ahead !== 0 && k < 4; k++) {
      if (((seq - this.#expected(e, convention ^ k, n, options)) >>> 0) === 0) {
        // The exporter follows another convention exactly: switch to it, nothing lost.
        this.#convention[e] = convention ^ k;
        ahead = 0;
      }
    }
    if (ahead > maxGap && ((expected - seq) >>> 0) <= reorder) {
      // Late: keep the expectation, unless this is the RESTART_RUN-th late datagram in a row,
      // each following the one before: an exporter that restarted below the old numbers.
      const run = this.#lateRun[e] > 0 && seq >>> 0 === expectedAfter(this.#lateLast[e], this.#lateUnits[e], this.#lateOptions[e],
        this.#convention[e], n, options) ? this.#lateRun[e] + 1 : 1;
      this.#lateLast[e] = seq >>> 0;
      this.#lateUnits[e] = n;
      this.#lateOptions[e] = options;
      if (run < RESTART_RUN) {
        this.#lateRun[e] = run;
        return 0;
      }
      ahead = 0;
    }
    this.#lateRun[e] = 0;
    this.#last[e] = seq >>> 0;
    this.#lastUnits[e] = n;
    this.#lastOptions[e] = options;
    return ahead <= maxGap ? ahead : 0; // beyond both windows: a restart, resynchronised
  }

  /** The sequence number stream `e` expects under `convention` for a datagram of `n` units, `options` of them options records. */
  #expected(e: number, convention: number, n: number, options: number): number {
    return expectedAfter(this.#last[e], this.#lastUnits[e], this.#lastOptions[e], convention, n, options);
  }

  /** The stream's next datagram resynchronises (its unit count in this one was unknown). */
  invalidate(exporter: number, domain: number, version: number): void {
    const e = this.#table.find(exporter, domain, version);
    if (e >= 0) this.#known[e] = 0;
  }

  #entry(exporter: number, domain: number, version: number, nowMs: number): number {
    const table = this.#table;
    let e = table.find(exporter, domain, version);
    if (e >= 0) {
      table.touch(e, nowMs, true);
      return e;
    }
    e = table.insert(exporter, exporter, domain, version, nowMs);
    if (e >= 0) {
      this.#known[e] = 0;
      this.#uptime[e] = -1;
      this.#convention[e] = 0;
    }
    return e;
  }
}
