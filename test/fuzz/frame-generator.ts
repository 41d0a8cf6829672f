/**
 * Seeded generator of valid frames for every link type otelacct decodes: Ethernet (802.1Q /
 * 802.1ad / 0x9100 tag stacks, 802.3 + LLC/SNAP, MPLS label stacks, PPPoE sessions with full and
 * compressed PPP protocol fields, padding and FCS), Linux cooked v1 and v2 (with the same
 * encapsulations, and ETH_P_802_2), BSD NULL in both byte orders with every AF_INET6 value,
 * OpenBSD LOOP, raw IP (DLT 12 and 14, LINKTYPE 101), LINKTYPE_IPV4 / IPV6, PPP (with and without
 * address/control, compressed protocol fields, MPLS, Cisco HDLC inside), Cisco HDLC, Frame Relay
 * (NLPID, SNAP, Cisco encapsulation; 2-4 byte addresses), NFLOG (TLVs in either byte order), IPoIB,
 * PKTAP (raw IP and NULL inside), and MACsec SecTAGs (integrity only) in EtherType chains. The IP
 * layer comes from ip-builder.ts. Each frame records the DecodeResult a correct decoder must produce.
 */
import { LinkType } from '../../src/decode/link-type.ts';
import { AddressFamily, EtherType, Nlpid, PppProtocol } from '../../src/decode/numbers.ts';
import { BuiltFrame, Feature } from './built-frame.ts';
import { writeIPv4, writeIPv6 } from './ip-builder.ts';
import type { Prng } from '../support/prng.ts';

/** Link layers the generator builds, with their LINKTYPE and weight. */
export const LINK_SHAPES: readonly { name: string; linkType: number; weight: number }[] = [
  { name: 'ethernet', linkType: LinkType.ETHERNET, weight: 40 },
  { name: 'linux sll', linkType: LinkType.LINUX_SLL, weight: 10 },
  { name: 'linux sll2', linkType: LinkType.LINUX_SLL2, weight: 10 },
  { name: 'bsd null', linkType: LinkType.NULL, weight: 8 },
  { name: 'openbsd loop', linkType: LinkType.LOOP, weight: 6 },
  { name: 'raw 101', linkType: LinkType.RAW, weight: 8 },
  { name: 'raw 12', linkType: LinkType.RAW_BSD, weight: 4 },
  { name: 'raw 14', linkType: LinkType.RAW_OPENBSD, weight: 4 },
  { name: 'ipv4 228', linkType: LinkType.IPV4, weight: 5 },
  { name: 'ipv6 229', linkType: LinkType.IPV6, weight: 5 },
  { name: 'ppp', linkType: LinkType.PPP, weight: 5 },
  { name: 'cisco hdlc', linkType: LinkType.C_HDLC, weight: 4 },
  { name: 'frame relay', linkType: LinkType.FRELAY, weight: 4 },
  { name: 'nflog', linkType: LinkType.NFLOG, weight: 4 },
  { name: 'ipoib', linkType: LinkType.IPOIB, weight: 3 },
  { name: 'pktap', linkType: LinkType.PKTAP, weight: 3 },
];
const SHAPE_WEIGHTS = LINK_SHAPES.map((s) => s.weight);
const SHAPE_TOTAL = SHAPE_WEIGHTS.reduce((a, b) => a + b, 0);
const INET6 = [AddressFamily.INET6_LINUX, AddressFamily.INET6_BSD, AddressFamily.INET6_FREEBSD, AddressFamily.INET6_DARWIN];
const OUTER_TPIDS = [EtherType.QINQ, EtherType.QINQ_LEGACY, EtherType.VLAN];
/** SLL protocol value announcing an 802.2 LLC header (ETH_P_802_2). */
const SLL_LLC = 0x0004;

/** Builds valid frames into a BuiltFrame from a seeded Prng. */
export class FrameGenerator {
  readonly #rng: Prng;

