/**
 * nfacctd and sfacctd (pmacct 1.7.7) as collectors of recorded datagrams: start one on a free
 * loopback UDP port with a print plugin, replay the datagrams paced by its socket queue (so the
 * kernel drops none: checked), wait until it has read them all, stop it with SIGINT (the print
 * plugin purges its whole cache to CSV on the way out) and read its per-key totals.
 *
 * Checked on every run, else the run rejects: the socket's drop counter did not move; the
 * daemon logged no ERROR; the purge wrote every cache entry and the CSV has that many rows.
 * The cache is sized from the datagrams (`print_cache_entries` ≥ 4 × records, prime-ish), as a
 * full print cache silently loses data (test/support/pmacct.ts measured 22 % counted at 1M pairs).
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay, udpSocketState, type ReplayResult } from './flow-datagrams.ts';
import type { FlowCounters } from './flow-oracle.ts';
import { parsePmacctCsvColumns } from './pmacct.ts';

/** pmacct primitives the collectors key by, and their CSV columns. */
const COLUMNS: Record<string, string> = {
  src_host: 'SRC_IP', dst_host: 'DST_IP', proto: 'PROTOCOL', src_port: 'SRC_PORT', dst_port: 'DST_PORT', vlan: 'VLAN',
  in_iface: 'IN_IFACE', out_iface: 'OUT_IFACE', peer_src_ip: 'PEER_SRC_IP', tos: 'TOS',
};

/** Options of runPmacctCollector. */
export interface CollectorOptions {
  kind: 'nfacctd' | 'sfacctd';
  datagrams: readonly Uint8Array[];
  /** pmacct primitives (default src_host, dst_host); keys join their values in this order by ' '. */
  aggregate?: string[];
  /** `nfacctd_renormalize` / `sfacctd_renormalize`: scale by the sampling rate the datagrams carry (default false). */
  renormalize?: boolean;
  /** Further global keys of the daemon's configuration. */
  config?: Record<string, string>;
  /**
   * Bytes allowed in the daemon's socket queue while replaying (see ReplayOptions.maxQueued);
   * default 1 MiB, well under the 8 MiB buffer the daemon gets (`*_pipe_size: 4194304`).
   */
  maxQueued?: number;
  /** Fail after this many ms (default 120,000). */
  timeoutMs?: number;
  /**
   * `print_cache_entries`: hash buckets, ~4 KB each allocated up front; keys beyond them are
   * chained, not lost (measured: 4099 buckets held 19,992 keys exactly). Default
   * max(16411, 16 × datagrams + 1). Checked: the purge must write as many entries as the cache held.
   */
  cacheEntries?: number;
  /**
   * Send the datagrams once from each of these local addresses, one address after the other
   * (default: once, from 127.0.0.1): the daemon sees as many exporters, each with its own
   * templates and sequence numbers. Totals are then the sum over all of them.
   */
  sources?: string[];
  /**
   * Instead of `datagrams` and `sources`: different datagrams from different local addresses,
   * one stream after the other (several exporters in one daemon run; key them apart with the
   * `peer_src_ip` primitive).
   */
  streams?: ReadonlyArray<{ source: string; datagrams: readonly Uint8Array[] }>;
  /** Return (with `drops` set) instead of failing when the kernel dropped datagrams (top-speed measurements). */
  allowDrops?: boolean;
}

/** What one collector run gave. */
export interface CollectorResult {
  /** Key (see test/support/flow-oracle.ts) → counters. */
  totals: Map<string, FlowCounters>;
  replay: ReplayResult;
  /** Datagrams the kernel dropped on the daemon's socket (0 unless allowDrops). */
  drops: number;
  /** Seconds from the first datagram sent to the daemon's socket queue being empty after the last. */
  seconds: number;
  /**
   * Seconds from the first datagram sent to the last change of the core's or plugin's CPU time
   * (10 ms resolution): when the plugin finished accounting what the core handed it.
   */
  busySeconds: number;
  /**
   * CPU seconds (user + system, /proc/PID/stat) the core and the plugin spent from just before
   * the replay until both went idle (start-up and the exit purge excluded).
   */
  cpuSeconds: { core: number; plugins: number };
  /** Peak RSS (VmHWM) of the core and of the plugin process, in KiB, before the final purge. */
  peakRssKiB: { core: number; plugins: number };
  /** The daemon's log and configuration. */
  log: string;
  config: string;
}

