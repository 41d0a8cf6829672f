/**
 * The offline scenario: one generated pcap read by the libpcap floor (bench/pcap-floor.c),
 * `tcpdump -r FILE -w /dev/null`, pmacctd (print plugin, src_host,dst_host, zmq pipe) and
 * `otelacct --read FILE --output json` (default aggregation), in that order, `runs` times, from
 * the page cache. Every run of otelacct and pmacctd is checked pair by pair against each other
 * and against the generator's own totals.
 */
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePmacctCsv, pmacctdConfig } from '../test/support/pmacct.ts';
import type { TrafficTotals } from './generate.ts';
import { measure, type Measured } from './measure.ts';
import { CLI_ARGS, cleanEnv, comparePairs, parseOtelacctJson } from './otelacct-output.ts';
import type { Tools } from './tools.ts';

/**
 * pmacctd's plugin buffer for the file runs. With the default buffer, pmacctd reading a savefile
 * sleeps about 1 ms per buffer it hands to the plugin and a 2M-packet file takes ~76 s on the
 * bench machine; with 10 MB buffers those sleeps are a few hundred and no longer dominate.
 */
export const PMACCT_PLUGIN_BUFFER = 10_240_000;
/** pmacctd's fixed sleeps in savefile mode: 2 s before the first packet, 2 s after the last. */
export const PMACCT_FIXED_SLEEP_S = 4;

/** One measured run of one tool. */
export interface OfflineRun extends Measured {
  /** Wall seconds net of fixed costs (pmacctd: its sleeps; otelacct: an empty file's run). */
  netWall: number;
}

/** Everything the offline scenario measured. */
export interface OfflineResult {
  runs: Record<'floor' | 'tcpdump' | 'pmacctd' | 'otelacct' | 'otelacctEmpty', OfflineRun[]>;
  /** pmacctd's core, start of reading to end of file, per run (s): a cross-check of netWall. */
  pmacctReadSpan: number[];
  /** Differences found (empty: every run agreed pair by pair). */
  mismatches: string[];
}