  constructor(rng: Prng) {
    this.#rng = rng;
  }

  /** Builds one valid frame into `f` (reset first); `shape` forces a LINK_SHAPES index. */
  build(f: BuiltFrame, shape = -1): void {
    const rng = this.#rng;
    f.reset();
    const s = shape >= 0 ? shape : rng.weighted(SHAPE_WEIGHTS, SHAPE_TOTAL);
    f.shape = s;
    f.linkType = LINK_SHAPES[s].linkType;
    let end: number;
    switch (f.linkType) {
      case LinkType.ETHERNET:
        end = this.#ethernet(f);
        break;
      case LinkType.LINUX_SLL:
        rng.fill(f.data, 0, 14);
        f.u16(0, rng.int(5));
        f.u16(2, rng.pick([1, 772, 776, 65534]));
        f.u16(4, rng.int(9));
        end = this.#etherChain(f, 14, 16, true);
        break;
      case LinkType.LINUX_SLL2:
        rng.fill(f.data, 2, 20);
        f.data[10] = rng.int(5);
        f.data[11] = rng.int(9);
        end = this.#etherChain(f, 0, 20, true);
        break;
      case LinkType.NULL:
      case LinkType.LOOP: {
        const v6 = rng.chance(0.4);
        const family = v6 ? rng.pick(INET6) : AddressFamily.INET;
        f.u32(0, 0);
        if (f.linkType === LinkType.NULL && rng.chance(0.5)) f.u8(0, family); // little-endian host
        else f.u8(3, family);
        f.field(0, 4);
        end = v6 ? writeIPv6(f, rng, 4) : writeIPv4(f, rng, 4);
        break;
      }
      case LinkType.IPV4:
        end = writeIPv4(f, rng, 0);
        break;
      case LinkType.IPV6:
        end = writeIPv6(f, rng, 0);
        break;
      case LinkType.PPP:
        end = this.#ppp(f);
        break;
      case LinkType.C_HDLC:
        end = this.#chdlc(f, 0);
        break;
      case LinkType.FRELAY:
        end = this.#frameRelay(f);
        break;
      case LinkType.NFLOG:
        end = this.#nflog(f);
        break;
      case LinkType.IPOIB: {
        const v6 = rng.chance(0.4);
        rng.fill(f.data, 0, 40);
        f.u16(40, v6 ? EtherType.IPV6 : EtherType.IPV4);
        f.u16(42, 0);
        f.field(40, 2);
        end = v6 ? writeIPv6(f, rng, 44) : writeIPv4(f, rng, 44);
        break;
      }
      case LinkType.PKTAP:
        end = this.#pktap(f);
        break;
      default:
        end = rng.chance(0.6) ? writeIPv4(f, rng, 0) : writeIPv6(f, rng, 0);
        break;
    }
    f.length = end;
    f.wireLength = f.ipWire > 0 ? f.ipOffset + f.ipWire : end;
  }

