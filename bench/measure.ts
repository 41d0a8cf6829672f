/**
 * Measuring a process and its descendants from outside, the same way for every tool of the
 * benchmark: wall time, CPU seconds (user + system) and peak resident memory.
 *
 * - CPU and wall of a whole run come from `/usr/bin/time -f` (wait4 rusage: exact, and it
 *   includes descendants the process reaped), cross-checked with /proc polling (the larger wins,
 *   so a plugin process its parent never reaped still counts).
 * - Peak RSS is the sum over the process tree of each process' VmHWM (pmacctd is a core process
 *   plus one per plugin: together they are its footprint), polled every `pollMs`; VmHWM only
 *   grows, so the last poll before exit misses at most the last `pollMs` of a process.
 * - A CPU snapshot of a running tree (`treeCpu`) measures a window, e.g. one live replay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Clock ticks per second of /proc/PID/stat times (USER_HZ; 100 on Linux x86). */
const CLK_TCK = 100;

/** What one process tree used. */
export interface Usage {
  /** Wall seconds from spawn to exit. */
  wall: number;
  /** User + system CPU seconds of the tree. */
  cpu: number;
  /** Peak resident memory of the tree in KiB (sum over its processes of their peak). */
  peakRssKiB: number;
  /** Highest sum of the sampled VmRSS of the tree, KiB (sampled every pollMs). */
  sampledRssKiB: number;
  /** As sampledRssKiB, but only until the command wrote its first byte to stdout. */
  rssBeforeOutputKiB: number;
}

/** The result of `measure`. */
export interface Measured extends Usage {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of `measure`. */
export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the tree after this many ms (default 600000). */
  timeoutMs?: number;
  /** Polling period of /proc (default 50 ms). */
  pollMs?: number;
  /** Called once with the pid of the measured command (not of /usr/bin/time). */
  onStart?: (pid: number) => void;
  /** Write the command's stdout to this file instead of collecting it (`stdout` is then ''). */
  stdoutFile?: string;
}

/** pids of `root` and all its descendants (via /proc/PID/task/TID/children). */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    out.push(pid);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        if (text !== '') for (const c of text.split(' ')) todo.push(Number(c));
      } catch {
        // gone
      }
    }
  }
  return out;
}

/** utime + stime of one process in seconds, or undefined when it is gone. */
export function processCpu(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** VmHWM and VmRSS of one process in KiB, or undefined when it is gone. */
export function processMemory(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+)/.exec(status);
    const rss = /VmRSS:\s+(\d+)/.exec(status);
    if (hwm === null || rss === null) return undefined;
    return { hwm: Number(hwm[1]), rss: Number(rss[1]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by `root` and its descendants (live ones only). */
export function treeCpu(root: number): number {
  let sum = 0;
  for (const pid of processTree(root)) sum += processCpu(pid) ?? 0;
  return sum;
}

/** Tracks per-process peaks of a tree across polls. */
export class TreeSampler {
  readonly #root: number;
  readonly #exclude: number | undefined;
  readonly #cpu = new Map<number, number>();
  readonly #hwm = new Map<number, number>();
  sampledRssKiB = 0;

  /** @param exclude a pid not to count (the /usr/bin/time wrapper) */
  constructor(root: number, exclude?: number) {
    this.#root = root;
    this.#exclude = exclude;
  }

  sample(): void {
    let rss = 0;
    for (const pid of processTree(this.#root)) {
      if (pid === this.#exclude) continue;
      const cpu = processCpu(pid);
      const mem = processMemory(pid);
      if (cpu !== undefined) this.#cpu.set(pid, cpu);
      if (mem !== undefined) {
        this.#hwm.set(pid, Math.max(this.#hwm.get(pid) ?? 0, mem.hwm));
        rss += mem.rss;
      }
    }
    this.sampledRssKiB = Math.max(this.sampledRssKiB, rss);
  }

  /** Last seen CPU seconds, summed over every process seen. */
  get cpu(): number {
    let s = 0;
    for (const v of this.#cpu.values()) s += v;
    return s;
  }

  /** Sum over every process seen of its peak RSS, KiB. */
  get peakRssKiB(): number {
    let s = 0;
    for (const v of this.#hwm.values()) s += v;
    return s;
  }
}

/**
 * Runs `cmd args` to completion under /usr/bin/time and /proc polling. Never rejects on a
 * non-zero exit (callers check `code`); rejects on spawn failure or timeout.
 */
export function measure(cmd: string, args: string[], o: MeasureOptions = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-measure-'));
  const timeFile = join(dir, 'time');
  return new Promise<Measured>((resolve, reject) => {
    const outFd = o.stdoutFile === undefined ? undefined : openSync(o.stdoutFile, 'w');
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', cmd, ...args], {
      env: o.env ?? process.env, cwd: o.cwd, stdio: ['ignore', outFd ?? 'pipe', 'pipe'], detached: true,
    });
    if (outFd !== undefined) closeSync(outFd);
    let stdout = '';
    let stderr = '';
    const sampler = new TreeSampler(child.pid!, child.pid);
    let rssBeforeOutputKiB = 0;
    let output = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (!output) rssBeforeOutputKiB = sampler.sampledRssKiB;
      output = true;
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let started = false;
    const poll = setInterval(() => {
      if (!started && o.onStart) {
        const inner = processTree(child.pid!).find((p) => p !== child.pid);
        if (inner !== undefined) {
          started = true;
          o.onStart(inner);
        }
      }
      sampler.sample();
    }, o.pollMs ?? 50);
    const timer = setTimeout(() => killTree(child, 'SIGKILL'), o.timeoutMs ?? 600_000);
    child.on('error', (err) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      let timeLine = '';
      try {
        timeLine = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
      } catch {
        // time did not write: killed
      }
      rmSync(dir, { recursive: true, force: true });
      if (signal !== null) {
        reject(new Error(`${cmd} ${args.join(' ')}: killed by ${signal}\n${stderr.slice(-2000)}`));
        return;
      }
      const [wall, user, sys, maxRss] = timeLine.split(' ').map(Number);
      if (!Number.isFinite(wall)) {
        reject(new Error(`${cmd}: /usr/bin/time wrote "${timeLine}"\n${stderr.slice(-2000)}`));
        return;
      }
      // time's exit code is the command's (or 127/126 when it could not run it).
      resolve({
        code, stdout, stderr, wall, cpu: Math.max(user + sys, sampler.cpu),
        peakRssKiB: Math.max(maxRss, sampler.peakRssKiB), sampledRssKiB: sampler.sampledRssKiB,
        rssBeforeOutputKiB: output ? rssBeforeOutputKiB : sampler.sampledRssKiB,
      });
    });
  });
}

/** Sends `signal` to the process group of a child spawned detached. */
export function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
