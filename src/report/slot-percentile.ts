/**
 * The percentile of a period's slot rates when some slots have no data: a slot without samples
 * had no traffic counted, so it counts as 0, as in classic 95th-percentile billing where every
 * 5-minute slot of the month is one value.
 *
 * Prometheus' quantile of n sorted values v[0..n-1] is linear in the rank r = q (n - 1):
 * v[floor r] (1 - frac r) + v[floor r + 1] frac r. With m = N - n zeros below the n values that
 * Prometheus sees, the rank over all N slots, r = q (N - 1), falls on the present values at rank
 * r - m, which is Prometheus' quantile of them at q' = (r - m) / (n - 1).
 */
export type SlotPercentilePlan =
  | { kind: 'direct' }
  | { kind: 'zero' }
  | { kind: 'quantile'; quantile: number }
  | { kind: 'scaled-min'; factor: number };

/**
 * How to get the `quantile` (0..1) over `slots` slots of which `present` have data:
 * `direct` the plain quantile_over_time; `quantile` quantile_over_time at another quantile;
 * `scaled-min` the smallest present value times `factor` (interpolating between 0 and it);
 * `zero` the answer is 0.
 */
export function planSlotPercentile(quantile: number, slots: number, present: number): SlotPercentilePlan {
  if (present >= slots) return { kind: 'direct' };
  if (present <= 0) return { kind: 'zero' };
  const rank = quantile * (slots - 1) - (slots - present);
  if (rank <= -1) return { kind: 'zero' };
  if (rank < 0) return { kind: 'scaled-min', factor: rank + 1 };
  return { kind: 'quantile', quantile: present === 1 ? 0 : Math.min(1, rank / (present - 1)) };
}