  #ethernet(f: BuiltFrame): number {
    const rng = this.#rng;
    rng.fill(f.data, 0, 12);
    let end = this.#etherChain(f, 12, 14, false);
    if (f.ipWire > 0) return end;
    if (end < 60) {
      rng.fill(f.data, end, 60);
      end = 60;
      f.features |= Feature.ETHERNET_PADDING;
    }
    if (rng.chance(0.1)) {
      rng.fill(f.data, end, end + 4);
      end += 4;
      f.features |= Feature.ETHERNET_PADDING;
    }
    return end;
  }

  /**
   * Writes what follows an EtherType-like field at `typeAt`, from `pos`: VLAN tags, an optional
   * LLC/SNAP header (more tags may follow it), then IP, an MPLS stack or a PPPoE session.
   * `cooked`: the field is a Linux cooked-capture protocol (LLC is announced as ETH_P_802_2).
   */
  #etherChain(f: BuiltFrame, typeAt: number, pos: number, cooked: boolean): number {
    const rng = this.#rng;
    const secTag = rng.chance(0.06);
    if (secTag) {
      // MACsec, integrity only: TCI/AN (SC bit or not), short length 0, packet number, SCI; the
      // secured data starts with the next EtherType, and a 16-byte ICV ends the frame.
      f.u16(typeAt, EtherType.MACSEC);
      f.field(typeAt, 2);
      const sci = rng.chance(0.5);
      f.u8(pos, (sci ? 0x20 : 0) | rng.int(4));
      f.u8(pos + 1, 0);
      f.u32(pos + 2, rng.next());
      if (sci) rng.fill(f.data, pos + 6, pos + 14);
      f.field(pos, 1);
      typeAt = pos + (sci ? 14 : 6);
      pos = typeAt + 2;
      f.features |= Feature.MACSEC;
    }
    const end = this.#etherPayload(f, typeAt, pos, cooked);
    if (!secTag) return end;
    rng.fill(f.data, end, end + 16);
    return end + 16;
  }

  /** The rest of `#etherChain`: tags, LLC/SNAP, then IP, MPLS or PPPoE. */
  #etherPayload(f: BuiltFrame, typeAt: number, pos: number, cooked: boolean): number {
    const rng = this.#rng;
    const r = rng.int(100);
    const tags = r < 55 ? 0 : r < 80 ? 1 : r < 95 ? 2 : 3;
    const snap = rng.chance(0.12);
    const tagsAfter = snap && rng.chance(0.3) ? 1 : 0;
    let first = true;
    const tag = (count: number): void => {
      for (let i = 0; i < count; i++) {
        f.u16(typeAt, i === count - 1 ? EtherType.VLAN : rng.pick(OUTER_TPIDS));
        f.field(typeAt, 2);
        const vid = rng.int(4096);
        f.u16(pos, (rng.int(8) << 13) | (rng.int(2) << 12) | vid);
        if (first) f.vlanId = vid;
        first = false;
        typeAt = pos + 2;
        pos += 4;
      }
    };
    tag(tags);
    if (tags > 0) f.features |= tags > 1 ? Feature.QINQ | Feature.VLAN : Feature.VLAN;
    if (snap) {
      f.u16(typeAt, cooked && tags === 0 ? SLL_LLC : rng.int(EtherType.MIN_ETHERTYPE));
      f.field(typeAt, 2);
      f.u8(pos, 0xaa);
      f.u8(pos + 1, rng.chance(0.8) ? 0xaa : 0xab);
      f.u8(pos + 2, 0x03);
      f.u16(pos + 3, 0);
      f.u8(pos + 5, rng.chance(0.8) ? 0 : 0xf8);
      f.field(pos, 1);
      typeAt = pos + 6;
      pos += 8;
      tag(tagsAfter);
      f.features |= Feature.SNAP;
    }
    const v6 = rng.chance(0.35);
    const final = rng.int(100);
    if (final < 70) {
      f.u16(typeAt, v6 ? EtherType.IPV6 : EtherType.IPV4);
      f.field(typeAt, 2);
      return v6 ? writeIPv6(f, rng, pos) : writeIPv4(f, rng, pos);
    }
    if (final < 85) {
      f.u16(typeAt, rng.chance(0.8) ? EtherType.MPLS_UNICAST : EtherType.MPLS_MULTICAST);
      f.field(typeAt, 2);
      return this.#mpls(f, pos, v6);
    }
    f.u16(typeAt, EtherType.PPPOE_SESSION);
    f.field(typeAt, 2);
    f.features |= Feature.PPPOE;
    const session = pos;
    f.u16(pos, 0x1100);
    f.u16(pos + 2, rng.next() & 0xffff);
    f.field(pos + 4, 2);
    pos += 6;
    let end: number;
    if (rng.chance(0.15)) {
      f.u16(pos, rng.chance(0.5) ? PppProtocol.MPLS_UNICAST : PppProtocol.MPLS_MULTICAST);
      f.field(pos, 2);
      end = this.#mpls(f, pos + 2, v6);
    } else {
      const proto = v6 ? PppProtocol.IPV6 : PppProtocol.IPV4;
      const compressed = rng.chance(0.3);
      if (compressed) f.u8(pos, proto);
      else f.u16(pos, proto);
      f.field(pos, compressed ? 1 : 2);
      pos += compressed ? 1 : 2;
      end = v6 ? writeIPv6(f, rng, pos) : writeIPv4(f, rng, pos);
    }
    f.u16(session + 4, end - session - 6);
    return end;
  }

  /** PPP: address/control or not; IPv4/IPv6 (protocol field compressed or not), MPLS, or Cisco HDLC. */
  #ppp(f: BuiltFrame): number {
    const rng = this.#rng;
    if (rng.chance(0.1)) return this.#chdlc(f, 0);
    let pos = 0;
    if (rng.chance(0.7)) {
      f.u8(0, 0xff);
      f.u8(1, rng.chance(0.9) ? 0x03 : rng.int(256));
      pos = 2;
    }
    const v6 = rng.chance(0.4);
    if (rng.chance(0.15)) {
      f.u16(pos, rng.chance(0.5) ? PppProtocol.MPLS_UNICAST : PppProtocol.MPLS_MULTICAST);
      f.field(pos, 2);
      return this.#mpls(f, pos + 2, v6);
    }
    const proto = v6 ? PppProtocol.IPV6 : PppProtocol.IPV4;
    if (rng.chance(0.3)) {
      f.u8(pos, proto);
      f.field(pos, 1);
      pos += 1;
    } else {
      f.u16(pos, proto);
      f.field(pos, 2);
      pos += 2;
    }
    return v6 ? writeIPv6(f, rng, pos) : writeIPv4(f, rng, pos);
  }

  /** Cisco HDLC at `pos`: address 0x0f / 0x8f, control 0, then IPv4, IPv6 or MPLS. */
  #chdlc(f: BuiltFrame, pos: number): number {
    const rng = this.#rng;
    f.u8(pos, rng.chance(0.8) ? 0x0f : 0x8f);
    f.u8(pos + 1, 0);
    const v6 = rng.chance(0.4);
    const mpls = rng.chance(0.15);
    f.u16(pos + 2, mpls ? EtherType.MPLS_UNICAST : v6 ? EtherType.IPV6 : EtherType.IPV4);
    f.field(pos + 2, 2);
    if (mpls) return this.#mpls(f, pos + 4, v6);
    return v6 ? writeIPv6(f, rng, pos + 4) : writeIPv4(f, rng, pos + 4);
  }

  /** Frame Relay: a 2-4 byte Q.922 address, then NLPID (optional pad), SNAP or Cisco encapsulation. */
  #frameRelay(f: BuiltFrame): number {
    const rng = this.#rng;
    const addressLength = rng.chance(0.8) ? 2 : rng.range(3, 4);
    for (let i = 0; i < addressLength; i++) f.u8(i, (rng.int(256) & 0xfe) | (i === addressLength - 1 ? 1 : 0));
    let pos = addressLength;
    const v6 = rng.chance(0.4);
    const r = rng.int(100);
    if (r < 20) { // Cisco: an EtherType right after the address
      f.u16(pos, v6 ? EtherType.IPV6 : EtherType.IPV4);
      f.field(pos, 2);
      return v6 ? writeIPv6(f, rng, pos + 2) : writeIPv4(f, rng, pos + 2);
    }
    f.u8(pos++, 0x03);
    if (rng.chance(0.3)) f.u8(pos++, Nlpid.PADDING);
    if (r < 40) {
      f.u8(pos, Nlpid.SNAP);
      f.u8(pos + 1, 0);
      f.u16(pos + 2, 0);
      f.u16(pos + 4, v6 ? EtherType.IPV6 : EtherType.IPV4);
      f.field(pos + 4, 2);
      pos += 6;
    } else {
      f.u8(pos, v6 ? Nlpid.IPV6 : Nlpid.IPV4);
      f.field(pos, 1);
      pos += 1;
    }
    return v6 ? writeIPv6(f, rng, pos) : writeIPv4(f, rng, pos);
  }

  /**
   * NFLOG: header, NFULA_PACKET_HDR, an optional NFULA_PREFIX, then NFULA_PAYLOAD; TLV fields in
   * either byte order. A TLV cannot hold a wire-sized (TSO, jumbo) packet: those are redrawn.
   */
  #nflog(f: BuiltFrame): number {
    const rng = this.#rng;
    const le = rng.chance(0.7);
    const tlv = (at: number, length: number, type: number): void => {
      if (le) {
        f.u16(at, ((length & 0xff) << 8) | (length >>> 8));
        f.u16(at + 2, ((type & 0xff) << 8) | (type >>> 8));
      } else {
        f.u16(at, length);
        f.u16(at + 2, type);
      }
      f.field(at, 2);
    };
    const v6 = rng.chance(0.4);
    f.u8(0, v6 ? AddressFamily.INET6_LINUX : AddressFamily.INET);
    f.u8(1, 0);
    f.u16(2, rng.int(0x10000));
    tlv(4, 8, 1);
    f.u16(8, v6 ? EtherType.IPV6 : EtherType.IPV4);
    f.u16(10, rng.int(5) << 8);
    let pos = 12;
    if (rng.chance(0.5)) {
      const n = rng.range(1, 9);
      tlv(pos, 4 + n, 10);
      rng.fill(f.data, pos + 4, pos + 4 + n);
      pos += (4 + n + 3) & ~3;
    }
    const fields = f.fieldCount;
    const features = f.features;
    let end: number;
    do {
      // A redraw starts from the expectations before the first draw.
      f.fieldCount = fields;
      f.features = features;
      f.ipWire = 0;
      f.srcPort = 0;
      f.dstPort = 0;
      f.icmpTypeCode = 0;
      f.laterFragment = false;
      end = v6 ? writeIPv6(f, rng, pos + 4) : writeIPv4(f, rng, pos + 4);
    } while (f.ipWire > 0);
    tlv(pos, end - pos, 9);
    return end;
  }

  /** PKTAP: a 108- or 156-byte header naming DLT_RAW (12) or DLT_NULL (0), then that frame. */
  #pktap(f: BuiltFrame): number {
    const rng = this.#rng;
    const length = rng.chance(0.8) ? 108 : 156;
    rng.fill(f.data, 12, length);
    const raw = rng.chance(0.6);
    const le32 = (at: number, v: number): void => f.u32(at, ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24));
    le32(0, length);
    le32(4, 1);
    le32(8, raw ? LinkType.RAW_BSD : LinkType.NULL);
    f.field(0, 1);
    f.field(8, 1);
    const v6 = rng.chance(0.4);
    let pos = length;
    if (!raw) {
      f.u32(pos, 0);
      f.u8(pos, v6 ? AddressFamily.INET6_DARWIN : AddressFamily.INET);
      pos += 4;
    }
    return v6 ? writeIPv6(f, rng, pos) : writeIPv4(f, rng, pos);
  }

  #mpls(f: BuiltFrame, pos: number, v6: boolean): number {
    const rng = this.#rng;
    const labels = rng.range(1, 4);
    for (let i = 0; i < labels; i++) {
      const bottom = i === labels - 1 ? 0x100 : 0;
      f.u32(pos, ((rng.int(1 << 20) << 12) | (rng.int(8) << 9) | bottom | rng.range(1, 255)) >>> 0);
      f.field(pos + 2, 1);
      pos += 4;
    }
    f.features |= Feature.MPLS;
    return v6 ? writeIPv6(f, this.#rng, pos) : writeIPv4(f, this.#rng, pos);
  }
}

export { BuiltFrame };
