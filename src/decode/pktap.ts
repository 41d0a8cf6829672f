import { DecodeStatus } from './decode-result.ts';

/** Smallest PKTAP header (struct pktap_header of Darwin's net/pktap.h). */
const MIN_PKTAP_HEADER_LENGTH = 108;
/** pth_type_next value of a header followed by a packet. */
const PTH_TYPE_PACKET = 1;

/**
 * Reads the Apple PKTAP header (LinkType.PKTAP) at `off`: its little-endian length (pth_length,
 * at least 108), type (pth_type_next) and the DLT of the frame after it (pth_dlt).
 *
 * @returns the header length, after which a frame of link type `pktapLinkType(data, off)`
 *   follows; or minus a DecodeStatus: TRUNCATED_LINK when the header is not captured below `end`,
 *   NOT_IP when its length is below 108 or it is not followed by a packet. Never throws, never
 *   allocates.
 */
export function pktapHeaderLength(data: Uint8Array, off: number, end: number): number {
  if (off + 12 > end) return -DecodeStatus.TRUNCATED_LINK;
  const length = u32le(data, off);
  if (length < MIN_PKTAP_HEADER_LENGTH || u32le(data, off + 4) !== PTH_TYPE_PACKET) return -DecodeStatus.NOT_IP;
  if (off + length > end) return -DecodeStatus.TRUNCATED_LINK;
  return length;
}

/** The DLT (pth_dlt) of the frame after the PKTAP header at `off` (12 bytes must be captured). */
export function pktapLinkType(data: Uint8Array, off: number): number {
  return u32le(data, off + 8);
}

function u32le(data: Uint8Array, p: number): number {
  return (data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24)) >>> 0;
}
