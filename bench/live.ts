/**
 * The live scenario: a veth pair whose far end sits in a network namespace; each tool captures
 * on the host end while `tcpreplay --topspeed` replays the same pcap into the far end. Tools run
 * one at a time, in turn (otelacct, pmacctd, tcpdump), `runs` times.
 *
 * Per replay: packets sent (tcpreplay's "Actual"), packets the tool captured and the kernel drops
 * it reports (otelacct: otelacct_capture_packets_total and otelacct_capture_dropped_total;
 * pmacctd: its exit NOTICE, received − dropped; tcpdump: its exit summary, "captured"), packets the veth itself dropped (rx_dropped), the tool's CPU seconds from just
 * before the replay until its CPU use settles after it (/proc utime+stime of the process tree,
 * so start-up and shutdown are excluded), and its peak RSS (VmHWM, summed over the tree).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePmacctCsv, pmacctdConfig } from '../test/support/pmacct.ts';
import { VethNamespace } from '../test/support/netns.ts';
import { OutputWatch, waitFor } from '../test/support/processes.ts';
import { parseExposition, sumBy } from '../test/support/run-otelacct.ts';
import type { TrafficTotals } from './generate.ts';
import { killTree, processMemory, processTree, treeCpu } from './measure.ts';
import { CLI_ARGS, cleanEnv } from './otelacct-output.ts';
import { PMACCT_PLUGIN_BUFFER } from './offline.ts';
import type { Tools } from './tools.ts';

/** One replay captured by one tool. */
export interface LiveRun {
  sent: number;
  /** tcpreplay's own duration of the replay, seconds. */
  replaySeconds: number;
  captured: number;
  /** Kernel drops as the tool reports them (undefined: it does not say). */
  kernelDrops: number | undefined;
  /** rx_dropped of the host veth end during the replay. */
  vethDrops: number;
  cpu: number;
  peakRssKiB: number;
  /** Traffic totals the tool counted (packets, IP bytes), when it reports them. */
  packets: number | undefined;
  bytes: number | undefined;
}

export type LiveTool = 'otelacct' | 'pmacctd' | 'tcpdump';

/** Everything the live scenario measured. */
export interface LiveResult {
  runs: Record<LiveTool, LiveRun[]>;
  interface: string;
}

/** A started capture tool: its pid, and how to stop it and read what it counted. */
interface Capture {
  child: ChildProcess;
  pid: number;
  finish: () => Promise<{ captured: number; kernelDrops: number | undefined; packets?: number; bytes?: number }>;
}

