import { VERSION } from '../version.ts';
import { semanticConventions } from './otel-packages.ts';

const {
  ATTR_ERROR_TYPE: SEMCONV_ERROR_TYPE, ATTR_NETWORK_LOCAL_PORT: SEMCONV_NETWORK_LOCAL_PORT, ATTR_NETWORK_TRANSPORT: SEMCONV_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE: SEMCONV_NETWORK_TYPE, ATTR_SERVICE_INSTANCE_ID: SEMCONV_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME: SEMCONV_SERVICE_NAME, ATTR_SERVICE_VERSION: SEMCONV_SERVICE_VERSION,
} = semanticConventions;

/**
 * Metric and attribute names otelacct emits. Attribute names follow the OpenTelemetry semantic
 * conventions where one exists; the others are `otelacct.`-prefixed. Every name used on the
 * export path comes from here, never from a literal elsewhere (docs/naming.md).
 *
 * Where the names come from: stable conventions are imported from the main entry of
 * `@opentelemetry/semantic-conventions` (its values never change within 1.x). Names that are
 * still in development are copied here, as that package's README recommends (its `/incubating`
 * entry may change a value in a minor release, which would silently rename a series under
 * users' dashboards); test/export/semconv.test.ts checks every copy against `/incubating` of the
 * installed version, so an upgrade that changes one fails there instead.
 */

/** The semantic-conventions release the names follow: the version of the installed package. */
export const SEMCONV_VERSION = '1.45.0';
/** Schema URL of that release, on the resource and on every instrumentation scope. */
export const SCHEMA_URL = `https://opentelemetry.io/schemas/${SEMCONV_VERSION}`;

// Stable (imported).
/** `ipv4` or `ipv6` (semconv network.type). */
export const ATTR_NETWORK_TYPE = SEMCONV_NETWORK_TYPE;
/** Lower-case IANA protocol name (`tcp`, `udp`, `icmp`, ...) or the decimal number. */
export const ATTR_NETWORK_TRANSPORT = SEMCONV_NETWORK_TRANSPORT;
/** Why a frame was not accounted (otelacct.decode.errors): a DecodeStatus name such as `not_ip`. */
export const ATTR_ERROR_TYPE = SEMCONV_ERROR_TYPE;
export const ATTR_SERVICE_NAME = SEMCONV_SERVICE_NAME;
export const ATTR_SERVICE_VERSION = SEMCONV_SERVICE_VERSION;
export const ATTR_SERVICE_INSTANCE_ID = SEMCONV_SERVICE_INSTANCE_ID;

// Development (copied from `/incubating`; checked by test/export/semconv.test.ts).
export const ATTR_SOURCE_ADDRESS = 'source.address';
export const ATTR_DESTINATION_ADDRESS = 'destination.address';
export const ATTR_SOURCE_PORT = 'source.port';
export const ATTR_DESTINATION_PORT = 'destination.port';
export const ATTR_NETWORK_INTERFACE_NAME = 'network.interface.name';
/**
 * `receive` or `transmit`, always from the local host's side (the host in
 * accounting.localNetworks the series is about). No other value: see ATTR_TRAFFIC_CLASS.
 */
export const ATTR_DIRECTION = 'network.io.direction';
export const NETWORK_IO_DIRECTION_VALUE_RECEIVE = 'receive';
export const NETWORK_IO_DIRECTION_VALUE_TRANSMIT = 'transmit';
export const ATTR_HOST_NAME = 'host.name';
export const ATTR_CPU_MODE = 'cpu.mode';
export const ATTR_V8JS_HEAP_SPACE_NAME = 'v8js.heap.space.name';
export const METRIC_PROCESS_CPU_TIME = 'process.cpu.time';
export const METRIC_PROCESS_MEMORY_USAGE = 'process.memory.usage';
export const METRIC_V8JS_MEMORY_HEAP_USED = 'v8js.memory.heap.used';
export const METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE = 'v8js.memory.heap.space.size';
export const METRIC_NODEJS_EVENTLOOP_DELAY_P50 = 'nodejs.eventloop.delay.p50';
export const METRIC_NODEJS_EVENTLOOP_DELAY_P99 = 'nodejs.eventloop.delay.p99';
export const METRIC_NODEJS_EVENTLOOP_DELAY_MAX = 'nodejs.eventloop.delay.max';

