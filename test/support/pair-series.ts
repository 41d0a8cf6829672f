/**
 * Reads otelacct's Prometheus text output (`--read F --output prometheus`, or a scrape) as a
 * stream, line by line, and folds one traffic aggregation's series into per-pair arrays indexed
 * like the generator's truth (test/support/pairs-capture.ts), so a million series are checked
 * without holding the text or a Map of strings. Then compares them with the truth.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { PairPlan } from './pair-addresses.ts';
import type { PairsTruth } from './pairs-capture.ts';

/** One aggregation's series, folded per pair. */
export interface PairSeries {
  /** Bytes and packets per pair index, summed over the series of that pair. */
  bytes: Float64Array;
  packets: Float64Array;
  /** Series (of the bytes metric) per pair index: more than 1 means the pair was split. */
  seriesPerPair: Uint8Array;
  /** The otel_metric_overflow="true" series. */
  overflowBytes: number;
  overflowPackets: number;
  /** Series that are neither a pair of the plan nor the overflow series (e.g. rolled-up prefixes). */
  otherBytes: number;
  otherPackets: number;
  otherSeries: number;
  /** Up to 5 of those, as printed. */
  otherExamples: string[];
  /** Series of the bytes metric, overflow included. */
  series: number;
  totalBytes: number;
  totalPackets: number;
}

const label = (line: string, name: string): string | undefined => {
  const at = line.indexOf(`${name}="`);
  if (at < 0) return undefined;
  const start = at + name.length + 2;
  return line.slice(start, line.indexOf('"', start));
};

/**
 * Folds `otelacct_<aggregation>_{bytes,packets}_total` of the exposition in `file` into
 * per-pair arrays of `plan` (series keyed by source_address and destination_address).
 */
export async function readPairSeries(file: string, plan: PairPlan, aggregation = 'traffic'): Promise<PairSeries> {
  const n = plan.o.pairs;
  const out: PairSeries = {
    bytes: new Float64Array(n), packets: new Float64Array(n), seriesPerPair: new Uint8Array(n),
    overflowBytes: 0, overflowPackets: 0, otherBytes: 0, otherPackets: 0, otherSeries: 0, otherExamples: [], series: 0, totalBytes: 0, totalPackets: 0,
  };
  const bytesPrefix = `otelacct_${aggregation}_bytes_total{`;
  const packetsPrefix = `otelacct_${aggregation}_packets_total{`;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const isBytes = line.startsWith(bytesPrefix);
    if (!isBytes && !line.startsWith(packetsPrefix)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (isBytes) {
      out.series++;
      out.totalBytes += value;
    } else {
      out.totalPackets += value;
    }
    if (line.includes('otel_metric_overflow="true"')) {
      if (isBytes) out.overflowBytes += value;
      else out.overflowPackets += value;
      continue;
    }
    const src = label(line, 'source_address');
    const dst = label(line, 'destination_address');
    const i = src === undefined || dst === undefined ? -1 : plan.indexOf(src, dst);
    if (i < 0) {
      if (isBytes) {
        out.otherSeries++;
        out.otherBytes += value;
        if (out.otherExamples.length < 5) out.otherExamples.push(line);
      } else {
        out.otherPackets += value;
      }
      continue;
    }
    if (isBytes) {
      out.bytes[i] += value;
      if (out.seriesPerPair[i] < 255) out.seriesPerPair[i]++;
    } else {
      out.packets[i] += value;
    }
  }
  return out;
}

/** How folded series compare with the truth. */
export interface PairComparison {
  /** Pairs of the truth that have a series. */
  kept: number;
  /** Kept pairs whose bytes and packets equal the truth. */
  keptExact: number;
  /** Pairs split over several series. */
  split: number;
  /** Σ over all series (overflow and other included) equals the truth's totals. */
  totalsExact: boolean;
  /** The overflow series holds exactly the total minus the sum of every other series. */
  overflowExact: boolean;
  /** Kept pairs that differ, and pairs in no series at all when `expectAll` (at most 10 lines). */
  problems: string[];
  /** Count of the problems (the list is cut at 10). */
  problemCount: number;
}

/**
 * Compares `got` with `truth`. Every kept pair must be exact; with `expectAll` every pair of
 * the truth must have a series (nothing in overflow or other series).
 */
export function comparePairSeries(got: PairSeries, truth: PairsTruth, expectAll: boolean): PairComparison {
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (line: string): void => {
    problemCount++;
    if (problems.length < 10) problems.push(line);
  };
  let kept = 0;
  let keptExact = 0;
  let split = 0;
  let keptBytes = 0;
  let keptPackets = 0;
  for (let i = 0; i < truth.packets.length; i++) {
    if (got.seriesPerPair[i] === 0) {
      if (expectAll && truth.packets[i] > 0) problem(`${truth.plan.text(i)}: no series, generated ${truth.packets[i]} packets ${truth.bytes[i]} bytes`);
      continue;
    }
    kept++;
    keptBytes += got.bytes[i];
    keptPackets += got.packets[i];
    if (got.seriesPerPair[i] > 1) split++;
    if (got.bytes[i] === truth.bytes[i] && got.packets[i] === truth.packets[i]) keptExact++;
    else problem(`${truth.plan.text(i)}: otelacct ${got.packets[i]} packets ${got.bytes[i]} bytes, generated ${truth.packets[i]} packets ${truth.bytes[i]} bytes`);
  }
  if (expectAll && got.otherSeries > 0) problem(`${got.otherSeries} series are no generated pair, e.g. ${got.otherExamples[0]}`);
  if (expectAll && (got.overflowBytes !== 0 || got.overflowPackets !== 0)) problem(`overflow series holds ${got.overflowPackets} packets ${got.overflowBytes} bytes`);
  const totalsExact = got.totalBytes === truth.totalBytes && got.totalPackets === truth.totalPackets;
  const overflowExact = got.overflowBytes === truth.totalBytes - keptBytes - got.otherBytes &&
    got.overflowPackets === truth.totalPackets - keptPackets - got.otherPackets;
  return { kept, keptExact, split, totalsExact, overflowExact, problems, problemCount };
}
