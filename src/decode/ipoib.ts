import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { EtherType } from './numbers.ts';

/**
 * The pseudo-header before RFC 4391's header in LINKTYPE_IPOIB files: the 40-byte global route
 * header, or (when its first 2 bytes are 0) the destination address and GID (as Wireshark reads it).
 */
const PSEUDO_HEADER_LENGTH = 40;
/** RFC 4391 section 6: type (an EtherType) and 2 reserved bytes. */
const IPOIB_HEADER_LENGTH = 4;

/**
 * Decodes an IP-over-InfiniBand frame (LinkType.IPOIB) at `off`: 40 bytes of pseudo-header, a
 * 2-byte EtherType and 2 reserved bytes, then the packet.
 *
 * Contract: TRUNCATED_LINK when the 44 header bytes are not captured below `end`; IPv4 and IPv6
 * go to the IP decoders; any other type (ARP, ...) is NOT_IP. Never throws, never allocates.
 */
export function decodeIpoib(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  const pos = off + PSEUDO_HEADER_LENGTH + IPOIB_HEADER_LENGTH;
  if (pos > end) return DecodeStatus.TRUNCATED_LINK;
  const type = (data[pos - 4] << 8) | data[pos - 3];
  if (type === EtherType.IPV4) return decodeIPv4(data, pos, end, wireEnd, out);
  if (type === EtherType.IPV6) return decodeIPv6(data, pos, end, wireEnd, out);
  return DecodeStatus.NOT_IP;
}
