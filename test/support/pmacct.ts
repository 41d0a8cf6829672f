import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * pmacctd (pmacct's libpcap daemon) as an independent oracle: it reads a capture file and counts
 * bytes (IPv4 total length, IPv6 40 + payload length) and packets per aggregation key.
 *
 * How it is driven (found by experiment with the Debian pmacct 1.7.7 package, and by reading
 * pmacctd.c): with `pcap_savefile` and `pcap_savefile_wait: false` (the default) the core process,
 * on reaching the end of the file, calls stop_all_childs() = its SIGINT handler. That flushes the
 * core's partial plugin buffer (fill_pipe_buffer), sleeps 2 s for the plugins to drain their
 * queues, then SIGINTs the plugins; the print plugin purges its whole cache to
 * `print_output_file` on SIGINT and the daemon exits 0. No signal from us is needed.
 * `plugin_pipe_zmq: true` replaces the home-grown shared-memory ring between core and plugin, which
 * silently drops packets when a file is read at full speed. At startup the core sleeps 2 s
 * (pcap_savefile_delay 0 = built-in 2 s) so the plugin can connect first. One run takes ~4–5 s.
 *
 * Completeness is checked twice: the plugin's purge log line `QN: written/total` must say every
 * cache entry was written, and the number of CSV rows must equal it. Callers should also compare
 * the packet total against what they wrote (option `expectedPackets`), which is retried once.
 *
 * Several print plugins can run in one pmacctd (option `plugins`), each with its own aggregate,
 * CSV file and expected packet count, with a global `networks_file` and `pre_tag_map`.
 * With a networks_file, `src_net`/`dst_net` print the network address only (10.1.0.0): its
 * length needs the `src_mask`/`dst_mask` primitives (SRC_MASK, DST_MASK columns: 16). An address
 * no entry matches prints as 0.0.0.0 with mask 0 (as does an IPv4 address when the file has no
 * IPv4 entry at all: pmacct then loads a single zero row, a default route).
 * Two defects of pmacct 1.7.7 (Debian bookworm) shape what can be asked of it, found by
 * experiment (the first also by reading pmacctd.c and plugin_hooks.c; the second is pmacct issue #577):
 *  - `aggregate_filter` is silently ignored when reading a file: the pcap_savefile path
 *    (open_pcap_savefile) never calls load_plugin_filters(), so the BPF text is not even compiled
 *    (an invalid expression gives no warning) and every plugin sees every packet (the same root
 *    cause as pmacct issue #564 for pcap_interfaces_map). The per-host in/out idiom is therefore
 *    expressed with the same BPF expressions in a `pre_tag_map` (`filter` key, compiled for the
 *    file's link type) and `pre_tag_filter[plugin]`, which pmacctd does apply to files: see
 *    inOutPreTagMap() and inOutPlugins().
 *  - IPv6 entries of a `networks_file` are loaded into garbage (pmacct issue #577, since 1.7.7):
 *    with `debug: true` the core logs one "v6 ... net: :: mask: 32" (or a random address) for a
 *    file of several IPv6 networks, and IPv6 src_net/dst_net come out as the address masked to /32
 *    or as ::/0. IPv4 entries are loaded correctly, unless a network appears twice (say
 *    `65005,172.16.0.0/12` and `172.16.0.0/12`): then the IPv4 table comes out corrupt (entries
 *    lost, other entries' masks and ASes shifted: 192.0.2.0/24 loaded as 192.0.2.0 mask 12, so
 *    192.0.2.7 is accounted as 192.0.0.0/12). networksFileTable() reads back what was loaded.
 * With several plugins, pmacctd 1.7.7 occasionally fails at startup with "zmq_bind() ZAP failed
 * (Address already in use)" (a race in its ZMQ plugin pipe setup): such runs are retried.
 */

/** Counters of one aggregate. */
export interface PmacctCounters {
  bytes: number;
  packets: number;
}

/** One print plugin of a multi-plugin run (`plugins: print[name], ...`). */
export interface PmacctPlugin {
  /** Plugin name: letters, digits, '_' and '-'. */
  name: string;
  /** pmacct aggregation primitives; keys join the CSV's key columns (in pmacct's column order) by ','. */
  aggregate: string[];
  /** `pre_tag_filter[name]`, e.g. '1,3': only packets the pre_tag_map tagged so (needs options.preTagMap). */
  preTagFilter?: string;
  /** Further per-plugin keys, written as `key[name]: value`. */
  extra?: Record<string, string>;
  /**
   * The packets this plugin must count in all; a run where it counted otherwise is retried (like
   * options.expectedPackets) and then reported as an oracle error.
   */
  expectedPackets?: number;
}

/** Options of runPmacctd. */
export interface PmacctOptions {
  /** pmacct aggregation primitives (default src_host,dst_host); keys join their values by ','. */
  aggregate?: string[];
  /** Several print plugins instead of the single one of `aggregate`. */
  plugins?: PmacctPlugin[];
  /** `networks_file` (global: the core and every plugin load it). */
  networksFile?: string;
  /** Text of a `pre_tag_map` (written next to the config; global), for `preTagFilter`. */
  preTagMap?: string;
  /** Further global keys, e.g. { debug: 'true' }. */
  config?: Record<string, string>;
  /** Kill pmacctd and fail after this many ms (default 30000). */
  timeoutMs?: number;
  /** pmacctd binary (default: findPmacctd()). */
  pmacctd?: string;
  /**
   * If set, a run whose packet total differs is retried (up to `attempts` runs in all) and then
   * reported as an error: a shortfall is pmacctd losing packets, not the code under test.
   * Single-plugin runs only: with `plugins`, each plugin has its own expectedPackets.
   */
  expectedPackets?: number;
  /** Runs allowed when an expected packet count is not met or pmacctd fails transiently (default 2). */
  attempts?: number;
}

/** What one print plugin wrote. */
export interface PmacctPluginResult {
  /** Aggregate key (key columns joined by ',') → counters. */
  counters: Map<string, PmacctCounters>;
  /** Key columns of the CSV header, in the order they are joined (e.g. SRC_NET, DST_NET, SRC_MASK, DST_MASK). */
  columns: string[];
  /** Sum of all packet counters. */
  packets: number;
  /** Sum of all byte counters. */
  bytes: number;
}

/** The result of one pmacctd run. */
export interface PmacctResult {
  /** The first plugin's aggregate key (values of the primitives joined by ',', e.g. 'src,dst') → counters. */
  counters: Map<string, PmacctCounters>;
  /** Every plugin's result by plugin name (the single-plugin run's plugin is named 'o'). */
  plugins: Map<string, PmacctPluginResult>;
  /** Sum of the first plugin's packet counters. */
  packets: number;
  /** Sum of the first plugin's byte counters. */
  bytes: number;
  /** pmacctd's log (it logs to stderr when not daemonized). */
  log: string;
  /** The configuration file used. */
  config: string;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/usr/local/bin'];

/**
 * Absolute path of a working pmacctd, or undefined: env PMACCTD if set (only that), else PATH,
 * then the sbin dirs (Debian installs it in /usr/sbin, often not on a user's PATH).
 */
export function findPmacctd(): string | undefined {
  const candidates = process.env.PMACCTD !== undefined
    ? [process.env.PMACCTD]
    : [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...SEARCH_DIRS].map((d) => join(d, 'pmacctd'));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const probe = spawnSync(path, ['-V'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.error === undefined && /pmacctd/i.test(`${probe.stdout}${probe.stderr}`)) return path;
  }
  return undefined;
}

/** First line of `pmacctd -V`, e.g. "Promiscuous Mode Accounting Daemon, pmacctd 1.7.7-git [RELEASE]". */
export function pmacctdVersion(pmacctd: string): string {
  const probe = spawnSync(pmacctd, ['-V'], { encoding: 'utf8', timeout: 10_000 });
  return `${probe.stdout}${probe.stderr}`.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

/** The pmacctd configuration used for `capture`, writing CSV to `output`: one print plugin `o`. */
export function pmacctdConfig(capture: string, output: string, aggregate: string[]): string {
  return pmacctdPluginsConfig(capture, [{ name: 'o', aggregate }], () => output);
}

/** The key columns of a CSV and the counters per key (see parsePmacctCsv). */
export interface PmacctCsv {
  columns: string[];
  counters: Map<string, PmacctCounters>;
}

const PLUGIN_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * The pmacctd configuration of a multi-plugin run on `capture`: plugin `p` writes CSV to
 * `outputs(p.name)`; `networksFile` and `preTagMapFile` are global. `plugin_pipe_zmq` is on:
 * without it pmacctd silently loses packets reading a file. Only the purge at exit writes the
 * CSV (print_refresh_time 3600), and an empty file is written when nothing was accounted.
 */
export function pmacctdPluginsConfig(capture: string, plugins: PmacctPlugin[], outputs: (name: string) => string,
  global: { networksFile?: string; preTagMapFile?: string; mapsRowLength?: number; config?: Record<string, string> } = {},
): string {
  const paths = [capture, global.networksFile, global.preTagMapFile, ...plugins.map((p) => outputs(p.name))];
  for (const value of paths) {
    if (value !== undefined && /[\s#!]/.test(value)) throw new Error(`pmacctd config: path "${value}" has a space, # or !`);
  }
  if (plugins.length === 0) throw new Error('pmacctd config: no plugins');
  const names = new Set<string>();
  for (const p of plugins) {
    if (!PLUGIN_NAME.test(p.name) || names.has(p.name)) throw new Error(`pmacctd config: bad or repeated plugin name "${p.name}"`);
    names.add(p.name);
    if (p.preTagFilter !== undefined && global.preTagMapFile === undefined) {
      throw new Error(`pmacctd config: plugin ${p.name} has a pre_tag_filter but there is no pre_tag_map`);
    }
  }
  const lines = [
    'daemonize: false',
    'pmacctd_nonroot: true',
    `pcap_savefile: ${capture}`,
    'pcap_savefile_wait: false',
    'promisc: false',
    'plugin_pipe_zmq: true',
    'plugin_pipe_zmq_retry: 1',
  ];
  if (global.networksFile !== undefined) lines.push(`networks_file: ${global.networksFile}`);
  if (global.preTagMapFile !== undefined) {
    lines.push(`pre_tag_map: ${global.preTagMapFile}`);
    // Map rows are limited to 256 characters by default; the in/out filters are longer.
    lines.push(`maps_row_len: ${Math.max(256, global.mapsRowLength ?? 0)}`);
  }
  for (const [key, value] of Object.entries(global.config ?? {})) lines.push(`${key}: ${value}`);
  lines.push(`plugins: ${plugins.map((p) => `print[${p.name}]`).join(', ')}`);
  for (const p of plugins) {
    const n = p.name;
    lines.push(
      `aggregate[${n}]: ${p.aggregate.join(',')}`,
      `print_output[${n}]: csv`,
      `print_output_file[${n}]: ${outputs(n)}`,
      // Long enough that only the purge at exit writes the file.
      `print_refresh_time[${n}]: 3600`,
      `print_cache_entries[${n}]: 16411`,
      // An empty (zero-length) file rather than none when nothing was accounted.
      `print_write_empty_file[${n}]: true`,
      `print_num_protos[${n}]: true`,
    );
    if (p.preTagFilter !== undefined) lines.push(`pre_tag_filter[${n}]: ${p.preTagFilter}`);
    for (const [key, value] of Object.entries(p.extra ?? {})) lines.push(`${key}[${n}]: ${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A pmacctd run that failed; `transient` ones (the ZMQ startup race) are worth another run. */
class PmacctRunError extends Error {
  readonly transient: boolean;
  constructor(message: string, transient: boolean) {
    super(message);
    this.transient = transient;
  }
}

/** A transient startup failure of pmacctd 1.7.7's ZMQ plugin pipe (see the module comment). */
const TRANSIENT = /zmq_bind\(\) ZAP failed|zmq_bind\(\) failed/;

/**
 * Runs pmacctd on `capture` and returns its counters per aggregate (per plugin with `plugins`).
 * Rejects with pmacctd's log (and exit status) when it fails, times out, writes no file, or writes
 * fewer rows than its cache held; with `expectedPackets` (or a plugin's), also when a packet total
 * is still wrong after the retries.
 */
export async function runPmacctd(capture: string, options: PmacctOptions = {}): Promise<PmacctResult> {
  const plugins = options.plugins ?? [{
    name: 'o', aggregate: options.aggregate ?? ['src_host', 'dst_host'], expectedPackets: options.expectedPackets,
  }];
  const expected = plugins.filter((p) => p.expectedPackets !== undefined);
  const attempts = Math.max(1, options.attempts ?? 2);
  let shortfall = '';
  let last: PmacctResult | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      last = await runOnce(capture, plugins, options);
    } catch (err) {
      if (err instanceof PmacctRunError && err.transient && attempt < attempts) continue;
      throw err;
    }
    const wrong = expected.filter((p) => last!.plugins.get(p.name)!.packets !== p.expectedPackets);
    if (wrong.length === 0) return last;
    shortfall = wrong.map((p) => `plugin ${p.name} counted ${last!.plugins.get(p.name)!.packets} packets, expected ` +
      `${p.expectedPackets}`).join('; ');
  }
  throw new Error(`pmacctd on ${capture}, in the last of ${attempts} runs: ${shortfall}: pmacctd lost or added ` +
    `packets (an oracle problem, not necessarily otelacct's).\nconfig:\n${last!.config}\npmacctd log:\n${last!.log}`);
}

async function runOnce(capture: string, plugins: PmacctPlugin[], options: PmacctOptions): Promise<PmacctResult> {
  const pmacctd = options.pmacctd ?? findPmacctd();
  if (pmacctd === undefined) throw new Error('pmacctd is not installed (apt-get install pmacct)');
  if (!existsSync(capture)) throw new Error(`runPmacctd: capture file ${capture} does not exist`);
  if (options.networksFile !== undefined && !existsSync(options.networksFile)) {
    throw new Error(`runPmacctd: networks file ${options.networksFile} does not exist`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-pmacct-'));
  try {
    const outputs = (name: string): string => join(dir, `${name}.csv`);
    let preTagMapFile: string | undefined;
    let mapsRowLength: number | undefined;
    if (options.preTagMap !== undefined) {
      preTagMapFile = join(dir, 'pretag.map');
      writeFileSync(preTagMapFile, options.preTagMap);
      mapsRowLength = Math.max(...options.preTagMap.split('\n').map((l) => l.length)) + 64;
    }
    const configPath = join(dir, 'pmacctd.conf');
    const config = pmacctdPluginsConfig(capture, plugins, outputs,
      { networksFile: options.networksFile, preTagMapFile, mapsRowLength, config: options.config });
    writeFileSync(configPath, config);
    const run = await spawnBounded(pmacctd, ['-f', configPath], dir, timeoutMs);
    const log = `${run.stderr}${run.stdout === '' ? '' : `\n[stdout]\n${run.stdout}`}`;
    const map = options.preTagMap === undefined ? '' : `pre_tag_map:\n${options.preTagMap}`;
    const fail = (why: string, transient = false): Error =>
      new PmacctRunError(`pmacctd on ${capture}: ${why}\nconfig:\n${config}${map}\npmacctd log:\n${log}`, transient);
    const transient = TRANSIENT.test(run.stderr);
    // pmacctd 1.7.7 with several plugins occasionally hangs at the end of the file: retry.
    if (run.timedOut) throw fail(`did not exit within ${timeoutMs} ms (killed)`, true);
    if (run.code !== 0) throw fail(`exited with code ${run.code}, signal ${run.signal}`, transient);
    if (/\bERROR\b/.test(run.stderr)) throw fail('logged an ERROR', transient);
    // A map line or filter pmacctd could not use is skipped with a warning: never accept that.
    const skipped = /^WARN\b.*(ignored|malformed|disabled|invalid).*$/im.exec(run.stderr);
    if (skipped !== null) throw fail(`ignored part of its configuration: ${skipped[0]}`);
    const results = new Map<string, PmacctPluginResult>();
    for (const p of plugins) {
      const output = outputs(p.name);
      if (!existsSync(output)) throw fail(`plugin ${p.name} wrote no ${output}`, transient);
      const csv = parsePmacctCsvColumns(readFileSync(output, 'utf8'), (why) => fail(`plugin ${p.name}: ${why}`));
      if (csv.columns.length > 0 && csv.columns.length !== p.aggregate.length) {
        throw fail(`plugin ${p.name}: CSV key columns ${csv.columns.join(',')} for aggregate ${p.aggregate.join(',')}`);
      }
      const name = p.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const purgeLine = new RegExp(`\\( ${name}/print \\): \\*\\*\\* Purging cache - END \\(PID: \\d+, QN: (\\d+)/(\\d+)`, 'g');
      const purge = [...run.stderr.matchAll(purgeLine)];
      if (purge.length === 0) throw fail(`plugin ${p.name} did not log a cache purge`, transient);
      const written = purge.reduce((sum, m) => sum + Number(m[1]), 0);
      const held = purge.reduce((sum, m) => sum + Number(m[2]), 0);
      if (written !== held) throw fail(`plugin ${p.name} purged only ${written} of ${held} cache entries`);
      if (csv.counters.size !== held) {
        throw fail(`plugin ${p.name}: output has ${csv.counters.size} distinct aggregates, cache purge said ${held}`);
      }
      let packets = 0;
      let bytes = 0;
      for (const c of csv.counters.values()) {
        packets += c.packets;
        bytes += c.bytes;
      }
      results.set(p.name, { counters: csv.counters, columns: csv.columns, packets, bytes });
    }
    const first = results.get(plugins[0].name)!;
    return { counters: first.counters, plugins: results, packets: first.packets, bytes: first.bytes, log, config };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Parses pmacct print-plugin CSV (header line, then one line per aggregate) into key → counters;
 * an empty text is an empty map. Key columns are all columns but PACKETS and BYTES (and FLOWS), in header order, joined by ','.
 */
export function parsePmacctCsv(text: string, aggregate: string[], fail: (why: string) => Error = (w) => new Error(w),
): Map<string, PmacctCounters> {
  const csv = parsePmacctCsvColumns(text, fail);
  if (csv.columns.length > 0 && csv.columns.length !== aggregate.length) {
    throw fail(`CSV header "${csv.columns.join(',')}" has ${csv.columns.length} key columns for aggregate ` +
      `${aggregate.join(',')}`);
  }
  return csv.counters;
}

/** parsePmacctCsv, also returning the key columns (none for an empty text). */
export function parsePmacctCsvColumns(text: string, fail: (why: string) => Error = (w) => new Error(w)): PmacctCsv {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  // print_write_empty_file writes a zero-length file when the cache held nothing.
  if (lines.length === 0) return { columns: [], counters: new Map() };
  const header = lines[0].split(',');
  const packetsAt = header.indexOf('PACKETS');
  const bytesAt = header.indexOf('BYTES');
  if (packetsAt < 0 || bytesAt < 0) throw fail(`unexpected CSV header "${lines[0]}"`);
  const keyAt = header.map((_, i) => i).filter((i) => i !== packetsAt && i !== bytesAt && header[i] !== 'FLOWS');
  const out = new Map<string, PmacctCounters>();
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    if (cells.length !== header.length) throw fail(`malformed CSV line "${line}"`);
    const key = keyAt.map((i) => cells[i]).join(',');
    const packets = Number(cells[packetsAt]);
    const bytes = Number(cells[bytesAt]);
    if (!Number.isSafeInteger(packets) || !Number.isSafeInteger(bytes)) throw fail(`bad counters in "${line}"`);
    const prev = out.get(key) ?? { bytes: 0, packets: 0 };
    out.set(key, { bytes: prev.bytes + bytes, packets: prev.packets + packets });
  }
  return { columns: keyAt.map((i) => header[i]), counters: out };
}

/**
 * The per-local-host in/out idiom of pmacct (`aggregate[in]: dst_host` with
 * `aggregate_filter[in]: dst net LOCAL`, `aggregate[out]: src_host` with `src net LOCAL`) as a
 * pre_tag_map, because pmacctd 1.7.7 ignores aggregate_filter when reading a file (module comment).
 * The same BPF expressions tag each packet; the first matching line wins, so local-to-local
 * packets get their own tag 3 and inOutPlugins() lets both plugins take them, as two
 * aggregate_filters would:
 *
 *   set_tag=3  (src net LOCAL) and (dst net LOCAL)    in and out
 *   set_tag=1  dst net LOCAL                          in
 *   set_tag=2  src net LOCAL                          out
 *   (no tag: transit, neither side local)             neither
 *
 * With `vlan`, each expression E becomes `E or (vlan and (E or (vlan and E)))`: BPF sees through
 * up to two 802.1Q/802.1ad tags only when told to, which pmacct's documentation also asks of
 * aggregate_filter on tagged links. Not allowed (pcap_compile fails) on link types without VLAN
 * tags such as Linux cooked capture.
 */
export function inOutPreTagMap(localNetworks: string[], options: { vlan: boolean }): string {
  if (localNetworks.length === 0) throw new Error('inOutPreTagMap: no local networks');
  const any = (dir: 'src' | 'dst'): string => `(${localNetworks.map((n) => `${dir} net ${n}`).join(' or ')})`;
  const tagged = (e: string): string => (options.vlan ? `${e} or (vlan and (${e} or (vlan and ${e})))` : e);
  return [
    `set_tag=3 filter='${tagged(`(${any('src')} and ${any('dst')})`)}'`,
    `set_tag=1 filter='${tagged(any('dst'))}'`,
    `set_tag=2 filter='${tagged(any('src'))}'`,
    '',
  ].join('\n');
}

/**
 * The two plugins of the in/out idiom over inOutPreTagMap(): `in` (dst_host, tags 1 and 3) and
 * `out` (src_host, tags 2 and 3). Each also carries the idiom's own `aggregate_filter` (the same
 * expression as its tags, tagged frames included when `vlan`): pmacctd 1.7.7 ignores it on files,
 * a pmacctd that applies it gets the same packets.
 */
export function inOutPlugins(localNetworks: string[], options: { vlan: boolean; in?: number; out?: number }): PmacctPlugin[] {
  const filter = (dir: 'src' | 'dst'): string => {
    const e = `(${localNetworks.map((n) => `${dir} net ${n}`).join(' or ')})`;
    return options.vlan ? `${e} or (vlan and (${e} or (vlan and ${e})))` : e;
  };
  return [
    { name: 'in', aggregate: ['dst_host'], preTagFilter: '1,3', expectedPackets: options.in,
      extra: { aggregate_filter: filter('dst') } },
    { name: 'out', aggregate: ['src_host'], preTagFilter: '2,3', expectedPackets: options.out,
      extra: { aggregate_filter: filter('src') } },
  ];
}

/**
 * The networks table pmacctd loaded, as `net/mask` texts per family, read from its `debug: true`
 * log ("[file] v4 nh: ... net: N mask: M" lines of the core); undefined when the log has none.
 * A zero-row table (no valid entry of that family) appears as 0.0.0.0/0 (IPv4).
 */
export function networksFileTable(log: string): { v4: string[]; v6: string[] } | undefined {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const m of log.matchAll(/\( default\/core \): \[[^\]]*\] (v4|v6) nh: .*? net: (\S+) mask: (\d+)/g)) {
    (m[1] === 'v4' ? v4 : v6).push(`${m[2]}/${m[3]}`);
  }
  return v4.length + v6.length === 0 ? undefined : { v4, v6 };
}

interface Bounded {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `cmd` to exit; after `timeoutMs` sends SIGINT, then SIGKILL 3 s later. Never rejects on exit status. */
export function spawnBounded(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Bounded> {
  return new Promise((resolve, reject) => {
    // detached: pmacctd forks plugin processes; kill the whole group on timeout.
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGINT');
      killTimer = setTimeout(() => killGroup('SIGKILL'), 3000);
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      // Plugins left behind (they should exit with the core) are killed too.
      if (timedOut) killGroup('SIGKILL');
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
