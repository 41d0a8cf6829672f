/**
 * Field numbers of NetFlow v9 (RFC 3954 §8) and IPFIX information elements (RFC 7012, IANA
 * "IPFIX Information Elements") that the NetFlow/IPFIX decoder reads, and the plan kinds a
 * compiled template maps them to. v9 field types 1..127 are the same numbers as the IPFIX IEs.
 */
export const Ie = {
  OCTET_DELTA_COUNT: 1, // v9 IN_BYTES
  PACKET_DELTA_COUNT: 2, // v9 IN_PKTS
  PROTOCOL_IDENTIFIER: 4,
  SOURCE_TRANSPORT_PORT: 7,
  SOURCE_IPV4_ADDRESS: 8,
  INGRESS_INTERFACE: 10,
  DESTINATION_TRANSPORT_PORT: 11,
  DESTINATION_IPV4_ADDRESS: 12,
  EGRESS_INTERFACE: 14,
  POST_OCTET_DELTA_COUNT: 23, // v9 OUT_BYTES
  POST_PACKET_DELTA_COUNT: 24, // v9 OUT_PKTS
  SOURCE_IPV6_ADDRESS: 27,
  DESTINATION_IPV6_ADDRESS: 28,
  SAMPLING_INTERVAL: 34,
  SAMPLER_ID: 48, // v9 FLOW_SAMPLER_ID
  SAMPLER_RANDOM_INTERVAL: 50, // v9 FLOW_SAMPLER_RANDOM_INTERVAL
  VLAN_ID: 58, // v9 SRC_VLAN
  POST_VLAN_ID: 59, // v9 DST_VLAN
  FLOW_DIRECTION: 61,
  OCTET_TOTAL_COUNT: 85,
  PACKET_TOTAL_COUNT: 86,
  UDP_SOURCE_PORT: 180,
  UDP_DESTINATION_PORT: 181,
  TCP_SOURCE_PORT: 182,
  TCP_DESTINATION_PORT: 183,
  DOT1Q_VLAN_ID: 243,
  POST_DOT1Q_VLAN_ID: 254,
  SELECTOR_ID: 302,
  SAMPLING_PACKET_INTERVAL: 305,
  SAMPLING_PACKET_SPACE: 306,
  SAMPLING_SIZE: 309,
  SAMPLING_POPULATION: 310,
} as const;

/** NetFlow v9 options scope field types (RFC 3954 §6.1); a different number space from Ie. */
export const V9Scope = { SYSTEM: 1, INTERFACE: 2, LINE_CARD: 3, CACHE: 4, TEMPLATE: 5 } as const;

/** IPFIX variable-length field marker in a template (RFC 7011 §7). */
export const VARIABLE_LENGTH = 65535;

/**
 * What a compiled template reads from a field. Counters are resolved at compile time: BYTES is
 * octetDeltaCount (1) when the template has it, else octetTotalCount (85), else
 * postOctetDeltaCount (23), nfacctd's order (pkt_handlers.c NF_counters_handler); PACKETS alike.
 */
export const Kind = {
  NONE: 0,
  SRC4: 1,
  DST4: 2,
  SRC6: 3,
  DST6: 4,
  SRC_PORT: 5,
  DST_PORT: 6,
  PROTOCOL: 7,
  INPUT_IF: 8,
  OUTPUT_IF: 9,
  VLAN: 10,
  BYTES: 11,
  PACKETS: 12,
  DIRECTION: 13,
  SAMPLER_ID: 14,
  SAMPLING_INTERVAL: 15,
  PACKET_INTERVAL: 16,
  PACKET_SPACE: 17,
  SAMPLING_SIZE: 18,
  SAMPLING_POPULATION: 19,
  /** v9 options scope "System": the options apply to every source id of the exporter. */
  SCOPE_SYSTEM: 20,
  /** VLAN IEs apart (chosen per record by flowDirection, see NetflowContext.emit): 58 is VLAN. */
  POST_VLAN: 21,
  DOT1Q_VLAN: 22,
  POST_DOT1Q_VLAN: 23,
} as const;
export const KIND_COUNT = 24;

