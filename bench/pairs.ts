/**
 * The per-pair offline scenarios on the ~1M-pair capture (test/support/pairs-capture.ts):
 *
 *  - pairs-default: `otelacct --read F` with default limits (whole command, exposition written to
 *    a file): its totals must equal the generator's, every kept pair series must be exact, and
 *    the overflow series must hold exactly the total minus every other series;
 *  - pairs-all: the same with `--cardinality-limit max(2,000,000, pairs + 1)` (and `--max-flows`
 *    when asked): every pair its own series, byte- and packet-exact;
 *
 * each run next to one pmacctd run on the same file (src_host,dst_host, the offline scenario's
 * configuration; see runPmacctd). pmacctd is not an oracle here: its totals and pairs are
 * compared with the generator's and reported.
 */
import { createReadStream, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pmacctdConfig } from '../test/support/pmacct.ts';
import { comparePairSeries, readPairSeries, type PairComparison } from '../test/support/pair-series.ts';
import type { PairsTruth } from '../test/support/pairs-capture.ts';
import { measure, type Measured } from './measure.ts';
import { CLI_ARGS, cleanEnv } from './otelacct-output.ts';
import { PMACCT_FIXED_SLEEP_S, PMACCT_PLUGIN_BUFFER } from './offline.ts';
import type { Tools } from './tools.ts';

/** One pmacctd run on the pairs capture, with what it counted. */
export interface PmacctPairsRun extends Measured {
  /** Wall seconds without its fixed savefile sleeps. */
  netWall: number;
  packets: number;
  bytes: number;
  /** CSV rows (aggregates written). */
  rows: number;
  /** Rows that are a generated pair with exactly its bytes and packets. */
  exactPairs: number;
  /** The plugin's purge lines said it wrote every entry it held. */
  purgedAll: boolean;
  /** print_cache_entries used. */
  cacheEntries: number;
}

/** One otelacct run and its check against the truth. */
export interface OtelacctPairsRun extends Measured {
  check: PairComparison;
  /** Series of otelacct_traffic_bytes_total, overflow included. */
  series: number;
  /** Size of the exposition written, bytes. */
  outputBytes: number;
}

/** Everything the pairs scenarios measured. */
export interface PairsResult {
  pmacctd: PmacctPairsRun[];
  default: OtelacctPairsRun[];
  all: OtelacctPairsRun[];
  /** Arguments of the pairs-all runs after --read F. */
  allArgs: string[];
  /** Differences found (empty: every check passed). */
  mismatches: string[];
}

/** pmacctd's default print_cache_entries (the offline scenario's configuration). */
export const PMACCT_DEFAULT_CACHE = 16411;

/**
 * Runs pmacctd on the pairs capture: the offline scenario's configuration, plus
 * `print_output_file_append` (when its cache fills up, the print plugin purges it mid-run, and
 * without append the next purge overwrites the file), and `cacheEntries` as
 * print_cache_entries. pmacctd allocates ~4 KB per cache bucket up front: with 100,003 buckets
 * (400 MB, room for ~1.1M entries) its plugin is still initialising after the core's 2 s
 * start-up sleep and misses everything, so the sleep (pcap_savefile_delay) grows with the cache.
 * Measured with the default cache on 1M pairs: mid-run purges and only ~4-22 % of the packets
 * counted; with 100,003 buckets, every packet, in ~450 MB.
 */