// otelacct's own.
/**
 * Where a packet went relative to accounting.localNetworks (the perimeter view, as ECS
 * `network.direction`): `inbound` (remote to local), `outbound` (local to remote), `internal`
 * (local to local), `transit` (neither side local). Exported with network.io.direction.
 */
export const ATTR_TRAFFIC_CLASS = 'otelacct.traffic.class';
export const TRAFFIC_CLASS_VALUE_INBOUND = 'inbound';
export const TRAFFIC_CLASS_VALUE_OUTBOUND = 'outbound';
export const TRAFFIC_CLASS_VALUE_INTERNAL = 'internal';
export const TRAFFIC_CLASS_VALUE_TRANSIT = 'transit';
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
/** Outermost 802.1Q VLAN id; 0 when untagged. */
export const ATTR_VLAN_ID = 'otelacct.vlan.id';
/** Roll-up level of otelacct.export.series.rolled_up: 1 = /24 (/48), 2 = /16 (/32), 3 = /0. */
export const ATTR_ROLLUP_LEVEL = 'otelacct.rollup.level';
/** Set to true on the series that collects keys past a cardinality limit (OTel SDK convention). */
export const ATTR_OVERFLOW = 'otel.metric.overflow';

export const METRIC_TRAFFIC_BYTES = 'otelacct.traffic.bytes';
export const METRIC_TRAFFIC_PACKETS = 'otelacct.traffic.packets';
export const METRIC_CAPTURE_PACKETS = 'otelacct.capture.packets';
export const METRIC_CAPTURE_DROPPED = 'otelacct.capture.dropped';
export const METRIC_CAPTURE_INTERFACE_UP = 'otelacct.capture.interface.up';
export const METRIC_DECODE_ERRORS = 'otelacct.decode.errors';
export const METRIC_FLOW_TABLE_ENTRIES = 'otelacct.flow_table.entries';
export const METRIC_SERIES = 'otelacct.export.series';
export const METRIC_SERIES_EXPIRED = 'otelacct.export.series.expired';
export const METRIC_SERIES_OVERFLOWED = 'otelacct.export.series.overflowed';
export const METRIC_SERIES_ROLLED_UP = 'otelacct.export.series.rolled_up';
export const METRIC_EXPORT_FAILURES = 'otelacct.export.failures';
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
/** Local port of a listening socket (semconv network.local.port). */
export const ATTR_NETWORK_LOCAL_PORT = SEMCONV_NETWORK_LOCAL_PORT;
/** Flow listener of a self-telemetry series: sflow or netflow. */
export const ATTR_FLOW_PROTOCOL = 'otelacct.flow.protocol';

export const METRIC_FLOW_DATAGRAMS = 'otelacct.flow.datagrams';
export const METRIC_FLOW_RECORDS = 'otelacct.flow.records';
export const METRIC_FLOW_MALFORMED = 'otelacct.flow.malformed';
export const METRIC_FLOW_ERRORS = 'otelacct.flow.errors';
export const METRIC_FLOW_LOST_DATAGRAMS = 'otelacct.flow.lost.datagrams';
export const METRIC_FLOW_LOST_RECORDS = 'otelacct.flow.lost.records';
export const METRIC_FLOW_STATE_EVICTED = 'otelacct.flow.state.evicted';
export const METRIC_FLOW_EXPORTERS = 'otelacct.flow.exporters';
export const METRIC_FLOW_EXPORTERS_REFUSED = 'otelacct.flow.exporters.refused';
export const METRIC_FLOW_SOCKET_DROPPED = 'otelacct.flow.socket.dropped';
export const METRIC_UDP_RCVBUF_ERRORS = 'otelacct.udp.receive_buffer_errors';

/** Meter / instrumentation scope name. */
export const SCOPE_NAME = 'otelacct';
/** The instrumentation scope of every metric otelacct exports (OTLP scope; otel_scope_* labels). */
export const SCOPE: { readonly name: string; readonly version: string; readonly schemaUrl: string } = {
  name: SCOPE_NAME, version: VERSION, schemaUrl: SCHEMA_URL,
};
