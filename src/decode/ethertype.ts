import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { LLC_TRUNCATED, snapEthertype } from './llc.ts';
import { MACSEC_TRUNCATED, macsecTagLength } from './macsec.ts';
import { decodeMpls } from './mpls.ts';
import { EtherType, Llc } from './numbers.ts';
import { decodePppoe } from './pppoe.ts';

/** Most VLAN tags followed; a frame with more is reported as NOT_IP. */
export const MAX_VLAN_TAGS = 8;
/** Tag control information + inner EtherType. */
const VLAN_TAG_LENGTH = 4;

/**
 * Decodes what an EtherType announces, starting at `pos` (the first byte after the type field).
 *
 * Contract: follows up to MAX_VLAN_TAGS 802.1Q / 802.1ad / 0x9100 tags (the first one seen sets
 * `out.vlanId` to its 12-bit VID), one 802.2 LLC/SNAP header (for `type` < 0x0600, i.e. an 802.3
 * length field or the cooked-capture LLC protocol), one MACsec SecTAG with a cleartext payload
 * (integrity only), MPLS label stacks, and PPPoE sessions; then hands IPv4/IPv6 to their
 * decoders. Returns TRUNCATED_LINK when a tag, SNAP header, SecTAG, label or PPPoE header is cut
 * short; NOT_IP for any other EtherType, a non-SNAP LLC header, too many tags, an encrypted
 * MACsec payload or a second SecTAG; otherwise the IP decoder's status. Iterative (no recursion); never throws or allocates.
 */
export function decodeEthertype(
  data: Uint8Array,
  pos: number,
  end: number,
  type: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  let tags = 0;
  let llcSeen = false;
  let macsecSeen = false;
  for (;;) {
    switch (type) {
      case EtherType.IPV4:
        return decodeIPv4(data, pos, end, wireEnd, out);
      case EtherType.IPV6:
        return decodeIPv6(data, pos, end, wireEnd, out);
      case EtherType.VLAN:
      case EtherType.QINQ:
      case EtherType.QINQ_LEGACY:
        if (tags === MAX_VLAN_TAGS) return DecodeStatus.NOT_IP;
        if (pos + VLAN_TAG_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
        if (tags === 0) out.vlanId = ((data[pos] << 8) | data[pos + 1]) & 0x0fff;
        tags++;
        type = (data[pos + 2] << 8) | data[pos + 3];
        pos += VLAN_TAG_LENGTH;
        break;
      case EtherType.MPLS_UNICAST:
      case EtherType.MPLS_MULTICAST:
        return decodeMpls(data, pos, end, wireEnd, out);
      case EtherType.PPPOE_SESSION:
        return decodePppoe(data, pos, end, wireEnd, out);
      case EtherType.MACSEC: {
        if (macsecSeen) return DecodeStatus.NOT_IP;
        macsecSeen = true;
        const length = macsecTagLength(data, pos, end);
        if (length < 0) return length === MACSEC_TRUNCATED ? DecodeStatus.TRUNCATED_LINK : DecodeStatus.NOT_IP;
        pos += length;
        type = (data[pos] << 8) | data[pos + 1];
        pos += 2;
        break;
      }
      default: {
        if (type >= EtherType.MIN_ETHERTYPE || llcSeen) return DecodeStatus.NOT_IP;
        llcSeen = true;
        const inner = snapEthertype(data, pos, end);
        if (inner < 0) {
          return inner === LLC_TRUNCATED ? DecodeStatus.TRUNCATED_LINK : DecodeStatus.NOT_IP;
        }
        type = inner;
        pos += Llc.SNAP_HEADER_LENGTH;
        break;
      }
    }
  }
}
