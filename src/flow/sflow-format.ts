/**
 * sFlow version 5 numbers (https://sflow.org/sflow_version_5.txt) and the interface encodings.
 * A data_format word is (enterprise << 12) | format; enterprise 0 is sflow.org's.
 */

/** sample_data formats (enterprise 0). */
export const SflowSample = { FLOW: 1, COUNTERS: 2, FLOW_EXPANDED: 3, COUNTERS_EXPANDED: 4 } as const;

/** flow_data formats (enterprise 0) the decoder reads; others are skipped by their length. */
export const SflowFlowRecord = { SAMPLED_HEADER: 1, SAMPLED_IPV4: 3, SAMPLED_IPV6: 4, EXTENDED_SWITCH: 1001 } as const;

/** address_type of the datagram's agent_address. */
export const SflowAddressType = { UNKNOWN: 0, IPV4: 1, IPV6: 2 } as const;

/** Fixed sizes of the structures read, in bytes (XDR: every field a multiple of 4). */
export const SflowSize = {
  /** sampled_header before header<>: protocol, frame_length, stripped, header length. */
  SAMPLED_HEADER_FIXED: 16,
  /** sampled_ipv4: length, protocol, src, dst, src_port, dst_port, tcp_flags, tos. */
  SAMPLED_IPV4: 32,
  /** sampled_ipv6: length, protocol, src (16), dst (16), src_port, dst_port, tcp_flags, priority. */
  SAMPLED_IPV6: 56,
  /** extended_switch: src_vlan, src_priority, dst_vlan, dst_priority. */
  EXTENDED_SWITCH: 16,
  /** flow_sample up to flow_records<> (sequence, source_id, rate, pool, drops, input, output, count). */
  FLOW_SAMPLE_FIXED: 32,
  /** flow_sample_expanded up to flow_records<> (source_id and interfaces take two words each). */
  FLOW_SAMPLE_EXPANDED_FIXED: 44,
} as const;

/** Compact ifIndex of "no interface: the device itself" (format 0, all value bits set). */
const COMPACT_INTERNAL = 0x3fffffff;
/** Expanded ifIndex of "the device itself" (erratum: 0xFFFFFFFF, not the compact 0x3FFFFFFF). */
const EXPANDED_INTERNAL = 0xffffffff;

/**
 * The ifIndex of a compact `interface` word (flow_sample): the top 2 bits are the format. Format
 * 0 is an ifIndex (0x3FFFFFFF: the device itself, none); format 1 (packet discarded, value =
 * reason) and format 2 (sent to several interfaces, value = how many) name no single interface.
 * Returns 0 for "no single interface", as FlowRecord does.
 */
export function compactIfIndex(word: number): number {
  if (word >>> 30 !== 0) return 0;
  return word === COMPACT_INTERNAL ? 0 : word;
}

/** The ifIndex of an interface_expanded (format, value) pair: 0 unless format 0 and a real index. */
export function expandedIfIndex(format: number, value: number): number {
  if (format !== 0) return 0;
  return value === EXPANDED_INTERNAL ? 0 : value >>> 0;
}

/** Big-endian uint32 at `data[at]` (the caller checked that 4 bytes are there). */
export function u32(data: Uint8Array, at: number): number {
  return ((data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3]) >>> 0;
}

/** An XDR opaque<> of `length` bytes occupies this many bytes (padded to 4). */
export function padded(length: number): number {
  return length + (-length & 3);
}
