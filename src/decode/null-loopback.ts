import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { AddressFamily } from './numbers.ts';

/** The 4-byte address family before the packet. */
const LOOPBACK_HEADER_LENGTH = 4;

/**
 * Decodes a BSD loopback frame (LinkType.NULL) starting at `off`. The address family is in the
 * capturing host's byte order, which the file does not record: when bytes 0 and 1 are zero it is
 * read big-endian, otherwise little-endian. TRUNCATED_LINK when the 4 bytes are not captured;
 * otherwise see `decodeAddressFamily`. Never throws, never allocates.
 */
export function decodeNull(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off + LOOPBACK_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
  const family =
    data[off] === 0 && data[off + 1] === 0
      ? (data[off + 2] << 8) | data[off + 3]
      : data[off] | (data[off + 1] << 8) | (data[off + 2] << 16) | (data[off + 3] << 24);
  return decodeAddressFamily(data, off + LOOPBACK_HEADER_LENGTH, end, family, wireEnd, out);
}

/**
 * Decodes an OpenBSD loopback frame (LinkType.LOOP) starting at `off`: as `decodeNull` but the
 * address family is always in network byte order. Never throws, never allocates.
 */
export function decodeLoop(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off + LOOPBACK_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
  const family =
    (data[off] << 24) | (data[off + 1] << 16) | (data[off + 2] << 8) | data[off + 3];
  return decodeAddressFamily(data, off + LOOPBACK_HEADER_LENGTH, end, family, wireEnd, out);
}

/**
 * Decodes the packet at `pos` given a loopback address family: AF_INET (2) is IPv4; AF_INET6 as
 * Linux (10), NetBSD/OpenBSD (24), FreeBSD (28) or Darwin (30) numbers it is IPv6; anything else
 * is NOT_IP. Never throws, never allocates.
 */
export function decodeAddressFamily(
  data: Uint8Array,
  pos: number,
  end: number,
  family: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  switch (family) {
    case AddressFamily.INET:
      return decodeIPv4(data, pos, end, wireEnd, out);
    case AddressFamily.INET6_LINUX:
    case AddressFamily.INET6_BSD:
    case AddressFamily.INET6_FREEBSD:
    case AddressFamily.INET6_DARWIN:
      return decodeIPv6(data, pos, end, wireEnd, out);
    default:
      return DecodeStatus.NOT_IP;
  }
}
