import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';

/** Length of one MPLS label stack entry. */
const MPLS_LABEL_LENGTH = 4;

/**
 * Skips the MPLS label stack at `pos` up to the entry with the bottom-of-stack bit and decodes
 * the payload as IPv4 or IPv6 by its version nibble.
 *
 * Contract: TRUNCATED_LINK when the stack, or the first payload byte, is not captured below
 * `end`; NOT_IP when the payload's version nibble is neither 4 nor 6 (pseudowires, control
 * words); otherwise the IPv4/IPv6 decoder's status. `wireEnd` is passed through for
 * jumbogram/TSO lengths. Never throws, never allocates.
 */
export function decodeMpls(
  data: Uint8Array,
  pos: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  for (;;) {
    if (pos + MPLS_LABEL_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
    const bottomOfStack = data[pos + 2] & 0x01;
    pos += MPLS_LABEL_LENGTH;
    if (bottomOfStack !== 0) break;
  }
  if (pos >= end) return DecodeStatus.TRUNCATED_LINK;
  const version = data[pos] >> 4;
  if (version === 4) return decodeIPv4(data, pos, end, wireEnd, out);
  if (version === 6) return decodeIPv6(data, pos, end, wireEnd, out);
  return DecodeStatus.NOT_IP;
}
