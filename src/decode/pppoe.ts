import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodePppProtocol } from './ppp.ts';

/** Version/type, code, session id, length. */
const PPPOE_HEADER_LENGTH = 6;

/**
 * Decodes a PPPoE session header (EtherType 0x8864) at `pos` and the PPP frame after it (see
 * `decodePppProtocol`: IPv4, IPv6 and MPLS; anything else is NOT_IP).
 *
 * Contract: TRUNCATED_LINK when the PPPoE header or the PPP protocol field is not captured below
 * `end`. Never throws, never allocates.
 */
export function decodePppoe(
  data: Uint8Array,
  pos: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  const payload = pos + PPPOE_HEADER_LENGTH;
  if (payload + 1 > end) return DecodeStatus.TRUNCATED_LINK;
  return decodePppProtocol(data, payload, end, wireEnd, out);
}
