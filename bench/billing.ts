/**
 * The billing scenario: the shipped billing configuration (deploy/otelacct.yaml: three
 * aggregations, local networks, the networks file deploy/networks.lst; OTLP off) against the
 * single default aggregation, on the same capture, whose addresses lie in the configuration's
 * local networks (test/support/pair-addresses.ts). Measured: CPU seconds (user + system) of the
 * otelacct process per Mpkt, `runs` times each (interleaved), medians; and the same on a pcap
 * without packets, so the per-packet cost can also be given net of start-up and output.
 * Both runs must count the generated totals in their traffic aggregation.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPairSeries } from '../test/support/pair-series.ts';
import type { PairsTruth } from '../test/support/pairs-capture.ts';
import { measure, type Measured } from './measure.ts';
import { CLI_ARGS, cleanEnv } from './otelacct-output.ts';

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
  const result: BillingResult = { single: { runs: [], empty: [] }, billing: { runs: [], empty: [] }, packets: truth.totalPackets, mismatches: [] };
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
      parts.push(`${name} ${(r.run.cpu / mpkt).toFixed(3)} CPU s/Mpkt (${r.run.wall.toFixed(2)} s wall)`);
    }
    log(`billing run ${run}/${runs}: ${parts.join('; ')}`);
  }
  return result;
}
