import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeChdlc } from './chdlc.ts';
import { decodeEthernet } from './ethernet.ts';
import { decodeFrameRelay } from './frame-relay.ts';
import { decodeIpoib } from './ipoib.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { LinkType } from './link-type.ts';
import { decodeLinuxSll, decodeLinuxSll2 } from './linux-sll.ts';
import { decodeNflog } from './nflog.ts';
import { decodeLoop, decodeNull } from './null-loopback.ts';
import { pktapHeaderLength, pktapLinkType } from './pktap.ts';
import { decodePpp } from './ppp.ts';
import { decodeRawIp } from './raw-ip.ts';

/**
 * Decodes one captured frame into `out` and returns `out.status`.
 *
 * @param data buffer holding the frame; it may extend past the frame and is only read inside
 *   `[offset, offset + capLen)` (also clamped to `data.length`; a negative or NaN offset or
 *   length gives TRUNCATED_LINK). Offsets written to `out` point into `data` and are valid only
 *   as long as the caller keeps the buffer unchanged.
 * @param offset start of the frame in `data`
 * @param capLen bytes of the frame that were captured (≤ snaplen)
 * @param wireLen length of the frame on the wire; used only for IPv4 total length 0 (TSO) and
 *   IPv6 jumbograms without a captured Jumbo Payload option
 * @param linkType LINKTYPE_* of the frame (see link-type.ts); others give UNSUPPORTED_LINK_TYPE.
 *   A PKTAP frame is decoded as the link type its header names (not PKTAP again).
 * @param out result reused across calls: every field is overwritten (reset to 0 / false, then
 *   filled); fields other than `status` are meaningful only when the status is DecodeStatus.OK,
 *   except `vlanId`, which is also kept for tagged non-IP frames
 *
 * Hot path: never throws, never allocates, reads bytes one at a time.
 */
export function decodePacket(
  data: Uint8Array,
  offset: number,
  capLen: number,
  wireLen: number,
  linkType: number,
  out: DecodeResult,
): number {
  out.ipVersion = 0;
  out.ipOffset = 0;
  out.srcOffset = 0;
  out.dstOffset = 0;
  out.ipBytes = 0;
  out.protocol = 0;
  out.srcPort = 0;
  out.dstPort = 0;
  out.icmpTypeCode = 0;
  out.vlanId = 0;
  out.laterFragment = false;

  let end = offset + capLen;
  if (end > data.length) end = data.length;
  const wireEnd = offset + wireLen;
  let status: number;
  // Written as negations so that NaN offsets or lengths also count as nothing captured.
  if (!(offset >= 0) || !(end >= offset)) {
    out.status = DecodeStatus.TRUNCATED_LINK;
    return DecodeStatus.TRUNCATED_LINK;
  }
  if (linkType === LinkType.PKTAP) {
    const length = pktapHeaderLength(data, offset, end);
    if (length < 0) {
      out.status = -length;
      return -length;
    }
    linkType = pktapLinkType(data, offset);
    offset += length;
    if (linkType === LinkType.PKTAP) {
      out.status = DecodeStatus.NOT_IP;
      return DecodeStatus.NOT_IP;
    }
  }
  switch (linkType) {
    case LinkType.ETHERNET:
      status = decodeEthernet(data, offset, end, wireEnd, out);
      break;
    case LinkType.LINUX_SLL:
      status = decodeLinuxSll(data, offset, end, wireEnd, out);
      break;
    case LinkType.LINUX_SLL2:
      status = decodeLinuxSll2(data, offset, end, wireEnd, out);
      break;
    case LinkType.NULL:
      status = decodeNull(data, offset, end, wireEnd, out);
      break;
    case LinkType.LOOP:
      status = decodeLoop(data, offset, end, wireEnd, out);
      break;
    case LinkType.RAW:
    case LinkType.RAW_BSD:
    case LinkType.RAW_OPENBSD:
      status = decodeRawIp(data, offset, end, wireEnd, out);
      break;
    case LinkType.IPV4:
      status = decodeIPv4(data, offset, end, wireEnd, out);
      break;
    case LinkType.IPV6:
      status = decodeIPv6(data, offset, end, wireEnd, out);
      break;
    case LinkType.PPP:
      status = decodePpp(data, offset, end, wireEnd, out);
      break;
    case LinkType.C_HDLC:
      status = decodeChdlc(data, offset, end, wireEnd, out);
      break;
    case LinkType.FRELAY:
      status = decodeFrameRelay(data, offset, end, wireEnd, out);
      break;
    case LinkType.NFLOG:
      status = decodeNflog(data, offset, end, wireEnd, out);
      break;
    case LinkType.IPOIB:
      status = decodeIpoib(data, offset, end, wireEnd, out);
      break;
    default:
      status = DecodeStatus.UNSUPPORTED_LINK_TYPE;
      break;
  }
  out.status = status;
  return status;
}
