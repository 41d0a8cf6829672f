/**
 * Why a frame was not accounted. Values are small integers so that the per-status counters can
 * live in a typed array indexed by status; `DECODE_STATUS_NAMES[status]` is the label exported
 * as the `error.type` attribute of `otelacct.decode.errors`.
 */
export const DecodeStatus = {
  OK: 0,
  /** Link type the decoder does not know. */
  UNSUPPORTED_LINK_TYPE: 1,
  /** Frame shorter than its link-layer header (including VLAN tags, MPLS labels, PPPoE). */
  TRUNCATED_LINK: 2,
  /** Valid link layer carrying something other than IPv4/IPv6 (ARP, LLDP, STP, ...). */
  NOT_IP: 3,
  /** Fewer bytes captured than the fixed IP header (20 bytes IPv4, 40 bytes IPv6). */
  TRUNCATED_IP: 4,
  /** IP version nibble does not match the link layer's claim (or is neither 4 nor 6). */
  BAD_IP_VERSION: 5,
  /** IPv4 IHL < 5. */
  BAD_IP_HEADER_LENGTH: 6,
  /** IPv4 total length smaller than its header, or an unusable IPv6 length. */
  BAD_IP_LENGTH: 7,
} as const;

/** `error.type` attribute values, indexed by DecodeStatus. */
export const DECODE_STATUS_NAMES: readonly string[] = [
  'ok',
  'unsupported_link_type',
  'truncated_link',
  'not_ip',
  'truncated_ip',
  'bad_ip_version',
  'bad_ip_header_length',
  'bad_ip_length',
];

/** Number of distinct DecodeStatus values (size of per-reason counter arrays). */
export const DECODE_STATUS_COUNT = DECODE_STATUS_NAMES.length;

/**
 * The decoder's output for one frame. One instance is allocated by the caller and reused for
 * every packet: `decodePacket` overwrites every field on every call. Offsets point into the
 * packet buffer passed to that call and are only meaningful until the buffer is reused.
 */
export class DecodeResult {
  /** DecodeStatus of the last decode; the other fields are only meaningful when it is OK. */
  status = 0;
  /** 4 or 6. */
  ipVersion = 0;
  /** Offset of the IP header in the buffer. */
  ipOffset = 0;
  /** Offset of the source address (4 bytes for IPv4, 16 for IPv6). */
  srcOffset = 0;
  /** Offset of the destination address. */
  dstOffset = 0;
  /**
   * Bytes counted: IPv4 total length; IPv6 40 + payload length (jumbograms: the IP part of the
   * wire length). Independent of snaplen truncation.
   */
  ipBytes = 0;
  /** Transport protocol number (IPv6: the upper-layer header after extension headers). */
  protocol = 0;
  /** Source port for TCP/UDP/SCTP/UDP-Lite/DCCP when the header was captured, else 0. */
  srcPort = 0;
  /** Destination port, as srcPort. */
  dstPort = 0;
  /** ICMP/ICMPv6 type << 8 | code when captured, else 0. */
  icmpTypeCode = 0;
  /** VLAN id (12 bits) of the outermost 802.1Q/802.1ad tag, 0 when untagged. */
  vlanId = 0;
  /** True when this is an IPv4/IPv6 fragment that is not the first one (no transport header). */
  laterFragment = false;
}
