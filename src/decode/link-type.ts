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
  /** PPP (RFC 1661), with or without RFC 1662 address and control bytes. */
  PPP: 9,
  /** Raw IP as DLT_RAW on most BSDs (no link header). */
  RAW_BSD: 12,
  /** Raw IP as DLT_RAW on OpenBSD (no link header). */
  RAW_OPENBSD: 14,
  /** LINKTYPE_RAW: raw IPv4 or IPv6 (no link header). */
  RAW: 101,
  /** Cisco HDLC: address, control, EtherType. */
  C_HDLC: 104,
  /** Frame Relay: Q.922 address, then RFC 2427 (NLPID / SNAP) or Cisco (EtherType) encapsulation. */
  FRELAY: 107,
  /** OpenBSD loopback: 4-byte address family in network byte order. */
  LOOP: 108,
  /** Linux cooked capture v1 (16-byte header). */
  LINUX_SLL: 113,
  /** Raw IPv4 only. */
  IPV4: 228,
  /** Raw IPv6 only. */
  IPV6: 229,
  /** Linux netfilter NFLOG: a 4-byte header, then TLVs; the packet is in the NFULA_PAYLOAD TLV. */
  NFLOG: 239,
  /** IP over InfiniBand: a 40-byte address / GRH pseudo-header, then RFC 4391's 4-byte header. */
  IPOIB: 242,
  /** Apple PKTAP: a header naming the DLT of the frame that follows it. */
  PKTAP: 258,
  /** Linux cooked capture v2 (20-byte header). */
  LINUX_SLL2: 276,
} as const;

export type LinkTypeValue = number;
