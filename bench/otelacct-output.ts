/**
 * Reading otelacct's `--output json` document back: traffic totals per address pair, series
 * counts, self-telemetry values. Used by every scenario of bench/run.ts.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of src/cli.ts. */
export const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
/** How otelacct is started, as ./otelacct and the package's bin start it (the V8 flag: see src/cli.ts). */
export const CLI_ARGS = ['--max-semi-space-size=2', CLI];

/**
 * The environment of the benchmark without OTEL_* and OTELACCT_* (so defaults apply), with
 * NODE_COMPILE_CACHE as ./otelacct sets it (Node's compile cache from the first line of src/cli.ts).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('OTEL_') && !k.startsWith('OTELACCT_')) env[k] = v;
  }
  env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'node-compile-cache');
  return env;
}

interface JsonPoint {
  attributes: Record<string, string | number | boolean>;
  value: number;
}

interface JsonDoc {
  metrics: { name: string; dataPoints: JsonPoint[] }[];
}

/** Counters of one aggregate. */
export interface Counters {
  bytes: number;
  packets: number;
}

/** What one --read run printed. */
export interface OtelacctOutput {
  /** "src,dst" → counters, summed over the other dimensions (overflow series under "overflow"). */
  pairs: Map<string, Counters>;
  bytes: number;
  packets: number;
  /** Series of otelacct.traffic.bytes. */
  series: number;
  /** Value of a single-point metric (summed over its points), e.g. otelacct.capture.packets. */
  value: (metric: string) => number | undefined;
}

/** Parses the JSON that `otelacct --read FILE --output json` prints. */
export function parseOtelacctJson(text: string): OtelacctOutput {
  const doc = JSON.parse(text) as JsonDoc;
  const metric = (name: string) => doc.metrics.find((m) => m.name === name);
  const pairs = new Map<string, Counters>();
  let bytes = 0;
  let packets = 0;
  const add = (points: JsonPoint[] | undefined, field: keyof Counters): void => {
    for (const p of points ?? []) {
      const a = p.attributes;
      const key = a['otel.metric.overflow'] === true ? 'overflow' : `${a['source.address']},${a['destination.address']}`;
      const c = pairs.get(key) ?? { bytes: 0, packets: 0 };
      c[field] += p.value;
      pairs.set(key, c);
      if (field === 'bytes') bytes += p.value;
      else packets += p.value;
    }
  };
  const b = metric('otelacct.traffic.bytes');
  add(b?.dataPoints, 'bytes');
  add(metric('otelacct.traffic.packets')?.dataPoints, 'packets');
  return {
    pairs, bytes, packets, series: b?.dataPoints.length ?? 0,
    value: (name) => metric(name)?.dataPoints.reduce((s, p) => s + p.value, 0),
  };
}

/**
 * Differences between two per-pair tables, as lines `pair: a=… b=…` (at most `max`), empty
 * when they are equal.
 */
export function comparePairs(a: Map<string, Counters>, aName: string, b: Map<string, Counters>, bName: string, max = 20): string[] {
  const out: string[] = [];
  const keys = new Set([...a.keys(), ...b.keys()]);
  let count = 0;
  for (const k of keys) {
    const x = a.get(k);
    const y = b.get(k);
    if (x !== undefined && y !== undefined && x.bytes === y.bytes && x.packets === y.packets) continue;
    count++;
    if (out.length < max) {
      const fmt = (c: Counters | undefined) => (c === undefined ? 'absent' : `${c.packets} packets ${c.bytes} bytes`);
      out.push(`${k}: ${aName} ${fmt(x)}, ${bName} ${fmt(y)}`);
    }
  }
  if (count > max) out.push(`... and ${count - max} more pairs differ`);
  return out;
}