function exited(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  if ((child.exitCode !== null || child.signalCode !== null) && child.stderr?.readableEnded !== false) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => killTree(child, 'SIGKILL'), timeoutMs);
    // 'close', not 'exit': the last of its stderr (exit summaries) has been read by then.
    child.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * How captureOnce starts otelacct, when not as the bench does by default: `args` replace
 * CLI_ARGS (node flags, another checkout's src/cli.ts), `extra` are otelacct flags, `env` is
 * added to the clean environment (bench/live-page-loop.ts).
 */
export interface OtelacctStart {
  args?: string[];
  extra?: string[];
  env?: NodeJS.ProcessEnv;
}

async function startOtelacct(ifName: string, o: OtelacctStart = {}): Promise<Capture> {
  const child = spawn(process.execPath, [...(o.args ?? CLI_ARGS), '-i', ifName, '--prometheus-port', '0', '--prometheus-host', '127.0.0.1', ...(o.extra ?? [])],
    { env: { ...cleanEnv(), ...o.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const watch = new OutputWatch(child);
  const line = await watch.line(/"msg":"serving metrics"/);
  await watch.line(/"msg":"capturing"/);
  const url = (JSON.parse(line) as { url: string }).url;
  return {
    child, pid: child.pid!,
    finish: async () => {
      const metrics = parseExposition(await (await fetch(url)).text());
      const one = (name: string) => [...sumBy(metrics, name, []).values()].reduce((a, b) => a + b, 0);
      child.kill('SIGTERM');
      await exited(child);
      const hasDrops = [...metrics.keys()].some((k) => k.startsWith('otelacct_capture_dropped_total'));
      return {
        captured: one('otelacct_capture_packets_total'), kernelDrops: hasDrops ? one('otelacct_capture_dropped_total') : undefined,
        packets: one('otelacct_traffic_packets_total'), bytes: one('otelacct_traffic_bytes_total'),
      };
    },
  };
}

async function startPmacctd(tools: Tools, ifName: string, dir: string): Promise<Capture> {
  const csv = join(dir, 'pmacct-live.csv');
  const conf = join(dir, 'pmacctd-live.conf');
  // The file config with the interface instead of the file (same plugin, pipe and buffer).
  const config = pmacctdConfig('/dev/null', csv, ['src_host', 'dst_host'])
    .replace(/^pcap_savefile: .*$/m, `pcap_interface: ${ifName}`).replace(/^pcap_savefile_wait: .*\n/m, '')
    .replace(/^promisc: .*$/m, 'promisc: true');
  writeFileSync(conf, `${config}plugin_buffer_size: ${PMACCT_PLUGIN_BUFFER}\n`);
  const child = spawn(tools.pmacctd, ['-f', conf], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const watch = new OutputWatch(child);
  // Its exit NOTICE with the capture statistics goes to stdout.
  const out = new OutputWatch(child, 'stdout');
  await watch.line(/link type is/);
  await watch.line(/cache entries=/);
  // The plugin connects to the core's zmq socket after it logs; give it a moment.
  await new Promise((r) => setTimeout(r, 1000));
  return {
    child, pid: child.pid!,
    finish: async () => {
      child.kill('SIGINT');
      await exited(child);
      const stats = /received_packets=(\d+) dropped_packets=(\d+)/.exec(`${watch.text}${out.text}`);
      const pairs = parsePmacctCsv(readFileSync(csv, 'utf8'), ['src_host', 'dst_host']);
      let packets = 0;
      let bytes = 0;
      for (const c of pairs.values()) {
        packets += c.packets;
        bytes += c.bytes;
      }
      // libpcap's ps_recv (received_packets) on Linux counts the packets the kernel dropped too.
      const captured = stats ? Number(stats[1]) - Number(stats[2]) : packets;
      return { captured, kernelDrops: stats ? Number(stats[2]) : undefined, packets, bytes };
    },
  };
}

async function startTcpdump(tools: Tools, ifName: string): Promise<Capture> {
  // Same snaplen and kernel buffer as otelacct's defaults (256 bytes, 64 MiB).
  const child = spawn(tools.tcpdump, ['-i', ifName, '-n', '-s', '256', '-B', '65536', '-w', '/dev/null'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const watch = new OutputWatch(child);
  await watch.line(/listening on/);
  return {
    child, pid: child.pid!,
    finish: async () => {
      child.kill('SIGINT');
      await exited(child);
      await waitFor('tcpdump summary', () => (/dropped by kernel/.test(watch.text) ? true : undefined), 5000);
      const n = (re: RegExp) => Number(re.exec(watch.text)?.[1]);
      return { captured: n(/(\d+) packets captured/), kernelDrops: n(/(\d+) packets dropped by kernel/) };
    },
  };
}

/**
 * Waits `minMs`, then until the tree used less than 20 ms of CPU in each of two consecutive
 * 250 ms windows. libpcap's TPACKET_V3 ring (tcpdump, pmacctd) hands a partly filled block over
 * only after its 1 s block timeout, so after a replay `minMs` must exceed that.
 */
export async function settle(pid: number, minMs: number): Promise<void> {
  await new Promise((r) => setTimeout(r, minMs));
  let last = treeCpu(pid);
  let quiet = 0;
  const deadline = Date.now() + 30_000;
  while (quiet < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = treeCpu(pid);
    quiet = now - last < 0.02 ? quiet + 1 : 0;
    last = now;
  }
}

export function vethDropped(ifName: string): number {
  return Number(readFileSync(`/sys/class/net/${ifName}/statistics/rx_dropped`, 'utf8'));
}

function replay(tools: Tools, ns: VethNamespace, file: string): { sent: number; seconds: number } {
  const r = spawnSync('ip', ['netns', 'exec', ns.ns, tools.tcpreplay, '--topspeed', '-i', ns.peerIf, file], { encoding: 'utf8', timeout: 300_000 });
  const m = /Actual: (\d+) packets \(\d+ bytes\) sent in ([\d.]+) seconds/.exec(r.stdout);
  if (r.status !== 0 || m === null) throw new Error(`tcpreplay failed (${r.status}): ${r.stdout}${r.stderr}`);
  return { sent: Number(m[1]), seconds: Number(m[2]) };
}

export async function captureOnce(tools: Tools, tool: LiveTool, ns: VethNamespace, file: string, dir: string,
  start: OtelacctStart = {}, hooks: { beforeReplay?: (pid: number) => void; afterReplay?: (pid: number) => void } = {}): Promise<LiveRun> {
  const cap = tool === 'otelacct' ? await startOtelacct(ns.hostIf, start)
    : tool === 'pmacctd' ? await startPmacctd(tools, ns.hostIf, dir) : await startTcpdump(tools, ns.hostIf);
  try {
    await settle(cap.pid, 0);
    const cpu0 = treeCpu(cap.pid);
    const drops0 = vethDropped(ns.hostIf);
    hooks.beforeReplay?.(cap.pid);
    const sent = replay(tools, ns, file);
    await settle(cap.pid, 1500);
    const cpu = treeCpu(cap.pid) - cpu0;
    hooks.afterReplay?.(cap.pid);
    const peakRssKiB = processTree(cap.pid).reduce((s, p) => s + (processMemory(p)?.hwm ?? 0), 0);
    const vethDrops = vethDropped(ns.hostIf) - drops0;
    const got = await cap.finish();
    return {
      sent: sent.sent, replaySeconds: sent.seconds, captured: got.captured, kernelDrops: got.kernelDrops, vethDrops, cpu,
      peakRssKiB, packets: got.packets, bytes: got.bytes,
    };
  } finally {
    killTree(cap.child, 'SIGKILL');
  }
}

/** Runs the live scenario (root only); the namespace and veth pair are removed even on error. */
export async function runLive(tools: Tools, file: string, totals: TrafficTotals, runs: number, dir: string,
  log: (line: string) => void): Promise<LiveResult> {
  const ns = new VethNamespace(9);
  try {
    // No IPv6 on the pair: no router solicitations or MLD reports among the counted packets.
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${ns.hostIf}.disable_ipv6=1`]);
    spawnSync('ip', ['netns', 'exec', ns.ns, 'sysctl', '-qw', `net.ipv6.conf.${ns.peerIf}.disable_ipv6=1`]);
    const result: LiveResult = { runs: { otelacct: [], pmacctd: [], tcpdump: [] }, interface: ns.hostIf };
    for (let run = 1; run <= runs; run++) {
      const parts: string[] = [];
      for (const tool of ['otelacct', 'pmacctd', 'tcpdump'] as const) {
        const r = await captureOnce(tools, tool, ns, file, dir);
        result.runs[tool].push(r);
        const exact = r.packets === undefined ? ''
          : r.packets === totals.packets && r.bytes === totals.ipBytes ? ', totals exact' : `, counted ${r.packets} packets ${r.bytes} bytes`;
        parts.push(`${tool} ${r.captured}/${r.sent} in ${r.replaySeconds.toFixed(2)} s, cpu ${r.cpu.toFixed(2)} s${exact}`);
      }
      log(`live run ${run}/${runs}: ${parts.join('; ')}`);
    }
    return result;
  } finally {
    ns.dispose();
  }
}