/**
 * The kind of a non-scope field (`ie` without enterprise bit, `enterprise` false), or NONE.
 * Addresses need their exact length (4 or 16); other numbers are read as unsigned big-endian of
 * any length from 1 to 8 (RFC 7011 §6.2 reduced-size encoding). Counter variants map to a
 * provisional kind resolved by the compiler (see COUNTER_CHOICE).
 */
export function fieldKind(ie: number, length: number): number {
  if (length === VARIABLE_LENGTH) return Kind.NONE;
  switch (ie) {
    case Ie.SOURCE_IPV4_ADDRESS: return length === 4 ? Kind.SRC4 : Kind.NONE;
    case Ie.DESTINATION_IPV4_ADDRESS: return length === 4 ? Kind.DST4 : Kind.NONE;
    case Ie.SOURCE_IPV6_ADDRESS: return length === 16 ? Kind.SRC6 : Kind.NONE;
    case Ie.DESTINATION_IPV6_ADDRESS: return length === 16 ? Kind.DST6 : Kind.NONE;
  }
  if (length < 1 || length > 8) return Kind.NONE;
  switch (ie) {
    case Ie.PROTOCOL_IDENTIFIER: return Kind.PROTOCOL;
    case Ie.INGRESS_INTERFACE: return Kind.INPUT_IF;
    case Ie.EGRESS_INTERFACE: return Kind.OUTPUT_IF;
    case Ie.FLOW_DIRECTION: return Kind.DIRECTION;
    case Ie.VLAN_ID: return Kind.VLAN;
    case Ie.POST_VLAN_ID: return Kind.POST_VLAN;
    case Ie.DOT1Q_VLAN_ID: return Kind.DOT1Q_VLAN;
    case Ie.POST_DOT1Q_VLAN_ID: return Kind.POST_DOT1Q_VLAN;
    case Ie.SAMPLING_PACKET_INTERVAL: return Kind.PACKET_INTERVAL;
    case Ie.SAMPLING_PACKET_SPACE: return Kind.PACKET_SPACE;
    case Ie.SAMPLING_SIZE: return Kind.SAMPLING_SIZE;
    case Ie.SAMPLING_POPULATION: return Kind.SAMPLING_POPULATION;
    default: return Kind.NONE;
  }
}

/**
 * Fields resolved by precedence at compile time: for each target kind, the IEs in order of
 * preference. The last occurrence of the first IE present wins (as nfacctd's OTPL_LAST).
 */
export const PRECEDENCE: ReadonlyArray<{ kind: number; ies: readonly number[] }> = [
  { kind: Kind.SRC_PORT, ies: [Ie.SOURCE_TRANSPORT_PORT, Ie.UDP_SOURCE_PORT, Ie.TCP_SOURCE_PORT] },
  { kind: Kind.DST_PORT, ies: [Ie.DESTINATION_TRANSPORT_PORT, Ie.UDP_DESTINATION_PORT, Ie.TCP_DESTINATION_PORT] },
  { kind: Kind.BYTES, ies: [Ie.OCTET_DELTA_COUNT, Ie.OCTET_TOTAL_COUNT, Ie.POST_OCTET_DELTA_COUNT] },
  { kind: Kind.PACKETS, ies: [Ie.PACKET_DELTA_COUNT, Ie.PACKET_TOTAL_COUNT, Ie.POST_PACKET_DELTA_COUNT] },
  { kind: Kind.SAMPLER_ID, ies: [Ie.SAMPLER_ID, Ie.SELECTOR_ID] },
  // nfacctd reads FLOW_SAMPLER_RANDOM_INTERVAL over SAMPLING_INTERVAL when both are present.
  { kind: Kind.SAMPLING_INTERVAL, ies: [Ie.SAMPLER_RANDOM_INTERVAL, Ie.SAMPLING_INTERVAL] },
];
