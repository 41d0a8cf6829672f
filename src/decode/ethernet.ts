import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeEthertype } from './ethertype.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { EtherType } from './numbers.ts';

/** Destination MAC, source MAC, type/length. */
const ETHERNET_HEADER_LENGTH = 14;

/**
 * Decodes an Ethernet II or 802.3 frame starting at `off` (LinkType.ETHERNET, no preamble or FCS
 * expected; a trailing FCS is ignored because lengths come from the IP header).
 *
 * Contract: TRUNCATED_LINK when the 14-byte header is not captured below `end`; otherwise the
 * type/length field is followed by `decodeEthertype` (VLAN tags, LLC/SNAP for 802.3 lengths,
 * MPLS, PPPoE, IPv4, IPv6). Never throws, never allocates.
 */
export function decodeEthernet(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off + ETHERNET_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
  const type = (data[off + 12] << 8) | data[off + 13];
  // Untagged IP (most frames) goes straight to its decoder.
  if (type === EtherType.IPV4) return decodeIPv4(data, off + ETHERNET_HEADER_LENGTH, end, wireEnd, out);
  if (type === EtherType.IPV6) return decodeIPv6(data, off + ETHERNET_HEADER_LENGTH, end, wireEnd, out);
  return decodeEthertype(data, off + ETHERNET_HEADER_LENGTH, end, type, wireEnd, out);
}
