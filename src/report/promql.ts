import { DIRECTION_IN, DIRECTION_LABEL, DIRECTION_OUT, type BilledAggregation } from './aggregations.ts';
import { promDuration } from './time-values.ts';

/** What the billing queries select and over which period. */
export interface BillingQuerySpec {
  aggregation: BilledAggregation;
  /** Value of the `job` label to select; empty: any job. */
  job: string;
  /** Period length and slot length, in milliseconds (the period is a whole number of slots). */
  periodMs: number;
  stepMs: number;
}

/** A PromQL string literal: `"..."` with backslashes and quotes escaped. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** A regular expression matching exactly one of `values` (RE2 metacharacters escaped). */
export function anchoredAlternatives(values: readonly string[]): string {
  return values.map((v) => v.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')).join('|');
}

/**
 * The counter selector: the aggregation's byte counter for in and out traffic of the job
 * (transit traffic and the overflow series carry no in/out direction and are left out), with an
 * optional restriction to some row keys.
 */
export function counterSelector(spec: BillingQuerySpec, keys?: readonly string[]): string {
  const matchers: string[] = [];
  if (spec.job !== '') matchers.push(`job=${promString(spec.job)}`);
  matchers.push(`${DIRECTION_LABEL}=~${promString(`${DIRECTION_IN}|${DIRECTION_OUT}`)}`);
  if (keys !== undefined) matchers.push(`${spec.aggregation.keyLabel}=~${promString(anchoredAlternatives(keys))}`);
  return `${spec.aggregation.metric}{${matchers.join(',')}}`;
}

function byLabels(spec: BillingQuerySpec): string {
  return `${spec.aggregation.keyLabel}, ${DIRECTION_LABEL}`;
}

/**
 * Bits per second per row and direction, averaged over the slot that ends at the evaluation
 * time: `8 * sum by (key, direction) (rate(counter[step]))`, summed over meters.
 */
export function slotRateExpr(spec: BillingQuerySpec, keys?: readonly string[]): string {
  return `8 * sum by (${byLabels(spec)}) (rate(${counterSelector(spec, keys)}[${promDuration(spec.stepMs)}]))`;
}

/**
 * The slot rates of the period as a subquery, evaluated at the period's end: one value per slot
 * end from `from + step` to `to`. The range is the period less 1 ms so that the point at `from`
 * itself (the last slot of the previous period) is not included.
 */
export function slotRatesSubquery(spec: BillingQuerySpec, keys?: readonly string[]): string {
  return `(${slotRateExpr(spec, keys)})[${promDuration(spec.periodMs - 1)}:${promDuration(spec.stepMs)}]`;
}

/** The `quantile` (0..1) of the period's slot rates that have data. */
export function quantileQuery(spec: BillingQuerySpec, quantile: number, keys?: readonly string[]): string {
  return `quantile_over_time(${quantile}, ${slotRatesSubquery(spec, keys)})`;
}

/** How many of the period's slots have a rate (slots without any sample have none). */
export function slotCountQuery(spec: BillingQuerySpec): string {
  return `count_over_time(${slotRatesSubquery(spec)})`;
}

/** Bytes counted over the period per row and direction (counter resets handled by increase()). */
export function totalBytesQuery(spec: BillingQuerySpec): string {
  return `sum by (${byLabels(spec)}) (increase(${counterSelector(spec)}[${promDuration(spec.periodMs)}]))`;
}
