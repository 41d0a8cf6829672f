import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { AddressFamily } from './numbers.ts';

/** Address family, version, resource id. */
const NFLOG_HEADER_LENGTH = 4;
/** TLV length and type. */
const TLV_HEADER_LENGTH = 4;
/** NFULA_PAYLOAD: the logged packet, from its network header. */
const NFULA_PAYLOAD = 9;
/** Type bits of a TLV type field (the top bit flags nested attributes). */
const TLV_TYPE_MASK = 0x7fff;
/** Larger than any NFULA_* type: a type read in the wrong byte order is at least 0x100. */
const MAX_TLV_TYPE = 0xff;

/**
 * Decodes a Linux NFLOG frame (LinkType.NFLOG) at `off`: a 4-byte header whose first byte is
 * the address family, then TLVs (16-bit length including the 4-byte TLV header, 16-bit type,
 * value padded to 4 bytes); the packet is the value of the NFULA_PAYLOAD TLV, IPv4 for AF_INET
 * and IPv6 for AF_INET6 (Linux 10).
 *
 * TLV lengths and types are in the byte order of the host that captured (libpcap and Wireshark
 * convert them to the reader's order, the file's byte order being known to them but not to the
 * decoder): it is taken from the first TLV, whose type is below 0x100 in the right order only.
 *
 * Contract: TRUNCATED_LINK when the header or a TLV header is cut off by the capture length
 * before the payload TLV; NOT_IP for another address family, a TLV length below 4, or no payload
 * TLV. The payload TLV's end bounds the IP decoder (as `end` and as the wire end). Never throws,
 * never allocates.
 */
export function decodeNflog(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off + NFLOG_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
  const family = data[off];
  if (family !== AddressFamily.INET && family !== AddressFamily.INET6_LINUX) return DecodeStatus.NOT_IP;
  let pos = off + NFLOG_HEADER_LENGTH;
  let littleEndian = true;
  if (pos + TLV_HEADER_LENGTH <= end) {
    littleEndian = ((data[pos + 2] | (data[pos + 3] << 8)) & TLV_TYPE_MASK) <= MAX_TLV_TYPE;
  }
  for (;;) {
    if (pos + TLV_HEADER_LENGTH > end) return end < wireEnd ? DecodeStatus.TRUNCATED_LINK : DecodeStatus.NOT_IP;
    const length = littleEndian ? data[pos] | (data[pos + 1] << 8) : (data[pos] << 8) | data[pos + 1];
    const type = (littleEndian ? data[pos + 2] | (data[pos + 3] << 8) : (data[pos + 2] << 8) | data[pos + 3]) & TLV_TYPE_MASK;
    if (length < TLV_HEADER_LENGTH) return DecodeStatus.NOT_IP;
    if (type === NFULA_PAYLOAD) {
      const valueEnd = pos + length;
      const ipEnd = valueEnd < end ? valueEnd : end;
      const ip = pos + TLV_HEADER_LENGTH;
      return family === AddressFamily.INET
        ? decodeIPv4(data, ip, ipEnd, valueEnd, out)
        : decodeIPv6(data, ip, ipEnd, valueEnd, out);
    }
    pos += (length + 3) & ~3;
  }
}