/** Per-key totals of `kind` on `datagrams` (see runPmacctCollector). */
export async function pmacctCollectorTotals(o: CollectorOptions): Promise<Map<string, FlowCounters>> {
  return (await runPmacctCollector(o)).totals;
}

/** A free UDP port on 127.0.0.1 (bound, then released). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** User + system CPU seconds of a process (utime + stime of /proc/PID/stat, 100 ticks a second); undefined once gone. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) are f[11] and f[12] after the command name.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** VmHWM (peak resident set) of a process in KiB, 0 when it is gone. */
export function peakRss(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

/** Children of `pid` (from /proc/PID/task/PID/children). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number);
  } catch {
    return [];
  }
}

/** Whether process `pid` holds an established TCP connection (the plugin's ZMQ link to the core). */
function hasEstablishedTcp(pid: number): boolean {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`));
      if (m !== null) inodes.add(m[1]);
    }
  } catch {
    return false;
  }
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '01' && inodes.has(f[9])) return true;
    }
  }
  return false;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/**
 * Runs the daemon on a free port, replays the datagrams to it and returns its totals (see the
 * module comment for what is checked).
 */
export async function runPmacctCollector(o: CollectorOptions): Promise<CollectorResult> {
  const aggregate = o.aggregate ?? ['src_host', 'dst_host'];
  for (const p of aggregate) if (COLUMNS[p] === undefined) throw new Error(`pmacct collector: primitive ${p} is not one of ${Object.keys(COLUMNS).join(', ')}`);
  const port = await freeUdpPort();
  const dir = mkdtempSync(join(tmpdir(), `otelacct-${o.kind}-`));
  const output = join(dir, 'o.csv');
  const streams = o.streams ?? (o.sources ?? ['127.0.0.1']).map((source) => ({ source, datagrams: o.datagrams }));
  const entries = o.cacheEntries ?? Math.max(16411, 16 * streams.reduce((n, x) => n + x.datagrams.length, 0) + 1);
  const config = [
    'daemonize: false',
    `${o.kind}_ip: 127.0.0.1`,
    `${o.kind}_port: ${port}`,
    `${o.kind}_pipe_size: 4194304`,
    `${o.kind}_renormalize: ${o.renormalize === true}`,
    'plugin_pipe_zmq: true',
    'plugin_pipe_zmq_retry: 1',
    ...Object.entries(o.config ?? {}).map(([k, v]) => `${k}: ${v}`),
    'plugins: print[o]',
    `aggregate[o]: ${aggregate.join(',')}`,
    'print_output[o]: csv',
    `print_output_file[o]: ${output}`,
    'print_refresh_time[o]: 3600',
    `print_cache_entries[o]: ${entries}`,
    'print_write_empty_file[o]: true',
    'print_num_protos[o]: true',
    '',
  ].join('\n');
  const configPath = join(dir, `${o.kind}.conf`);
  writeFileSync(configPath, config);
  const timeoutMs = o.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const child = spawn(`/usr/sbin/${o.kind}`, ['-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })));
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const fail = (why: string): Error => new Error(`${o.kind}: ${why}\nconfig:\n${config}\nlog:\n${log.slice(-4000)}`);
  try {
    // Ready: the socket is bound and the plugin's ZMQ connection to the core is up (before it
    // is, the core's ZMQ PUB socket drops what it publishes), plus time for the subscription.
    const pid = child.pid!;
    while (udpSocketState(port) === undefined || !childPids(pid).some(hasEstablishedTcp)) {
      if (child.exitCode !== null || Date.now() > deadline) throw fail('did not start');
      await sleep(20);
    }
    await sleep(300);
    const plugins = childPids(pid);
    const pluginCpu = (): number => plugins.reduce((s, p) => s + (procCpuSeconds(p) ?? 0), 0);
    const coreCpu0 = procCpuSeconds(pid) ?? 0;
    const pluginCpu0 = pluginCpu();
    const started = process.hrtime.bigint();
    const result: ReplayResult = { datagrams: 0, bytes: 0, seconds: 0, drops: 0 };
    for (const { source: sourceAddress, datagrams } of streams) {
      const r = await replay(datagrams, port, { maxQueued: o.maxQueued ?? 1 << 20, burst: 64, sourceAddress });
      result.datagrams += r.datagrams;
      result.bytes += r.bytes;
      result.seconds += r.seconds;
      result.drops += r.drops;
    }
    while ((udpSocketState(port)?.rxQueue ?? 0) > 0) {
      if (Date.now() > deadline) throw fail('did not read its socket queue');
      await sleep(1);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The core has read everything: wait for the core and the plugin to go idle (their CPU time
    // unchanged for 300 ms, sampled every 5 ms); the time of its last change ends busySeconds.
    const cpu = (): number => (procCpuSeconds(pid) ?? 0) + pluginCpu();
    let lastCpu = cpu();
    let lastChange = process.hrtime.bigint();
    for (;;) {
      await sleep(5);
      const now = process.hrtime.bigint();
      const c = cpu();
      if (c !== lastCpu) {
        lastCpu = c;
        lastChange = now;
      } else if (now - lastChange >= 300_000_000n) {
        break;
      }
      if (Date.now() > deadline) throw fail('did not go idle');
    }
    const busySeconds = Math.max(seconds, Number(lastChange - started) / 1e9);
    const drops = udpSocketState(port)?.drops ?? 0;
    const cpuSeconds = { core: (procCpuSeconds(pid) ?? 0) - coreCpu0, plugins: pluginCpu() - pluginCpu0 };
    const peakRssKiB = { core: peakRss(pid), plugins: plugins.reduce((s, p) => Math.max(s, peakRss(p)), 0) };
    killGroup('SIGINT');
    const timer = setTimeout(() => killGroup('SIGKILL'), Math.max(1000, deadline - Date.now()));
    const { code, signal } = await exited;
    clearTimeout(timer);
    if (drops !== 0 && o.allowDrops !== true) throw fail(`the kernel dropped ${drops} datagrams on its socket`);
    if (code !== 0) throw fail(`exited with code ${code}, signal ${signal}`);
    if (/\bERROR\b/.test(log)) throw fail('logged an ERROR');
    if (!existsSync(output)) throw fail(`wrote no ${output}`);
    const purge = [...log.matchAll(/\( o\/print \): \*\*\* Purging cache - END \(PID: \d+, QN: (\d+)\/(\d+)/g)];
    if (purge.length === 0) throw fail('did not log a cache purge');
    const written = purge.reduce((s, m) => s + Number(m[1]), 0);
    const held = purge.reduce((s, m) => s + Number(m[2]), 0);
    if (written !== held) throw fail(`purged only ${written} of ${held} cache entries`);
    const csv = parsePmacctCsvColumns(readFileSync(output, 'utf8'), (why) => fail(why));
    if (csv.counters.size !== held) throw fail(`output has ${csv.counters.size} keys, its purge said ${held}`);
    const order = aggregate.map((p) => csv.columns.indexOf(COLUMNS[p]));
    if (csv.counters.size > 0 && (order.includes(-1) || csv.columns.length !== aggregate.length)) {
      throw fail(`CSV columns ${csv.columns.join(',')} for aggregate ${aggregate.join(',')}`);
    }
    const totals = new Map<string, FlowCounters>();
    for (const [k, c] of csv.counters) {
      const cells = k.split(',');
      const key = order.map((i) => cells[i]).join(' ');
      const prev = totals.get(key) ?? { bytes: 0, packets: 0 };
      totals.set(key, { bytes: prev.bytes + c.bytes, packets: prev.packets + c.packets });
    }
    return { totals, replay: result, drops, seconds, busySeconds, cpuSeconds, peakRssKiB, log, config };
  } finally {
    killGroup('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