function check(r: Measured, what: string): Measured {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}\n${r.stderr.slice(-3000)}`);
  return r;
}

/**
 * Polls pmacctd core's position in the file every 5 ms: the span from its first move past the
 * header (after the start-up sleep) to its last move (the core closes the file at its end).
 */
function watchReadSpan(pid: number, file: string): { stop: () => number | undefined } {
  let fd: string | undefined;
  let lastPos = -1;
  let t0 = 0;
  let t1 = 0;
  const timer = setInterval(() => {
    try {
      fd ??= fdOf(pid, file);
      if (fd === undefined) return;
      const pos = Number(/pos:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1]);
      const now = performance.now();
      if (lastPos >= 0 && pos !== lastPos) {
        if (t0 === 0) t0 = now;
        t1 = now;
      }
      lastPos = pos;
    } catch {
      // closed or gone
    }
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return t0 > 0 && t1 > t0 ? (t1 - t0) / 1000 : undefined;
    },
  };
}

/** The fd number under which `pid` has `file` open, if it has. */
function fdOf(pid: number, file: string): string | undefined {
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) return fd;
    } catch {
      // closed meanwhile
    }
  }
  return undefined;
}

async function runPmacctd(tools: Tools, file: string, dir: string, spans: number[]) {
  const csv = join(dir, 'pmacct.csv');
  const conf = join(dir, 'pmacctd.conf');
  writeFileSync(conf, `${pmacctdConfig(file, csv, ['src_host', 'dst_host'])}plugin_buffer_size: ${PMACCT_PLUGIN_BUFFER}\n`);
  let watch: { stop: () => number | undefined } | undefined;
  const r = check(await measure(tools.pmacctd, ['-f', conf], {
    cwd: dir, onStart: (pid) => (watch = watchReadSpan(pid, file)), pollMs: 20,
  }), 'pmacctd');
  const span = watch?.stop();
  if (span !== undefined) spans.push(span);
  const purge = /QN: (\d+)\/(\d+)/.exec(r.stderr);
  if (purge === null || purge[1] !== purge[2]) throw new Error(`pmacctd did not purge its whole cache:\n${r.stderr.slice(-3000)}`);
  const pairs = parsePmacctCsv(readFileSync(csv, 'utf8'), ['src_host', 'dst_host']);
  return { run: { ...r, netWall: r.wall - PMACCT_FIXED_SLEEP_S }, pairs };
}

/**
 * Runs the offline scenario on `file` (with `totals` from the generator) and `empty` (a pcap
 * with no packets, for otelacct's start-up cost).
 */
export async function runOffline(tools: Tools, file: string, empty: string, totals: TrafficTotals, runs: number,
  dir: string, log: (line: string) => void): Promise<OfflineResult> {
  const result: OfflineResult = {
    runs: { floor: [], tcpdump: [], pmacctd: [], otelacct: [], otelacctEmpty: [] }, pmacctReadSpan: [], mismatches: [],
  };
  const env = cleanEnv();
  for (let run = 1; run <= runs; run++) {
    const floor = check(await measure(tools.pcapFloor, [file]), 'pcap-floor');
    const [packets] = floor.stdout.trim().split(' ').map(Number);
    if (packets !== totals.packets) throw new Error(`pcap-floor read ${packets} packets, the file has ${totals.packets}`);
    result.runs.floor.push({ ...floor, netWall: floor.wall });

    const tcpdump = check(await measure(tools.tcpdump, ['-r', file, '-w', '/dev/null']), 'tcpdump');
    result.runs.tcpdump.push({ ...tcpdump, netWall: tcpdump.wall });

    const pm = await runPmacctd(tools, file, dir, result.pmacctReadSpan);
    result.runs.pmacctd.push(pm.run);

    const empt = check(await measure(process.execPath, [...CLI_ARGS, '--read', empty, '--output', 'json'], { env }), 'otelacct (empty file)');
    result.runs.otelacctEmpty.push({ ...empt, netWall: empt.wall });
    // Every pair must be its own series to compare pair by pair: size the limit to the input
    // (an operator does the same for per-pair accounting; the default keeps 10,000 series).
    const limit = String(Math.max(10_000, 2 * totals.pairs.size + 16));
    const o = check(await measure(process.execPath, [...CLI_ARGS, '--read', file, '--output', 'json', '--cardinality-limit', limit], { env }), 'otelacct');
    const out = parseOtelacctJson(o.stdout);
    result.runs.otelacct.push({ ...o, netWall: o.wall - empt.wall });

    const vsPmacct = comparePairs(out.pairs, 'otelacct', pm.pairs, 'pmacctd');
    if (vsPmacct.length > 0) {
      const truth = comparePairs(pm.pairs, 'pmacctd', totals.pairs, 'generated');
      result.mismatches.push(`run ${run}: otelacct and pmacctd differ on ${file}:`, ...vsPmacct,
        truth.length === 0 ? '(pmacctd agrees with the generated totals)' : `pmacctd vs generated: ${truth.join('; ')}`);
    }
    const vsTruth = comparePairs(out.pairs, 'otelacct', totals.pairs, 'generated');
    if (vsTruth.length > 0) result.mismatches.push(`run ${run}: otelacct differs from the generated totals:`, ...vsTruth);
    log(`offline run ${run}/${runs}: floor ${floor.wall.toFixed(2)} s, tcpdump ${tcpdump.wall.toFixed(2)} s, ` +
      `pmacctd ${pm.run.wall.toFixed(2)} s, otelacct ${o.wall.toFixed(2)} s (empty file ${empt.wall.toFixed(2)} s), ` +
      `pairs ${vsPmacct.length === 0 ? 'equal' : 'DIFFER'}`);
  }
  return result;
}
