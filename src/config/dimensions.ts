import {
  ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_PORT, ATTR_NETWORK_INTERFACE_NAME,
  ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_TYPE, ATTR_SOURCE_ADDRESS, ATTR_SOURCE_PORT, ATTR_VLAN_ID,
} from '../export/semconv.ts';

/**
 * The dimensions a traffic series can be keyed by, named by the attribute they become.
 * The order here is the order attributes appear in exported series.
 */
export const DIMENSIONS = [
  ATTR_SOURCE_ADDRESS,
  ATTR_DESTINATION_ADDRESS,
  ATTR_SOURCE_PORT,
  ATTR_DESTINATION_PORT,
  ATTR_NETWORK_TYPE,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_INTERFACE_NAME,
  ATTR_VLAN_ID,
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

/** Type guard: is `name` one of DIMENSIONS? */
export function isDimension(name: unknown): name is Dimension {
  return typeof name === 'string' && (DIMENSIONS as readonly string[]).includes(name);
}
