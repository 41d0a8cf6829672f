/**
 * Link-layer header types (tcpdump.org LINKTYPE_* values, as found in pcap and pcapng files and
 * returned by pcap_datalink). Only the ones otelacct decodes are named; any other value is
 * reported as `unsupported_link_type`.
 */
export const LinkType = {
  /** BSD loopback: 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  /** Ethernet II / 802.3, possibly with 802.1Q / 802.1ad tags. */
  ETHERNET: 1,
  /** Raw IP as DLT_RAW on most BSDs (no link header). */
  RAW_BSD: 12,
  /** Raw IP as DLT_RAW on OpenBSD (no link header). */
  RAW_OPENBSD: 14,
  /** LINKTYPE_RAW: raw IPv4 or IPv6 (no link header). */
  RAW: 101,
  /** OpenBSD loopback: 4-byte address family in network byte order. */
  LOOP: 108,
  /** Linux cooked capture v1 (16-byte header). */
  LINUX_SLL: 113,
  /** Raw IPv4 only. */
  IPV4: 228,
  /** Raw IPv6 only. */
  IPV6: 229,
  /** Linux cooked capture v2 (20-byte header). */
  LINUX_SLL2: 276,
} as const;

export type LinkTypeValue = number;