async function runPmacctd(tools: Tools, file: string, truth: PairsTruth, cacheEntries: number, dir: string): Promise<PmacctPairsRun> {
  const csv = join(dir, 'pmacct-pairs.csv');
  const conf = join(dir, 'pmacctd-pairs.conf');
  const delay = cacheEntries <= PMACCT_DEFAULT_CACHE ? 0 : 2 + Math.ceil(cacheEntries / 20_000);
  const config = pmacctdConfig(file, csv, ['src_host', 'dst_host'])
    .replace(/^(print_cache_entries\[o\]: )\d+$/m, `$1${cacheEntries}`);
  writeFileSync(conf, `${config}plugin_buffer_size: ${PMACCT_PLUGIN_BUFFER}\nprint_output_file_append[o]: true\n` +
    (delay > 0 ? `pcap_savefile_delay: ${delay}\n` : ''));
  rmSync(csv, { force: true });
  const r = await measure(tools.pmacctd, ['-f', conf], { cwd: dir, pollMs: 20, timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`pmacctd exited with ${r.code}\n${r.stderr.slice(-3000)}`);
  const purge = [...r.stderr.matchAll(/QN: (\d+)\/(\d+)/g)];
  const purgedAll = purge.length > 0 && purge.every((m) => m[1] === m[2]);
  // A pair can be in several purges: fold the rows per pair index.
  const pairPackets = new Float64Array(truth.plan.o.pairs);
  const pairBytes = new Float64Array(truth.plan.o.pairs);
  let packets = 0;
  let bytes = 0;
  let rows = 0;
  let at: { src: number; dst: number; packets: number; bytes: number } | undefined;
  for await (const line of createInterface({ input: createReadStream(csv), crlfDelay: Infinity })) {
    const cells = line.split(',');
    if (line === '' || (at !== undefined && cells[0] === 'SRC_IP')) continue;
    if (at === undefined) {
      const keys = cells.map((_, i) => i).filter((i) => !['PACKETS', 'BYTES', 'FLOWS'].includes(cells[i]));
      at = { src: keys[0], dst: keys[1], packets: cells.indexOf('PACKETS'), bytes: cells.indexOf('BYTES') };
      if (keys.length !== 2 || at.packets < 0 || at.bytes < 0) throw new Error(`pmacctd: unexpected CSV header "${line}"`);
      continue;
    }
    rows++;
    const p = Number(cells[at.packets]);
    const b = Number(cells[at.bytes]);
    packets += p;
    bytes += b;
    const i = truth.plan.indexOf(cells[at.src], cells[at.dst]);
    if (i >= 0) {
      pairPackets[i] += p;
      pairBytes[i] += b;
    }
  }
  rmSync(csv, { force: true });
  let exactPairs = 0;
  for (let i = 0; i < pairPackets.length; i++) if (truth.packets[i] > 0 && pairPackets[i] === truth.packets[i] && pairBytes[i] === truth.bytes[i]) exactPairs++;
  return { ...r, netWall: r.wall - PMACCT_FIXED_SLEEP_S - (delay > 0 ? delay - 2 : 0), packets, bytes, rows, exactPairs, purgedAll, cacheEntries };
}

async function runOtelacct(file: string, args: string[], truth: PairsTruth, expectAll: boolean, dir: string): Promise<OtelacctPairsRun> {
  const out = join(dir, 'otelacct-pairs.prom');
  const r = await measure(process.execPath, [...CLI_ARGS, '--read', file, ...args], { env: cleanEnv(), stdoutFile: out, timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`otelacct --read ${file} ${args.join(' ')} exited with ${r.code}\n${r.stderr.slice(-3000)}`);
  const outputBytes = statSync(out).size;
  const got = await readPairSeries(out, truth.plan);
  rmSync(out, { force: true });
  return { ...r, check: comparePairSeries(got, truth, expectAll), series: got.series, outputBytes };
}

/** Lines describing what a check found wrong (empty when it passed). */
function problems(c: PairComparison, expectAll: boolean): string[] {
  const out: string[] = [];
  if (!c.totalsExact) out.push('the series do not sum to the generated totals');
  if (!c.overflowExact) out.push('the overflow series is not the total minus the other series');
  if (c.problemCount > 0) out.push(`${c.problemCount} pairs differ${expectAll ? ' or are missing' : ''}:`, ...c.problems);
  return out;
}

/**
 * Runs pmacctd and the selected otelacct scenarios `runs` times on `file`. `allMaxFlows`: the
 * --max-flows of pairs-all (undefined: otelacct's default); `pmacctCacheEntries`: pmacctd's
 * print_cache_entries (default 16411).
 */
export async function runPairs(tools: Tools, file: string, truth: PairsTruth, want: { default: boolean; all: boolean },
  runs: number, o: { allMaxFlows?: number; pmacctCacheEntries?: number }, dir: string, log: (line: string) => void): Promise<PairsResult> {
  const allMaxFlows = o.allMaxFlows;
  const allArgs = ['--cardinality-limit', String(Math.max(2_000_000, truth.plan.o.pairs + 1)),
    ...(allMaxFlows === undefined ? [] : ['--max-flows', String(allMaxFlows)])];
  const result: PairsResult = { pmacctd: [], default: [], all: [], allArgs, mismatches: [] };
  for (let run = 1; run <= runs; run++) {
    const pm = await runPmacctd(tools, file, truth, o.pmacctCacheEntries ?? PMACCT_DEFAULT_CACHE, dir);
    result.pmacctd.push(pm);
    const parts = [`pmacctd ${pm.wall.toFixed(2)} s (${pm.packets}/${truth.totalPackets} packets, ${pm.exactPairs}/${truth.distinct} pairs exact)`];
    if (want.default) {
      const o = await runOtelacct(file, [], truth, false, dir);
      result.default.push(o);
      const bad = problems(o.check, false);
      if (bad.length > 0) result.mismatches.push(`pairs-default run ${run}:`, ...bad);
      parts.push(`otelacct defaults ${o.wall.toFixed(2)} s, ${o.series} series, checks ${bad.length === 0 ? 'pass' : 'FAIL'}`);
    }
    if (want.all) {
      const o = await runOtelacct(file, allArgs, truth, true, dir);
      result.all.push(o);
      const bad = problems(o.check, true);
      if (bad.length > 0) result.mismatches.push(`pairs-all run ${run} (${allArgs.join(' ')}):`, ...bad);
      parts.push(`otelacct all pairs ${o.wall.toFixed(2)} s, peak RSS ${(o.peakRssKiB / 1024).toFixed(0)} MiB, ${o.check.keptExact}/${truth.distinct} pairs exact`);
    }
    log(`pairs run ${run}/${runs}: ${parts.join('; ')}`);
  }
  return result;
}
