/**
 * The aggregations `otelacct report` bills by: which counter it reads and which label names the
 * row. Both are named aggregations of the meter's config (`aggregations:` in otelacct.yaml); see
 * deploy/otelacct.yaml and docs/deployment.md.
 */
export interface BilledAggregation {
  /** Metric holding the aggregation's byte counter, as Prometheus stores it. */
  readonly metric: string;
  /** Label whose value names a row: the local host's address, or the local network's name. */
  readonly keyLabel: string;
  /** Column heading for that label in the report. */
  readonly column: string;
}

/** Aggregations the report knows, by `--aggregation` value. */
export const BILLED_AGGREGATIONS = {
  host: { metric: 'otelacct_host_bytes_total', keyLabel: 'otelacct_local_address', column: 'host' },
  site: { metric: 'otelacct_site_bytes_total', keyLabel: 'otelacct_local_network', column: 'site' },
} as const satisfies Record<string, BilledAggregation>;

/** `--aggregation` values. */
export type AggregationName = keyof typeof BILLED_AGGREGATIONS;

/** Label carrying the direction of traffic relative to the local host. */
export const DIRECTION_LABEL = 'network_io_direction';
/** Direction value of traffic into the local host (the report's "in"). */
export const DIRECTION_IN = 'receive';
/** Direction value of traffic out of the local host (the report's "out"). */
export const DIRECTION_OUT = 'transmit';
