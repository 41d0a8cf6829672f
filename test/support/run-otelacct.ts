import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of src/cli.ts. */
export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the otelacct CLI (this checkout's src/cli.ts under the current node) to completion.
 * Environment: the test's, minus OTEL_* / OTELACCT_* unless given in `env`.
 */
export function runOtelacct(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; nodeFlags?: string[] } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = startOtelacct(args, opts.env, opts.nodeFlags);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`otelacct ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60000} ms; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts the otelacct CLI in the background (stdio piped); `nodeFlags` go to node before the script. */
export function startOtelacct(args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): ChildProcess {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('OTELACCT_')) base[k] = v;
  }
  return spawn(process.execPath, [...nodeFlags, CLI, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Parses Prometheus text exposition into `name{labels}` → value (comments dropped). */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

/** Packets the exposition's otelacct_traffic_packets_total series hold in all. */
export function trafficPackets(text: string): number {
  let n = 0;
  for (const [k, v] of parseExposition(text)) if (k.startsWith('otelacct_traffic_packets_total{')) n += v;
  return n;
}

/** trafficPackets() of one scrape of `url`, which must answer within `timeoutMs`. */
export async function scrapeTrafficPackets(url: string, timeoutMs = 2000): Promise<number> {
  return trafficPackets(await (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).text());
}

/** Parses one exposition line's labels: `a="x",b="y"` → {a:'x', b:'y'}. */
export function parseLabels(series: string): { name: string; labels: Record<string, string> } {
  const brace = series.indexOf('{');
  if (brace < 0) return { name: series, labels: {} };
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of series.slice(brace + 1, -1).matchAll(re)) labels[m[1]] = m[2].replace(/\\(.)/g, '$1');
  return { name: series.slice(0, brace), labels };
}

/**
 * Sums a metric from an exposition by the given label names: key = label values joined by ','.
 */
export function sumBy(exposition: Map<string, number>, metric: string, labelNames: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [series, value] of exposition) {
    const { name, labels } = parseLabels(series);
    if (name !== metric) continue;
    const key = labelNames.map((l) => labels[l] ?? '').join(',');
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}
