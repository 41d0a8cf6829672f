import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { decodeMpls } from './mpls.ts';
import { EtherType } from './numbers.ts';

/** Address, control, protocol (an EtherType). */
const CHDLC_HEADER_LENGTH = 4;

/**
 * Decodes a Cisco HDLC frame (LinkType.C_HDLC, also PPP frames starting 0x0f / 0x8f) at `off`.
 *
 * Contract: TRUNCATED_LINK when the 4-byte header is not captured below `end`; the protocol field
 * IPv4 and IPv6 go to the IP decoders, MPLS unicast/multicast to the MPLS decoder; any other
 * protocol (SLARP, CDP, ...) is NOT_IP. The address byte is not checked (Wireshark does not either).
 * Never throws, never allocates.
 */
export function decodeChdlc(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off + CHDLC_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
  const type = (data[off + 2] << 8) | data[off + 3];
  const pos = off + CHDLC_HEADER_LENGTH;
  switch (type) {
    case EtherType.IPV4:
      return decodeIPv4(data, pos, end, wireEnd, out);
    case EtherType.IPV6:
      return decodeIPv6(data, pos, end, wireEnd, out);
    case EtherType.MPLS_UNICAST:
    case EtherType.MPLS_MULTICAST:
      return decodeMpls(data, pos, end, wireEnd, out);
    default:
      return DecodeStatus.NOT_IP;
  }
}
