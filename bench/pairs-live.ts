/**
 * The per-pair live scenario (root): a veth pair into a network namespace, as bench/live.ts.
 *
 *  - replay: the ~1M-pair capture replayed with `tcpreplay --topspeed` while otelacct (default
 *    settings) captures on the host end (bench/live.ts captureOnce): packets lost, kernel drops,
 *    totals against the capture's, CPU seconds per Mpkt captured;
 *  - fresh start: otelacct is started, and as soon as it logs "capturing", trafgen (netsniff-ng,
 *    one process, `--fresh-rate` or top speed) sends `--fresh-packets` UDP packets with random
 *    source and destination addresses (almost every packet a new pair), then the same number
 *    again: the drops of the first batch are the warm-up's (table growth, first flushes, JIT),
 *    those of the second the steady state's at that rate.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VethNamespace } from '../test/support/netns.ts';
import { OutputWatch } from '../test/support/processes.ts';
import { parseExposition, sumBy } from '../test/support/run-otelacct.ts';
import type { PairsTruth } from '../test/support/pairs-capture.ts';
import { captureOnce, settle, vethDropped, type LiveRun } from './live.ts';
import { killTree, processMemory, processTree, treeCpu } from './measure.ts';
import { CLI_ARGS, cleanEnv } from './otelacct-output.ts';
import type { Tools } from './tools.ts';

/** IP length of every trafgen packet: IPv4 20 + UDP 8 + 18 bytes of payload. */
export const FRESH_IP_BYTES = 46;

/** One trafgen batch into a freshly started otelacct. */
export interface FreshBatch {
  sent: number;
  seconds: number;
  captured: number;
  kernelDrops: number;
  vethDrops: number;
  cpu: number;
}

/** One fresh-start run: two batches, and what otelacct counted in all. */
export interface FreshRun {
  batches: FreshBatch[];
  packets: number;
  bytes: number;
  peakRssKiB: number;
}

/** Everything the scenario measured. */
export interface PairsLiveResult {
  replay: LiveRun[];
  fresh: FreshRun[];
  interface: string;
  /** trafgen's rate option, or 'top speed'. */
  freshRate: string;
  freshPackets: number;
}

const TRAFGEN_CONFIG = `{
  eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01),
  ipv4(saddr=drnd(), daddr=drnd(), proto=17, ttl=64),
  udp(sp=40000, dp=53),
  fill(0x00, 18)
}
`;

function one(metrics: Map<string, number>, name: string): number {
  return [...sumBy(metrics, name, []).values()].reduce((a, b) => a + b, 0);
}

async function scrape(url: string): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(url)).text());
}

function trafgen(tools: Tools, ns: VethNamespace, conf: string, packets: number, rate: string | undefined): { sent: number; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync('ip', ['netns', 'exec', ns.ns, tools.trafgen!, '--dev', ns.peerIf, '--conf', conf, '--cpus', '1', '--num', String(packets),
    ...(rate === undefined ? [] : ['--rate', rate])], { encoding: 'utf8', timeout: 600_000 });
  const seconds = (performance.now() - t0) / 1000;
  const m = /(\d+) packets outgoing/.exec(`${r.stdout}${r.stderr}`);
  if (r.status !== 0 || m === null) throw new Error(`trafgen failed (${r.status}): ${r.stdout}${r.stderr}`);
  return { sent: Number(m[1]), seconds };
}

async function freshOnce(tools: Tools, ns: VethNamespace, conf: string, packets: number, rate: string | undefined): Promise<FreshRun> {
  const child: ChildProcess = spawn(process.execPath, [...CLI_ARGS, '-i', ns.hostIf, '--prometheus-port', '0', '--prometheus-host', '127.0.0.1'],
    { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  try {
    const watch = new OutputWatch(child);
    const url = (JSON.parse(await watch.line(/"msg":"serving metrics"/)) as { url: string }).url;
    await watch.line(/"msg":"capturing"/);
    const batches: FreshBatch[] = [];
    let captured0 = 0;
    let drops0 = 0;
    for (let b = 0; b < 2; b++) {
      const cpu0 = treeCpu(child.pid!);
      const veth0 = vethDropped(ns.hostIf);
      const sent = trafgen(tools, ns, conf, packets, rate);
      await settle(child.pid!, 1500);
      const cpu = treeCpu(child.pid!) - cpu0;
      const m = await scrape(url);
      const captured = one(m, 'otelacct_capture_packets_total');
      const drops = one(m, 'otelacct_capture_dropped_total');
      batches.push({ ...sent, captured: captured - captured0, kernelDrops: drops - drops0, vethDrops: vethDropped(ns.hostIf) - veth0, cpu });
      captured0 = captured;
      drops0 = drops;
    }
    const m = await scrape(url);
    const peakRssKiB = processTree(child.pid!).reduce((s, p) => s + (processMemory(p)?.hwm ?? 0), 0);
    return { batches, packets: one(m, 'otelacct_traffic_packets_total'), bytes: one(m, 'otelacct_traffic_bytes_total'), peakRssKiB };
  } finally {
    killTree(child, 'SIGKILL');
  }
}

/** Runs the scenario `runs` times; the namespace is removed even on error. */
export async function runPairsLive(tools: Tools, file: string, truth: PairsTruth, runs: number, freshPackets: number,
  freshRate: string | undefined, dir: string, log: (line: string) => void): Promise<PairsLiveResult> {
  const ns = new VethNamespace(10);
  const conf = join(dir, 'trafgen.cfg');
  writeFileSync(conf, TRAFGEN_CONFIG);
  try {
    // No IPv6 on the pair: nothing but the replay crosses it.
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${ns.hostIf}.disable_ipv6=1`]);
    spawnSync('ip', ['netns', 'exec', ns.ns, 'sysctl', '-qw', `net.ipv6.conf.${ns.peerIf}.disable_ipv6=1`]);
    const result: PairsLiveResult = { replay: [], fresh: [], interface: ns.hostIf, freshRate: freshRate ?? 'top speed', freshPackets };
    for (let run = 1; run <= runs; run++) {
      const r = await captureOnce(tools, 'otelacct', ns, file, dir);
      result.replay.push(r);
      const exact = r.packets === truth.totalPackets && r.bytes === truth.totalBytes;
      const f = await freshOnce(tools, ns, conf, freshPackets, freshRate);
      result.fresh.push(f);
      log(`pairs-live run ${run}/${runs}: replay ${r.captured}/${r.sent} in ${r.replaySeconds.toFixed(2)} s, cpu ${r.cpu.toFixed(2)} s, ` +
        `totals ${exact ? 'exact' : `counted ${r.packets} packets ${r.bytes} bytes`}; fresh start ` +
        f.batches.map((b, k) => `batch ${k + 1}: ${b.captured}/${b.sent} in ${b.seconds.toFixed(2)} s, kernel drops ${b.kernelDrops}`).join(', '));
    }
    return result;
  } finally {
    ns.dispose();
  }
}
