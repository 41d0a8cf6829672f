import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { IpProto } from './numbers.ts';
import { decodeTransport } from './transport.ts';

/** Length of the fixed IPv6 header. */
const IPV6_HEADER_LENGTH = 40;
/** Most extension headers walked; a further one is reported as the protocol. */
const MAX_EXTENSION_HEADERS = 16;
/** Hop-by-hop option types (RFC 8200, RFC 2675). */
const OPTION_PAD1 = 0x00;
const OPTION_JUMBO_PAYLOAD = 0xc2;
const JUMBO_OPTION_DATA_LENGTH = 4;

/**
 * Decodes the IPv6 header at `ip`, walks its extension headers and reads the start of the
 * upper-layer header into `out`.
 *
 * Contract: bytes `[ip, end)` are captured; `wireEnd` is where the frame ends on the wire.
 * Needs 40 captured bytes (TRUNCATED_IP) and version 6 (BAD_IP_VERSION).
 * `ipBytes` = 40 + payload length, independent of snaplen. A payload length of 0 means a
 * jumbogram: 40 + the hop-by-hop Jumbo Payload option's value when that option is captured, else,
 * when the IP part of the wire length exceeds 40 + 65535, that length (Linux BIG TCP sends such
 * packets without the option), else 40 (an empty packet; link padding is not counted);
 * BAD_IP_LENGTH when that is below 40 or larger than the IP part of the wire length (a corrupt
 * 32-bit jumbo value must not be counted). Payload length 0 with next header 59 (no next header)
 * is an empty packet of 40 bytes.
 *
 * Extension headers walked: hop-by-hop, routing, destination options, mobility, HIP, shim6
 * ((len+1)*8 bytes), AH ((len+2)*4 bytes) and fragment (8 bytes; a non-first fragment sets
 * `laterFragment` and reports the fragment's next header). ESP, no-next-header and anything else
 * end the walk and become `protocol`. The walk stops early when a header does not fit in the
 * captured (and declared) bytes, or when it would be the 17th extension header: `protocol` is
 * then the next-header value that pointed at the header not walked, ports stay 0, and the status
 * is still OK (the IP bytes are countable).
 * Writes only the IP/transport fields; returns the status (does not store it).
 */
export function decodeIPv6(
  data: Uint8Array,
  ip: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (ip + IPV6_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_IP;
  if (data[ip] >> 4 !== 6) return DecodeStatus.BAD_IP_VERSION;
  const payloadLength = (data[ip + 4] << 8) | data[ip + 5];
  let next = data[ip + 6];
  let ipBytes = IPV6_HEADER_LENGTH + payloadLength;
  if (payloadLength === 0 && next !== IpProto.NO_NEXT_HEADER) {
    const wireBytes = wireEnd - ip;
    const jumbo =
      next === IpProto.HOP_BY_HOP ? jumboPayloadLength(data, ip + IPV6_HEADER_LENGTH, end) : -1;
    // Without a jumbo option, only a packet too big for the 16-bit field (Linux BIG TCP) has
    // its size taken from the wire; otherwise it is an empty packet (+ link padding) of 40 bytes,
    // as pmacct and tshark count it.
    ipBytes = jumbo >= 0 ? IPV6_HEADER_LENGTH + jumbo : wireBytes > IPV6_HEADER_LENGTH + 0xffff ? wireBytes : IPV6_HEADER_LENGTH;
    // Negated so that a NaN wire length is rejected too.
    if (!(ipBytes >= IPV6_HEADER_LENGTH && ipBytes <= wireBytes)) return DecodeStatus.BAD_IP_LENGTH;
  }

  out.ipVersion = 6;
  out.ipOffset = ip;
  out.srcOffset = ip + 8;
  out.dstOffset = ip + 24;
  out.ipBytes = ipBytes;

  const declaredEnd = ip + ipBytes;
  const limit = declaredEnd < end ? declaredEnd : end;
  let pos = ip + IPV6_HEADER_LENGTH;
  for (let walked = 0; ; walked++) {
    let length = -1;
    switch (next) {
      case IpProto.HOP_BY_HOP:
      case IpProto.ROUTING:
      case IpProto.DESTINATION_OPTIONS:
      case IpProto.MOBILITY:
      case IpProto.HIP:
      case IpProto.SHIM6:
        if (pos + 2 > limit) break;
        length = (data[pos + 1] + 1) << 3;
        break;
      case IpProto.AH:
        if (pos + 2 > limit) break;
        length = (data[pos + 1] + 2) << 2;
        break;
      case IpProto.FRAGMENT:
        length = 8;
        if (pos + length > limit || walked === MAX_EXTENSION_HEADERS) break;
        if ((((data[pos + 2] << 8) | data[pos + 3]) & 0xfff8) !== 0) {
          out.protocol = data[pos];
          out.laterFragment = true;
          return DecodeStatus.OK;
        }
        break;
      default:
        out.protocol = next;
        decodeTransport(data, pos, limit, next, out);
        return DecodeStatus.OK;
    }
    // length stays -1 when the header's first two bytes were not captured.
    if (walked === MAX_EXTENSION_HEADERS || length < 0 || pos + length > limit) break;
    next = data[pos];
    pos += length;
  }
  out.protocol = next;
  return DecodeStatus.OK;
}

/**
 * Value of the Jumbo Payload option in the hop-by-hop header at `hbh`, or -1 when the option is
 * absent or not fully captured. Scans only the captured part of the header; never allocates.
 */
export function jumboPayloadLength(data: Uint8Array, hbh: number, end: number): number {
  if (hbh + 2 > end) return -1;
  let optionsEnd = hbh + ((data[hbh + 1] + 1) << 3);
  if (optionsEnd > end) optionsEnd = end;
  let pos = hbh + 2;
  while (pos < optionsEnd) {
    const type = data[pos];
    if (type === OPTION_PAD1) {
      pos++;
      continue;
    }
    if (pos + 2 > optionsEnd) return -1;
    const length = data[pos + 1];
    if (type === OPTION_JUMBO_PAYLOAD && length === JUMBO_OPTION_DATA_LENGTH) {
      if (pos + 6 > optionsEnd) return -1;
      return (
        ((data[pos + 2] << 24) | (data[pos + 3] << 16) | (data[pos + 4] << 8) | data[pos + 5]) >>> 0
      );
    }
    pos += 2 + length;
  }
  return -1;
}
