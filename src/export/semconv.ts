/**
 * Metric and attribute names otelacct emits. Attribute names follow the OpenTelemetry semantic
 * conventions where one exists; the others are `otelacct.`-prefixed. Every name used on the
 * export path comes from here, never from a literal elsewhere.
 */
export const ATTR_SOURCE_ADDRESS = 'source.address';
export const ATTR_DESTINATION_ADDRESS = 'destination.address';
export const ATTR_SOURCE_PORT = 'source.port';
export const ATTR_DESTINATION_PORT = 'destination.port';
/** `ipv4` or `ipv6` (semconv network.type). */
export const ATTR_NETWORK_TYPE = 'network.type';
/** Lower-case IANA protocol name (`tcp`, `udp`, `icmp`, ...) or the decimal number. */
export const ATTR_NETWORK_TRANSPORT = 'network.transport';
export const ATTR_NETWORK_INTERFACE_NAME = 'network.interface.name';
/** Source / destination network prefix ("10.1.2.0/24"): networks-file match, else roll-up. */
export const ATTR_SOURCE_PREFIX = 'otelacct.source.prefix';
export const ATTR_DESTINATION_PREFIX = 'otelacct.destination.prefix';
/** Name of the networks-file entry the address falls in, else accounting.networkFallback. */
export const ATTR_SOURCE_NETWORK = 'otelacct.source.network';
export const ATTR_DESTINATION_NETWORK = 'otelacct.destination.network';
/** The local side of a packet (in accounting.localNetworks) and the other side. */
export const ATTR_LOCAL_ADDRESS = 'otelacct.local.address';
export const ATTR_REMOTE_ADDRESS = 'otelacct.remote.address';
export const ATTR_LOCAL_PREFIX = 'otelacct.local.prefix';
export const ATTR_REMOTE_PREFIX = 'otelacct.remote.prefix';
export const ATTR_LOCAL_NETWORK = 'otelacct.local.network';
export const ATTR_REMOTE_NETWORK = 'otelacct.remote.network';
export const ATTR_LOCAL_PORT = 'otelacct.local.port';
export const ATTR_REMOTE_PORT = 'otelacct.remote.port';
/** receive (into a local host), transmit (out of one), internal (local to local), transit (neither). */
export const ATTR_DIRECTION = 'network.io.direction';
/** Outermost 802.1Q VLAN id; 0 when untagged. */
export const ATTR_VLAN_ID = 'otelacct.vlan.id';
/** Set to true on the series that collects keys past a cardinality limit (OTel SDK convention). */
export const ATTR_OVERFLOW = 'otel.metric.overflow';
/** Reason label of otelacct.decode.errors. */
export const ATTR_REASON = 'reason';

export const METRIC_TRAFFIC_BYTES = 'otelacct.traffic.bytes';
export const METRIC_TRAFFIC_PACKETS = 'otelacct.traffic.packets';
export const METRIC_CAPTURE_PACKETS = 'otelacct.capture.packets';
export const METRIC_CAPTURE_DROPPED = 'otelacct.capture.dropped';
export const METRIC_DECODE_ERRORS = 'otelacct.decode.errors';
export const METRIC_FLOW_TABLE_OVERFLOW = 'otelacct.flow_table.overflow.packets';
export const METRIC_SERIES = 'otelacct.export.series';
export const METRIC_SERIES_EXPIRED = 'otelacct.export.series.expired';
export const METRIC_SAMPLING_RATE = 'otelacct.sampling.rate';

/**
 * Flow collector dimensions (docs/flow-collector.md). OpenTelemetry has no attribute for the
 * device that observed a flow, so they are otelacct's, shaped after ECS's
 * observer.ingress.interface.* / observer.egress.interface.*.
 */
/** Address a flow's datagrams came from (NetFlow/IPFIX exporter, sFlow agent's socket). */
export const ATTR_EXPORTER_ADDRESS = 'otelacct.exporter.address';
/** SNMP ifIndex the flow entered / left the exporter by (0: not reported). */
export const ATTR_INGRESS_INTERFACE_ID = 'otelacct.ingress.interface.id';
export const ATTR_EGRESS_INTERFACE_ID = 'otelacct.egress.interface.id';
/** The ifIndex's name from flow.interfaceNamesFile, else the ifIndex as text. */
export const ATTR_INGRESS_INTERFACE_NAME = 'otelacct.ingress.interface.name';
export const ATTR_EGRESS_INTERFACE_NAME = 'otelacct.egress.interface.name';
/** error.type of otelacct.flow.malformed (semconv error.type). */
export const ATTR_ERROR_TYPE = 'error.type';
/** Local port of a listening socket (semconv network.local.port). */
export const ATTR_NETWORK_LOCAL_PORT = 'network.local.port';
/** Flow listener of a self-telemetry series: sflow or netflow. */
export const ATTR_FLOW_PROTOCOL = 'otelacct.flow.protocol';

export const METRIC_FLOW_DATAGRAMS = 'otelacct.flow.datagrams';
export const METRIC_FLOW_RECORDS = 'otelacct.flow.records';
export const METRIC_FLOW_MALFORMED = 'otelacct.flow.malformed';
export const METRIC_FLOW_ERRORS = 'otelacct.flow.errors';
export const METRIC_FLOW_LOST_DATAGRAMS = 'otelacct.flow.lost.datagrams';
export const METRIC_FLOW_LOST_RECORDS = 'otelacct.flow.lost.records';
export const METRIC_FLOW_EXPORTERS = 'otelacct.flow.exporters';
export const METRIC_FLOW_EXPORTERS_REFUSED = 'otelacct.flow.exporters.refused';
export const METRIC_FLOW_SOCKET_DROPPED = 'otelacct.flow.socket.dropped';
export const METRIC_UDP_RCVBUF_ERRORS = 'otelacct.udp.receive_buffer_errors';

/** Meter / instrumentation scope name. */
export const SCOPE_NAME = 'otelacct';
