import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';

/**
 * Decodes a raw IP frame (LinkType.RAW, RAW_BSD, RAW_OPENBSD: no link header) starting at `off`,
 * choosing IPv4 or IPv6 by the version nibble. TRUNCATED_IP when not even one byte is captured;
 * BAD_IP_VERSION when the nibble is neither 4 nor 6; otherwise the IP decoder's status.
 * Never throws, never allocates.
 */
export function decodeRawIp(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off >= end) return DecodeStatus.TRUNCATED_IP;
  const version = data[off] >> 4;
  if (version === 4) return decodeIPv4(data, off, end, wireEnd, out);
  if (version === 6) return decodeIPv6(data, off, end, wireEnd, out);
  return DecodeStatus.BAD_IP_VERSION;
}
