/**
 * The metric names and labels otelacct's deployment files may rely on: the metrics otelacct
 * emits (as Prometheus stores them), the labels those carry, and the labels Prometheus adds.
 * Recording-rule names are not here: the tests read them from prometheus/rules.
 */

/** Metrics otelacct emits with the demo/billing config (deploy/otelacct.yaml), plus Prometheus' own. */
export const CONTRACT_METRICS: ReadonlySet<string> = new Set([
  // traffic aggregations: traffic (default), and the host and site aggregations of the demo config
  'otelacct_traffic_bytes_total', 'otelacct_traffic_packets_total',
  'otelacct_host_bytes_total', 'otelacct_host_packets_total',
  'otelacct_site_bytes_total', 'otelacct_site_packets_total',
  // self-telemetry
  'otelacct_capture_packets_total', 'otelacct_capture_dropped_total', 'otelacct_decode_errors_total',
  'otelacct_export_failures_total', 'otelacct_export_series', 'otelacct_export_series_expired_total',
  'otelacct_flow_table_entries', 'otelacct_capture_interface_up',
  // flow collector self-telemetry (flow.sflow / flow.netflow enabled: test/e2e/flow-collector.test.ts reads them on /metrics)
  'otelacct_flow_records_total', 'otelacct_flow_lost_records_total', 'otelacct_flow_lost_datagrams_total',
  'otelacct_flow_socket_dropped_total', 'otelacct_flow_errors_total', 'otelacct_flow_exporters_refused_total',
  // unit-1 gauges as a collector's prometheus / prometheusremotewrite exporter names them
  'otelacct_capture_interface_up_ratio', 'otelacct_sampling_rate_ratio',
  // resource attributes; scrape health
  'target_info', 'up',
]);

/** Labels of those metrics, and the target labels Prometheus adds (job, instance). */
export const CONTRACT_LABELS: ReadonlySet<string> = new Set([
  'source_address', 'destination_address', 'network_type', 'network_transport', 'network_interface_name',
  'otel_metric_overflow', 'otelacct_local_address', 'otelacct_local_network', 'network_io_direction',
  'otelacct_traffic_class', 'error_type', 'otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url',
  'otelacct_flow_protocol', 'otelacct_exporter_address', 'network_local_port',
  'service_name', 'service_version', 'service_instance_id', 'host_name', 'site',
  'job', 'instance',
]);

/** Values of network_io_direction: the conventions' enum, from the local host's side. */
export const DIRECTIONS: ReadonlySet<string> = new Set(['receive', 'transmit']);

/** Values of otelacct_traffic_class. */
export const TRAFFIC_CLASSES: ReadonlySet<string> = new Set(['inbound', 'outbound', 'internal', 'transit']);

/**
 * Gauges of unit `1`: a collector's prometheus / prometheusremotewrite exporter names them with a
 * `_ratio` suffix, so every rule or panel that reads one must read both names.
 */
export const UNIT_ONE_GAUGES: readonly string[] = ['otelacct_capture_interface_up', 'otelacct_sampling_rate'];
