import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeTransport } from './transport.ts';

/** Length of an IPv4 header without options. */
const IPV4_MIN_HEADER_LENGTH = 20;

/**
 * Decodes the IPv4 header at `ip` and the start of its transport header into `out`.
 *
 * Contract: bytes `[ip, end)` are captured; `wireEnd` is where the frame ends on the wire, in the
 * same coordinates (frame offset + wire length). Checks, in order: 20 bytes captured
 * (TRUNCATED_IP), version 4 (BAD_IP_VERSION), IHL >= 5 (BAD_IP_HEADER_LENGTH), total length >=
 * header length (BAD_IP_LENGTH). `ipBytes` is the total-length field, independent of snaplen; a
 * total length of 0 (TSO / BIG TCP) counts the IP part of the wire length, `wireEnd - ip`.
 * Non-first fragments set `laterFragment` and no ports. Options are skipped via IHL; the transport
 * header is read only inside both the capture and the declared total length.
 * Writes only the IP/transport fields; returns the status (does not store it).
 */
export function decodeIPv4(
  data: Uint8Array,
  ip: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (ip + IPV4_MIN_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_IP;
  const versionIhl = data[ip];
  if (versionIhl >> 4 !== 4) return DecodeStatus.BAD_IP_VERSION;
  const headerLength = (versionIhl & 0x0f) << 2;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) return DecodeStatus.BAD_IP_HEADER_LENGTH;
  let totalLength = (data[ip + 2] << 8) | data[ip + 3];
  // Total length 0 is Linux BIG TCP (TSO/GRO packets over 64 KiB): the size comes from the wire.
  // On a frame that could have carried the real length it is just broken.
  if (totalLength === 0 && wireEnd - ip > 0xffff) totalLength = wireEnd - ip;
  // Negated so that a NaN wire length is rejected too.
  if (!(totalLength >= headerLength)) return DecodeStatus.BAD_IP_LENGTH;

  const protocol = data[ip + 9];
  out.ipVersion = 4;
  out.ipOffset = ip;
  out.srcOffset = ip + 12;
  out.dstOffset = ip + 16;
  out.ipBytes = totalLength;
  out.protocol = protocol;
  if ((((data[ip + 6] << 8) | data[ip + 7]) & 0x1fff) !== 0) {
    out.laterFragment = true;
    return DecodeStatus.OK;
  }
  const declaredEnd = ip + totalLength;
  decodeTransport(data, ip + headerLength, declaredEnd < end ? declaredEnd : end, protocol, out);
  return DecodeStatus.OK;
}
