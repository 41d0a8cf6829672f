/**
 * The billing scenario: the shipped billing configuration (deploy/otelacct.yaml: three
 * aggregations, local networks, the networks file deploy/networks.lst; OTLP off) against the
 * single default aggregation, on the same capture, whose addresses lie in the configuration's
 * local networks (test/support/pair-addresses.ts). Measured: CPU seconds (user + system) of the
 * otelacct process per Mpkt, `runs` times each (interleaved), medians; and the same on a pcap
 * without packets, so the per-packet cost can also be given net of start-up and output.
 * Both runs must count the generated totals in their traffic aggregation.
 *
 * The same two configurations also in the steady state (bench/warm-read.ts): the capture read
 * WARM_READS times in one process, each read into a fresh pipeline, the CPU of the reads after
 * the first (compiled code, no start-up, no output) being what a meter that runs for days pays
 * per packet. Both net figures above still hold V8's compiling, which costs the billing
 * configuration more (more code on the per-packet path) on a capture of a few seconds.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPairSeries } from '../test/support/pair-series.ts';
import type { PairsTruth } from '../test/support/pairs-capture.ts';
import { measure, median, type Measured } from './measure.ts';
import { CLI_ARGS, cleanEnv } from './otelacct-output.ts';

/** bench/warm-read.ts, and how many reads it makes per run (the first one compiles the code). */
const WARM_READ = fileURLToPath(new URL('./warm-read.ts', import.meta.url));
const WARM_READS = 3;

/** The shipped billing configuration and its networks file. */
export const BILLING_CONFIG = fileURLToPath(new URL('../deploy/otelacct.yaml', import.meta.url));
export const BILLING_NETWORKS = fileURLToPath(new URL('../deploy/networks.lst', import.meta.url));
/** The flags that make the shipped file usable here: the repository's networks file, no OTLP. */
export const BILLING_ARGS = ['--config', BILLING_CONFIG, '--networks-file', BILLING_NETWORKS, '--otlp-endpoint', ''];

/** One configuration's runs. */
export interface BillingSide {
  runs: Measured[];
  /** The same command on a pcap without packets. */
  empty: Measured[];
  /** Per run, CPU seconds of bench/warm-read.ts's reads after the first (the steady state), median. */
  warm: number[];
}

/** Everything the billing scenario measured. */
export interface BillingResult {
  single: BillingSide;
  billing: BillingSide;
  packets: number;
  mismatches: string[];
}

async function once(file: string, args: string[], truth: PairsTruth, dir: string): Promise<{ run: Measured; bytes: number; packets: number }> {
  const out = join(dir, 'otelacct-billing.prom');
  const run = await measure(process.execPath, [...CLI_ARGS, '--read', file, ...args], { env: cleanEnv(), stdoutFile: out, timeoutMs: 900_000 });
  if (run.code !== 0) throw new Error(`otelacct --read ${file} ${args.join(' ')} exited with ${run.code}\n${run.stderr.slice(-3000)}`);
  const got = await readPairSeries(out, truth.plan);
  rmSync(out, { force: true });
  return { run, bytes: got.totalBytes, packets: got.totalPackets };
}

/** Runs the scenario on `file` (`empty`: a pcap without packets). */
export async function runBilling(file: string, empty: string, truth: PairsTruth, runs: number, dir: string,
  log: (line: string) => void): Promise<BillingResult> {
  const result: BillingResult = {
    single: { runs: [], empty: [], warm: [] }, billing: { runs: [], empty: [], warm: [] }, packets: truth.totalPackets, mismatches: [],
  };
  const mpkt = truth.totalPackets / 1e6;
  for (let run = 1; run <= runs; run++) {
    const parts: string[] = [];
    for (const [name, side, args] of [['default', result.single, []], ['billing', result.billing, BILLING_ARGS]] as const) {
      const r = await once(file, [...args], truth, dir);
      side.runs.push(r.run);
      side.empty.push((await once(empty, [...args], truth, dir)).run);
      if (r.bytes !== truth.totalBytes || r.packets !== truth.totalPackets) {
        result.mismatches.push(`billing run ${run}, ${name} configuration: otelacct_traffic_* sum to ${r.packets} packets ${r.bytes} bytes, ` +
          `generated ${truth.totalPackets} packets ${truth.totalBytes} bytes`);
      }
      const warm = await warmReads(file, [...args], truth, `billing run ${run}, ${name} configuration`, result.mismatches);
      side.warm.push(warm);
      parts.push(`${name} ${(r.run.cpu / mpkt).toFixed(3)} CPU s/Mpkt (${r.run.wall.toFixed(2)} s wall), warm ${(warm / mpkt).toFixed(3)}`);
    }
    log(`billing run ${run}/${runs}: ${parts.join('; ')}`);
  }
  return result;
}

/**
 * bench/warm-read.ts on `file` with `args`: the median CPU seconds of its reads after the first.
 * A read whose totals differ from the generated ones is reported in `mismatches` as `what`.
 */
async function warmReads(file: string, args: string[], truth: PairsTruth, what: string, mismatches: string[]): Promise<number> {
  const run = await measure(process.execPath, ['--max-semi-space-size=2', WARM_READ, file, String(WARM_READS), ...args], { env: cleanEnv(), timeoutMs: 900_000 });
  if (run.code !== 0) throw new Error(`bench/warm-read.ts ${file} ${args.join(' ')} exited with ${run.code}\n${run.stderr.slice(-3000)}`);
  const r = JSON.parse(run.stdout) as { cpu: number[]; packets: number[]; bytes: number[] };
  r.packets.forEach((packets, i) => {
    if (packets !== truth.totalPackets || r.bytes[i] !== truth.totalBytes) {
      mismatches.push(`${what}, warm read ${i + 1}: ${packets} packets ${r.bytes[i]} bytes, generated ${truth.totalPackets} packets ${truth.totalBytes} bytes`);
    }
  });
  return median(r.cpu.slice(1));
}
