/**
 * The bounded-memory scenario: a scan of `sources` distinct source addresses (one 40-byte packet
 * each, one destination) streamed by bench/generate.ts through a FIFO into
 * `otelacct --read FIFO --output json` with default limits, so the file never touches the disk.
 * otelacct's VmRSS is sampled every 100 ms; the totals must be conserved exactly and the series
 * exported must stay within export.cardinalityLimit (the overflow series included).
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { FlowTable } from '../src/account/flow-table.ts';
import { SCAN_PACKET_BYTES } from './generate.ts';
import { killTree, measure, type Measured } from './measure.ts';
import { CLI_ARGS, cleanEnv, parseOtelacctJson } from './otelacct-output.ts';

/** What the scan measured. */
export interface ScanResult {
  sources: number;
  run: Measured;
  /** Peak RSS of an otelacct run on an empty file (same output), KiB. */
  baselineRssKiB: number;
  maxFlows: number;
  cardinalityLimit: number;
  /** Bytes the flow table allocates (FlowTable.memoryBytes() at accounting.maxFlows). */
  flowTableBytes: number;
  /** Series of otelacct.traffic.bytes exported at the end. */
  series: number;
  bytes: number;
  packets: number;
  /** Empty when totals are conserved and the series within the limit. */
  problems: string[];
}

/** The defaults otelacct runs with (as --print-config shows them). */
function defaults(): { maxFlows: number; cardinalityLimit: number } {
  const text = execFileSync(process.execPath, [...CLI_ARGS, '--print-config'], { env: cleanEnv(), encoding: 'utf8' });
  const c = JSON.parse(text) as { accounting: { maxFlows: number }; export: { cardinalityLimit: number } };
  return { maxFlows: c.accounting.maxFlows, cardinalityLimit: c.export.cardinalityLimit };
}

/** Runs the scan through a FIFO in `dir`; `empty` is a pcap without packets (baseline RSS). */
export async function runScan(sources: number, dir: string, empty: string, log: (line: string) => void): Promise<ScanResult> {
  const { maxFlows, cardinalityLimit } = defaults();
  const env = cleanEnv();
  const baseline = await measure(process.execPath, [...CLI_ARGS, '--read', empty, '--output', 'json'], { env, pollMs: 100 });
  const fifo = join(dir, 'scan.fifo');
  execFileSync('mkfifo', [fifo]);
  const generator = spawn(process.execPath, [new URL('./generate.ts', import.meta.url).pathname, 'scan', '--sources', String(sources), '--out', fifo],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let generatorError = '';
  generator.stderr.setEncoding('utf8').on('data', (d: string) => (generatorError += d));
  let run: Measured;
  try {
    run = await measure(process.execPath, [...CLI_ARGS, '--read', fifo, '--output', 'json'], { env, pollMs: 100, timeoutMs: 1_200_000 });
  } finally {
    killTree(generator, 'SIGKILL');
  }
  const problems: string[] = [];
  if (run.code !== 0) problems.push(`otelacct exited with ${run.code}: ${run.stderr.slice(-2000)}`);
  if (generatorError !== '') problems.push(`generator: ${generatorError.slice(-2000)}`);
  const out = run.code === 0 ? parseOtelacctJson(run.stdout) : undefined;
  const bytes = out?.bytes ?? 0;
  const packets = out?.packets ?? 0;
  const series = out?.series ?? 0;
  if (bytes !== sources * SCAN_PACKET_BYTES) problems.push(`scan: otelacct_traffic_bytes_total sums to ${bytes}, expected ${sources} × ${SCAN_PACKET_BYTES} = ${sources * SCAN_PACKET_BYTES}`);
  if (packets !== sources) problems.push(`scan: otelacct_traffic_packets_total sums to ${packets}, expected ${sources}`);
  if (series > cardinalityLimit) problems.push(`scan: ${series} series exported, more than export.cardinalityLimit ${cardinalityLimit}`);
  log(`scan: ${sources} sources in ${run.wall.toFixed(1)} s, peak RSS ${(run.peakRssKiB / 1024).toFixed(0)} MiB, ${series} series, ` +
    `bytes ${bytes === sources * SCAN_PACKET_BYTES ? 'conserved' : 'NOT conserved'}`);
  return {
    sources, run, baselineRssKiB: baseline.peakRssKiB, maxFlows, cardinalityLimit,
    flowTableBytes: new FlowTable(maxFlows).memoryBytes(), series, bytes, packets, problems,
  };
}
