import {
  ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_NETWORK, ATTR_DESTINATION_PORT, ATTR_DESTINATION_PREFIX,
  ATTR_DIRECTION, ATTR_LOCAL_ADDRESS, ATTR_LOCAL_NETWORK, ATTR_LOCAL_PORT, ATTR_LOCAL_PREFIX,
  ATTR_NETWORK_INTERFACE_NAME, ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_TYPE, ATTR_REMOTE_ADDRESS,
  ATTR_REMOTE_NETWORK, ATTR_REMOTE_PORT, ATTR_REMOTE_PREFIX, ATTR_SOURCE_ADDRESS, ATTR_SOURCE_NETWORK,
  ATTR_SOURCE_PORT, ATTR_SOURCE_PREFIX, ATTR_VLAN_ID,
  ATTR_EXPORTER_ADDRESS, ATTR_INGRESS_INTERFACE_ID, ATTR_EGRESS_INTERFACE_ID, ATTR_INGRESS_INTERFACE_NAME, ATTR_EGRESS_INTERFACE_NAME,
} from '../export/semconv.ts';

/**
 * The dimensions a traffic series can be keyed by, named by the attribute they become. The order
 * here is the order attributes appear in exported series.
 *
 * Two orientations: source/destination dimensions describe the packet as it flew; local/remote
 * dimensions describe it from the local host's side (accounting.localNetworks), with
 * network.io.direction telling which way it went. One aggregation uses one orientation. The
 * network.io.direction dimension exports two attributes, network.io.direction (receive/transmit)
 * and otelacct.traffic.class (inbound/outbound/internal/transit): see export/flow-attributes.ts.
 */
export const DIMENSIONS = [
  ATTR_SOURCE_ADDRESS,
  ATTR_DESTINATION_ADDRESS,
  ATTR_SOURCE_PREFIX,
  ATTR_DESTINATION_PREFIX,
  ATTR_SOURCE_NETWORK,
  ATTR_DESTINATION_NETWORK,
  ATTR_SOURCE_PORT,
  ATTR_DESTINATION_PORT,
  ATTR_LOCAL_ADDRESS,
  ATTR_REMOTE_ADDRESS,
  ATTR_LOCAL_PREFIX,
  ATTR_REMOTE_PREFIX,
  ATTR_LOCAL_NETWORK,
  ATTR_REMOTE_NETWORK,
  ATTR_LOCAL_PORT,
  ATTR_REMOTE_PORT,
  ATTR_DIRECTION,
  ATTR_NETWORK_TYPE,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_INTERFACE_NAME,
  ATTR_VLAN_ID,
  ATTR_EXPORTER_ADDRESS,
  ATTR_INGRESS_INTERFACE_ID,
  ATTR_EGRESS_INTERFACE_ID,
  ATTR_INGRESS_INTERFACE_NAME,
  ATTR_EGRESS_INTERFACE_NAME,
] as const;

export type Dimension = (typeof DIMENSIONS)[number];

/** What otelacct keys traffic by when the config does not say (pmacct: src_host,dst_host,...). */
export const DEFAULT_DIMENSIONS: Dimension[] = [
  ATTR_SOURCE_ADDRESS,
  ATTR_DESTINATION_ADDRESS,
  ATTR_NETWORK_TYPE,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_INTERFACE_NAME,
];

/** Dimensions of the source/destination orientation. */
export const PAIR_DIMENSIONS: readonly string[] = [
  ATTR_SOURCE_ADDRESS, ATTR_DESTINATION_ADDRESS, ATTR_SOURCE_PREFIX, ATTR_DESTINATION_PREFIX,
  ATTR_SOURCE_NETWORK, ATTR_DESTINATION_NETWORK, ATTR_SOURCE_PORT, ATTR_DESTINATION_PORT,
];

/** Dimensions of the local/remote orientation (they need accounting.localNetworks). */
export const LOCAL_DIMENSIONS: readonly string[] = [
  ATTR_LOCAL_ADDRESS, ATTR_REMOTE_ADDRESS, ATTR_LOCAL_PREFIX, ATTR_REMOTE_PREFIX,
  ATTR_LOCAL_NETWORK, ATTR_REMOTE_NETWORK, ATTR_LOCAL_PORT, ATTR_REMOTE_PORT,
];

/** Dimensions that need accounting.networksFile. */
export const NETWORK_DIMENSIONS: readonly string[] = [
  ATTR_SOURCE_NETWORK, ATTR_DESTINATION_NETWORK, ATTR_LOCAL_NETWORK, ATTR_REMOTE_NETWORK,
];

/**
 * Dimensions only flow records (sFlow, NetFlow, IPFIX) fill: the exporter and its interfaces.
 * Captured packets have none of them (their series show the ids as 0 and no exporter address).
 */
export const FLOW_DIMENSIONS: readonly string[] = [
  ATTR_EXPORTER_ADDRESS, ATTR_INGRESS_INTERFACE_ID, ATTR_EGRESS_INTERFACE_ID, ATTR_INGRESS_INTERFACE_NAME, ATTR_EGRESS_INTERFACE_NAME,
];

/** Type guard: is `name` one of DIMENSIONS? */
export function isDimension(name: unknown): name is Dimension {
  return typeof name === 'string' && (DIMENSIONS as readonly string[]).includes(name);
}
