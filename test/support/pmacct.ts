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
 */

/** Counters of one aggregate. */
export interface PmacctCounters {
  bytes: number;
  packets: number;
}

/** Options of runPmacctd. */
export interface PmacctOptions {
  /** pmacct aggregation primitives (default src_host,dst_host); keys join their values by ','. */
  aggregate?: string[];
  /** Kill pmacctd and fail after this many ms (default 30000). */
  timeoutMs?: number;
  /** pmacctd binary (default: findPmacctd()). */
  pmacctd?: string;
  /**
   * If set, a run whose packet total differs is retried (up to `attempts` runs in all) and then
   * reported as an error: a shortfall is pmacctd losing packets, not the code under test.
   */
  expectedPackets?: number;
  /** Runs allowed when expectedPackets is not met (default 2). */
  attempts?: number;
}

/** The result of one pmacctd run. */
export interface PmacctResult {
  /** Aggregate key (values of the primitives joined by ',', e.g. 'src,dst') → counters. */
  counters: Map<string, PmacctCounters>;
  /** Sum of all packet counters. */
  packets: number;
  /** Sum of all byte counters. */
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

/** The pmacctd configuration used for `capture`, writing CSV to `output`. */
export function pmacctdConfig(capture: string, output: string, aggregate: string[]): string {
  for (const value of [capture, output]) {
    if (/[\s#!]/.test(value)) throw new Error(`pmacctd config: path "${value}" has a space, # or !`);
  }
  return [
    'daemonize: false',
    'pmacctd_nonroot: true',
    `pcap_savefile: ${capture}`,
    'pcap_savefile_wait: false',
    'promisc: false',
    'plugin_pipe_zmq: true',
    'plugin_pipe_zmq_retry: 1',
    'plugins: print[o]',
    `aggregate[o]: ${aggregate.join(',')}`,
    'print_output[o]: csv',
    `print_output_file[o]: ${output}`,
    // Long enough that only the purge at exit writes the file.
    'print_refresh_time[o]: 3600',
    'print_cache_entries[o]: 16411',
    // An empty (zero-length) file rather than none when nothing was accounted.
    'print_write_empty_file[o]: true',
    // Numeric protocols and no separator surprises; not used by src_host,dst_host.
    'print_num_protos[o]: true',
    '',
  ].join('\n');
}

/**
 * Runs pmacctd on `capture` and returns its counters per aggregate. Rejects with pmacctd's log
 * (and exit status) when it fails, times out, writes no file, or writes fewer rows than its cache
 * held; with `expectedPackets`, also when the packet total is still wrong after the retries.
 */
export async function runPmacctd(capture: string, options: PmacctOptions = {}): Promise<PmacctResult> {
  const attempts = options.expectedPackets === undefined ? 1 : Math.max(1, options.attempts ?? 2);
  let last: PmacctResult | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await runOnce(capture, options);
    if (options.expectedPackets === undefined || last.packets === options.expectedPackets) return last;
  }
  throw new Error(`pmacctd counted ${last!.packets} packets in ${capture} in each of ${attempts} runs, expected ` +
    `${options.expectedPackets}: pmacctd lost or added packets (an oracle problem, not necessarily otelacct's).\n` +
    `config:\n${last!.config}\npmacctd log:\n${last!.log}`);
}

async function runOnce(capture: string, options: PmacctOptions): Promise<PmacctResult> {
  const pmacctd = options.pmacctd ?? findPmacctd();
  if (pmacctd === undefined) throw new Error('pmacctd is not installed (apt-get install pmacct)');
  if (!existsSync(capture)) throw new Error(`runPmacctd: capture file ${capture} does not exist`);
  const aggregate = options.aggregate ?? ['src_host', 'dst_host'];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-pmacct-'));
  try {
    const output = join(dir, 'out.csv');
    const configPath = join(dir, 'pmacctd.conf');
    const config = pmacctdConfig(capture, output, aggregate);
    writeFileSync(configPath, config);
    const run = await spawnBounded(pmacctd, ['-f', configPath], dir, timeoutMs);
    const log = `${run.stderr}${run.stdout === '' ? '' : `\n[stdout]\n${run.stdout}`}`;
    const fail = (why: string): Error =>
      new Error(`pmacctd on ${capture}: ${why}\nconfig:\n${config}\npmacctd log:\n${log}`);
    if (run.timedOut) throw fail(`did not exit within ${timeoutMs} ms (killed)`);
    if (run.code !== 0) throw fail(`exited with code ${run.code}, signal ${run.signal}`);
    if (/\bERROR\b/.test(run.stderr)) throw fail('logged an ERROR');
    if (!existsSync(output)) throw fail(`wrote no ${output}`);
    const text = readFileSync(output, 'utf8');
    const counters = parsePmacctCsv(text, aggregate, (why) => fail(why));
    const purge = [...run.stderr.matchAll(/Purging cache - END \(PID: \d+, QN: (\d+)\/(\d+)/g)];
    if (purge.length === 0) throw fail('did not log a cache purge');
    const written = purge.reduce((sum, m) => sum + Number(m[1]), 0);
    const held = purge.reduce((sum, m) => sum + Number(m[2]), 0);
    if (written !== held) throw fail(`purged only ${written} of ${held} cache entries`);
    if (counters.size !== held) throw fail(`output has ${counters.size} distinct aggregates, cache purge said ${held}`);
    let packets = 0;
    let bytes = 0;
    for (const c of counters.values()) {
      packets += c.packets;
      bytes += c.bytes;
    }
    return { counters, packets, bytes, log, config };
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
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  // print_write_empty_file writes a zero-length file when the cache held nothing.
  if (lines.length === 0) return new Map();
  const header = lines[0].split(',');
  const packetsAt = header.indexOf('PACKETS');
  const bytesAt = header.indexOf('BYTES');
  if (packetsAt < 0 || bytesAt < 0) throw fail(`unexpected CSV header "${lines[0]}"`);
  const keyAt = header.map((_, i) => i).filter((i) => i !== packetsAt && i !== bytesAt && header[i] !== 'FLOWS');
  if (keyAt.length !== aggregate.length) {
    throw fail(`CSV header "${lines[0]}" has ${keyAt.length} key columns for aggregate ${aggregate.join(',')}`);
  }
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
  return out;
}

interface Bounded {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `cmd` to exit; after `timeoutMs` sends SIGINT, then SIGKILL 3 s later. Never rejects on exit status. */
function spawnBounded(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Bounded> {
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
