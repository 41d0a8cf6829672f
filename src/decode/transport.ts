import type { DecodeResult } from './decode-result.ts';
import { IpProto } from './numbers.ts';

/**
 * Reads the port pair or ICMP type/code of the upper-layer header at `pos` into `out`.
 *
 * Contract: `limit` is the first byte not to read (the smaller of the captured end and the end
 * the IP header declares). TCP, UDP, SCTP, UDP-Lite and DCCP all start with source and
 * destination port; they are read only when those 4 bytes are below `limit`. ICMP and ICMPv6 set
 * `icmpTypeCode = type << 8 | code` when 2 bytes are below `limit`. Any other protocol, or too few
 * bytes, leaves srcPort, dstPort and icmpTypeCode as they are (the caller has zeroed them).
 * Never throws, never allocates.
 */
export function decodeTransport(
  data: Uint8Array,
  pos: number,
  limit: number,
  protocol: number,
  out: DecodeResult,
): void {
  switch (protocol) {
    case IpProto.TCP:
    case IpProto.UDP:
    case IpProto.SCTP:
    case IpProto.UDP_LITE:
    case IpProto.DCCP:
      if (pos + 4 <= limit) {
        out.srcPort = (data[pos] << 8) | data[pos + 1];
        out.dstPort = (data[pos + 2] << 8) | data[pos + 3];
      }
      return;
    case IpProto.ICMP:
    case IpProto.ICMPV6:
      if (pos + 2 <= limit) {
        out.icmpTypeCode = (data[pos] << 8) | data[pos + 1];
      }
      return;
    default:
      return;
  }
}
