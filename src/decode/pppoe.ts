import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { decodeMpls } from './mpls.ts';
import { PppProtocol } from './numbers.ts';

/** Version/type, code, session id, length. */
const PPPOE_HEADER_LENGTH = 6;

/**
 * Decodes a PPPoE session header (EtherType 0x8864) at `pos` and the PPP protocol field after it
 * (2 bytes, or 1 byte when protocol-field compression made the first byte odd).
 *
 * Contract: TRUNCATED_LINK when the PPPoE header or the PPP protocol field is not captured below
 * `end`; PPP IPv4 (0x0021) and IPv6 (0x0057) go to the IP decoders, PPP MPLS (0x0281/0x0283) to
 * the MPLS decoder; anything else (LCP, IPCP, ...) is NOT_IP. Never throws, never allocates.
 */
export function decodePppoe(
  data: Uint8Array,
  pos: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  let payload = pos + PPPOE_HEADER_LENGTH;
  if (payload + 1 > end) return DecodeStatus.TRUNCATED_LINK;
  let protocol = data[payload];
  if ((protocol & 0x01) === 0) {
    if (payload + 2 > end) return DecodeStatus.TRUNCATED_LINK;
    protocol = (protocol << 8) | data[payload + 1];
    payload += 2;
  } else {
    payload += 1;
  }
  switch (protocol) {
    case PppProtocol.IPV4:
      return decodeIPv4(data, payload, end, wireEnd, out);
    case PppProtocol.IPV6:
      return decodeIPv6(data, payload, end, wireEnd, out);
    case PppProtocol.MPLS_UNICAST:
    case PppProtocol.MPLS_MULTICAST:
      return decodeMpls(data, payload, end, wireEnd, out);
    default:
      return DecodeStatus.NOT_IP;
  }
}
