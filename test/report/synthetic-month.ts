import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * A month of otelacct counters with known traffic, for `promtool tsdb create-blocks-from
 * openmetrics`, and the billing figures Prometheus must produce from it, computed the way
 * Prometheus 2.x computes them (see expectedSlotBits, promQuantile, promIncrease).
 *
 * Samples are 60 s apart (a 60 s scrape interval); traffic is constant within each 5-minute slot,
 * so rate(x[5m]) at a slot's end is exactly that slot's average. Series start 1 hour before the
 * period (their last pre-period slot must not count) and some end early (their missing slots
 * count as 0 in the percentile).
 */

export const MINUTE = 60_000;
export const SLOT = 5 * MINUTE;

/** One counter series: labels and the bytes added in each minute of its life. */
export interface SyntheticSeries {
  metric: string;
  labels: Record<string, string>;
  /** First sample time (ms); samples every minute until `endMs` inclusive. */
  startMs: number;
  endMs: number;
  /** Bytes per second during the slot that ends at `slotEndMs`. */
  rateAt: (slotEndMs: number) => number;
  /** Sample time at which the counter restarts from zero (a meter restart), if any. */
  resetAtMs?: number;
}

/** Sample values of `s`, one per minute from startMs to endMs. */
export function samples(s: SyntheticSeries): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let value = 1_000_000_000; // counted before the first sample
  for (let t = s.startMs; t <= s.endMs; t += MINUTE) {
    const added = t === s.startMs ? 0 : 60 * s.rateAt(Math.ceil(t / SLOT) * SLOT);
    value = t === s.resetAtMs ? added : value + added;
    out.push([t, value]);
  }
  return out;
}

/** Writes all series as one OpenMetrics file (timestamps in seconds, `# EOF` at the end). */
export function writeOpenMetrics(path: string, series: SyntheticSeries[]): void {
  const fd = openSync(path, 'w');
  const byMetric = new Map<string, SyntheticSeries[]>();
  for (const s of series) byMetric.set(s.metric, [...(byMetric.get(s.metric) ?? []), s]);
  for (const [metric, list] of byMetric) {
    let chunk = `# TYPE ${metric.replace(/_total$/, '')} counter\n`;
    for (const s of list) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',');
      for (const [t, v] of samples(s)) {
        chunk += `${metric}{${labels}} ${v} ${t / 1000}\n`;
        if (chunk.length > 1 << 20) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
    }
    writeSync(fd, chunk);
  }
  writeSync(fd, '# EOF\n');
  closeSync(fd);
}

/**
 * Bits/s that `8 * sum(rate(x[5m]))` gives at `slotEndMs` over the series of one row and
 * direction, or undefined when none has two samples in the window [end - 5m, end].
 * Prometheus 2.x: rate = (last - first) x ((extrapolated / sampled) / range); no extrapolation
 * here since samples sit on both window ends, so the factor is 1/300.
 */
export function expectedSlotBits(series: SyntheticSeries[], slotEndMs: number): number | undefined {
  let sum: number | undefined;
  for (const s of series) {
    if (s.startMs > slotEndMs - SLOT || s.endMs < slotEndMs) continue;
    const rate = 300 * s.rateAt(slotEndMs) * (1 / 300);
    sum = sum === undefined ? rate : sum + rate;
  }
  return sum === undefined ? undefined : 8 * sum;
}

/** Prometheus' quantile (promql/quantile.go): linear interpolation between closest ranks. */
export function promQuantile(q: number, values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

/**
 * The q-percentile over every slot of [fromMs, toMs) of one row and direction, slots without
 * data as 0: what `otelacct report` promises.
 */
export function expectedPercentile(series: SyntheticSeries[], q: number, fromMs: number, toMs: number): number {
  const values: number[] = [];
  for (let end = fromMs + SLOT; end <= toMs; end += SLOT) values.push(expectedSlotBits(series, end) ?? 0);
  return promQuantile(q, values);
}

/**
 * What `increase(x[period])` at `toMs` gives for one series (Prometheus 2.x: samples in
 * [to - period, to], resets added back, extrapolated to the window ends when the first/last
 * sample is within 1.1 sample intervals of them, else by half an interval).
 */
export function promIncrease(s: SyntheticSeries, fromMs: number, toMs: number): number {
  const inWindow = samples(s).filter(([t]) => t >= fromMs && t <= toMs);
  if (inWindow.length < 2) return 0;
  let delta = inWindow[inWindow.length - 1][1] - inWindow[0][1];
  for (let i = 1; i < inWindow.length; i++) if (inWindow[i][1] < inWindow[i - 1][1]) delta += inWindow[i - 1][1];
  const sampled = (inWindow[inWindow.length - 1][0] - inWindow[0][0]) / 1000;
  const average = sampled / (inWindow.length - 1);
  const toStart = (inWindow[0][0] - fromMs) / 1000;
  const toEnd = (toMs - inWindow[inWindow.length - 1][0]) / 1000;
  let extrapolated = sampled;
  extrapolated += toStart < average * 1.1 ? toStart : average / 2;
  extrapolated += toEnd < average * 1.1 ? toEnd : average / 2;
  return delta * (extrapolated / sampled);
}

/** A deterministic pseudo-random integer in [min, max] for slot index `i` and stream `seed`. */
export function pseudoRandom(seed: number, i: number, min: number, max: number): number {
  let x = (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(seed + 7, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return min + (x % (max - min + 1));
}
