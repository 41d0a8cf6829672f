import {
  ATTR_DIRECTION, ATTR_LOCAL_ADDRESS, ATTR_LOCAL_NETWORK, NETWORK_IO_DIRECTION_VALUE_RECEIVE, NETWORK_IO_DIRECTION_VALUE_TRANSMIT,
} from '../export/semconv.ts';

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

/** An attribute name as Prometheus stores it (every character other than [a-zA-Z0-9_] becomes `_`). */
export function promLabel(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Aggregations the report knows, by `--aggregation` value. */
export const BILLED_AGGREGATIONS = {
  host: { metric: 'otelacct_host_bytes_total', keyLabel: promLabel(ATTR_LOCAL_ADDRESS), column: 'host' },
  site: { metric: 'otelacct_site_bytes_total', keyLabel: promLabel(ATTR_LOCAL_NETWORK), column: 'site' },
} as const satisfies Record<string, BilledAggregation>;

/** `--aggregation` values. */
export type AggregationName = keyof typeof BILLED_AGGREGATIONS;

/**
 * Label carrying the direction of traffic relative to the local host (network.io.direction:
 * receive or transmit, whatever its otelacct_traffic_class; transit has none).
 */
export const DIRECTION_LABEL = promLabel(ATTR_DIRECTION);
/** Direction value of traffic into the local host (the report's "in"). */
export const DIRECTION_IN = NETWORK_IO_DIRECTION_VALUE_RECEIVE;
/** Direction value of traffic out of the local host (the report's "out"). */
export const DIRECTION_OUT = NETWORK_IO_DIRECTION_VALUE_TRANSMIT;
