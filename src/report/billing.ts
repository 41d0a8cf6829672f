import { DIRECTION_IN, DIRECTION_LABEL, DIRECTION_OUT } from './aggregations.ts';
import type { InstantQuery, VectorSample } from './prometheus-api.ts';
import { quantileQuery, slotCountQuery, totalBytesQuery, type BillingQuerySpec } from './promql.ts';
import { planSlotPercentile } from './slot-percentile.ts';

/** One row of the report: a host or site, its percentile rates (bit/s) and bytes in and out. */
export interface BillingRow {
  key: string;
  inBits: number;
  outBits: number;
  inBytes: number;
  outBytes: number;
}

/** What to bill: the queries' spec, the percentile (0..1) and the period's end (ms). */
export interface BillingRequest extends BillingQuerySpec {
  quantile: number;
  toMs: number;
}

/** The period holds no data for the aggregation; `message` says what was looked for. */
export class NoDataError extends Error {
  override readonly name = 'NoDataError';
}

/** Follow-up quantile queries (each reads the whole period) run at most this many at a time. */
const FOLLOW_UP_CONCURRENCY = 4;

type Direction = 'in' | 'out';
type Cell = `${string}\u0000${Direction}`;

/**
 * Queries Prometheus (all instant queries at the period's end) and returns one row per host or
 * site, sorted by key. Percentiles count every slot of the period, slots without data as 0
 * (see slot-percentile.ts); totals are increase() over the period. Throws NoDataError when the
 * period has no data for the aggregation.
 */
export async function computeBilling(query: InstantQuery, req: BillingRequest): Promise<BillingRow[]> {
  const slots = Math.round(req.periodMs / req.stepMs);
  const [counts, quantiles, totals] = await Promise.all([
    query(slotCountQuery(req), req.toMs),
    query(quantileQuery(req, req.quantile), req.toMs),
    query(totalBytesQuery(req), req.toMs),
  ]);
  if (counts.length === 0 && totals.length === 0) {
    throw new NoDataError(`no data in ${req.aggregation.metric}${req.job ? ` for job "${req.job}"` : ''} in this period`);
  }
  const rates = new Map<Cell, number>();
  for (const [cell, value] of cells(req, quantiles)) rates.set(cell, value);

  // Cells with slots missing: zeros count, so ask for the right order statistic of the rest.
  const byQuantile = new Map<number, Cell[]>();
  const byMinimum: Array<{ cell: Cell; factor: number }> = [];
  for (const [cell, present] of cells(req, counts)) {
    const plan = planSlotPercentile(req.quantile, slots, present);
    if (plan.kind === 'zero') rates.set(cell, 0);
    else if (plan.kind === 'quantile') byQuantile.set(plan.quantile, [...(byQuantile.get(plan.quantile) ?? []), cell]);
    else if (plan.kind === 'scaled-min') byMinimum.push({ cell, factor: plan.factor });
  }
  const followUps: Array<() => Promise<void>> = [];
  for (const [quantile, group] of byQuantile) followUps.push(() => refine(query, req, quantile, group, 1, rates));
  for (const { cell, factor } of byMinimum) followUps.push(() => refine(query, req, 0, [cell], factor, rates));
  await runLimited(followUps, FOLLOW_UP_CONCURRENCY);

  const bytes = new Map(cells(req, totals));
  const keys = new Set([...rates.keys(), ...bytes.keys()].map((c) => c.split('\u0000')[0]));
  return [...keys].sort(compareKeys).map((key) => ({
    key,
    inBits: rates.get(`${key}\u0000in`) ?? 0,
    outBits: rates.get(`${key}\u0000out`) ?? 0,
    inBytes: Math.round(bytes.get(`${key}\u0000in`) ?? 0),
    outBytes: Math.round(bytes.get(`${key}\u0000out`) ?? 0),
  }));
}

/** Re-queries the quantile for `group`'s keys; stores value x `factor` for the cells in `group`. */
async function refine(query: InstantQuery, req: BillingRequest, quantile: number, group: Cell[],
  factor: number, into: Map<Cell, number>): Promise<void> {
  const keys = [...new Set(group.map((c) => c.split('\u0000')[0]))];
  const wanted = new Set(group);
  for (const [cell, value] of cells(req, await query(quantileQuery(req, quantile, keys), req.toMs))) {
    if (wanted.has(cell)) into.set(cell, value * factor);
  }
}

function* cells(req: BillingRequest, samples: VectorSample[]): Generator<[Cell, number]> {
  for (const s of samples) {
    const direction = s.labels[DIRECTION_LABEL] === DIRECTION_IN ? 'in' : s.labels[DIRECTION_LABEL] === DIRECTION_OUT ? 'out' : undefined;
    if (direction === undefined) continue;
    yield [`${s.labels[req.aggregation.keyLabel] ?? ''}\u0000${direction}`, s.value];
  }
}

/** Runs `tasks`, at most `limit` at once; rejects with the first failure. */
async function runLimited(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** Orders keys with embedded numbers numerically (192.0.2.9 before 192.0.2.10). */
function compareKeys(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
