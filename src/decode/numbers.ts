/**
 * Protocol numbers the decoder follows, named once so that no decoder compares against a bare
 * literal. Sources: IEEE 802 EtherType registry, IANA protocol numbers, RFC 1661/1332/5072 (PPP),
 * Linux `if_ether.h` (cooked-capture pseudo protocols) and the BSD `sys/socket.h` headers.
 */

/** EtherType values (Ethernet type field, SLL protocol field, SNAP PID with a zero OUI). */
export const EtherType = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  /** 802.1Q customer VLAN tag. */
  VLAN: 0x8100,
  /** 802.1ad service VLAN tag (QinQ outer tag). */
  QINQ: 0x88a8,
  /** Pre-standard QinQ outer tag used by some vendors. */
  QINQ_LEGACY: 0x9100,
  MPLS_UNICAST: 0x8847,
  MPLS_MULTICAST: 0x8848,
  PPPOE_SESSION: 0x8864,
  /** IEEE 802.1AE MACsec (SecTAG follows). */
  MACSEC: 0x88e5,
  /**
   * Smallest EtherType. In an Ethernet type/length field smaller values are an 802.3 length and an
   * 802.2 LLC header follows.
   */
  MIN_ETHERTYPE: 0x0600,
} as const;

/** Linux cooked-capture protocol values below 0x0600 (`ETH_P_*` pseudo protocols). */
export const SllProtocol = {
  /** ETH_P_802_2: an 802.2 LLC header follows. */
  LLC: 0x0004,
} as const;

/** 802.2 LLC / SNAP constants. */
export const Llc = {
  /** DSAP and SSAP of a SNAP header. */
  SAP_SNAP: 0xaa,
  /** Unnumbered-information control byte. */
  CONTROL_UI: 0x03,
  /** SNAP OUI meaning "the PID is an EtherType" (RFC 1042). */
  OUI_ETHERTYPE: 0x000000,
  /** SNAP OUI of 802.1H bridge tunnelling, also followed by an EtherType. */
  OUI_BRIDGE_TUNNEL: 0x0000f8,
  /** DSAP + SSAP + control + OUI + PID. */
  SNAP_HEADER_LENGTH: 8,
} as const;

/** PPP protocol field values (RFC 1661 numbering). */
export const PppProtocol = {
  IPV4: 0x0021,
  IPV6: 0x0057,
  MPLS_UNICAST: 0x0281,
  MPLS_MULTICAST: 0x0283,
} as const;

/** ISO/IEC TR 9577 network layer protocol identifiers (Frame Relay, RFC 2427). */
export const Nlpid = {
  /** Padding before an NLPID, to align what follows. */
  PADDING: 0x00,
  /** An 802.2 SNAP header follows (OUI + PID). */
  SNAP: 0x80,
  IPV6: 0x8e,
  IPV4: 0xcc,
} as const;

/** Cisco HDLC address bytes (the first byte of a Cisco HDLC frame). */
export const ChdlcAddress = {
  UNICAST: 0x0f,
  MULTICAST: 0x8f,
} as const;

/** IANA Assigned Internet Protocol Numbers used by the IPv4/IPv6/transport decoders. */
export const IpProto = {
  HOP_BY_HOP: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  DCCP: 33,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NO_NEXT_HEADER: 59,
  DESTINATION_OPTIONS: 60,
  SCTP: 132,
  MOBILITY: 135,
  UDP_LITE: 136,
  HIP: 139,
  SHIM6: 140,
} as const;

/** Address families found in NULL / LOOP link headers. AF_INET6 differs between systems. */
export const AddressFamily = {
  INET: 2,
  /** Linux. */
  INET6_LINUX: 10,
  /** NetBSD, OpenBSD, BSD/OS. */
  INET6_BSD: 24,
  /** FreeBSD, DragonFly BSD. */
  INET6_FREEBSD: 28,
  /** macOS / Darwin. */
  INET6_DARWIN: 30,
} as const;
