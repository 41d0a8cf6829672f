import { decodeChdlc } from './chdlc.ts';
import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { decodeMpls } from './mpls.ts';
import { ChdlcAddress, PppProtocol } from './numbers.ts';

/** RFC 1662 all-stations address byte; the control byte follows it. */
const PPP_ADDRESS = 0xff;

/**
 * Decodes a PPP frame (LinkType.PPP) starting at `off`, as Wireshark does: a first byte 0xff is
 * the RFC 1662 address and is skipped with the control byte after it; a first byte 0x0f or 0x8f
 * is a Cisco HDLC frame (`decodeChdlc`); otherwise the frame starts with the protocol field
 * (`decodePppProtocol`). TRUNCATED_LINK when those bytes are not captured. Never throws, never
 * allocates.
 */
export function decodePpp(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off >= end) return DecodeStatus.TRUNCATED_LINK;
  const first = data[off];
  if (first === ChdlcAddress.UNICAST || first === ChdlcAddress.MULTICAST) return decodeChdlc(data, off, end, wireEnd, out);
  return decodePppProtocol(data, first === PPP_ADDRESS ? off + 2 : off, end, wireEnd, out);
}

/**
 * Decodes the PPP protocol field at `pos` (2 bytes, or 1 byte when protocol-field compression
 * made the first byte odd) and what it announces.
 *
 * Contract: TRUNCATED_LINK when the protocol field is not captured below `end`; IPv4 (0x0021)
 * and IPv6 (0x0057) go to the IP decoders, MPLS (0x0281/0x0283) to the MPLS decoder; anything
 * else (LCP, IPCP, compressed data, ...) is NOT_IP. Never throws, never allocates.
 */
export function decodePppProtocol(
  data: Uint8Array,
  pos: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (pos + 1 > end) return DecodeStatus.TRUNCATED_LINK;
  let protocol = data[pos];
  if ((protocol & 0x01) === 0) {
    if (pos + 2 > end) return DecodeStatus.TRUNCATED_LINK;
    protocol = (protocol << 8) | data[pos + 1];
    pos += 2;
  } else {
    pos += 1;
  }
  switch (protocol) {
    case PppProtocol.IPV4:
      return decodeIPv4(data, pos, end, wireEnd, out);
    case PppProtocol.IPV6:
      return decodeIPv6(data, pos, end, wireEnd, out);
    case PppProtocol.MPLS_UNICAST:
    case PppProtocol.MPLS_MULTICAST:
      return decodeMpls(data, pos, end, wireEnd, out);
    default:
      return DecodeStatus.NOT_IP;
  }
}
