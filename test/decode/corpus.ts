/**
 * A small set of valid frames covering every link type and protocol path, shared by the
 * truncation, mutation and allocation tests.
 */
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto, PppProtocol, SllProtocol } from '../../src/decode/numbers.ts';
import {
  ah, chdlc, dccp, ethernet, ethernet8023, ext, fragment6, frameRelay, icmp, ipoib, ipv4, ipv6, jumboOption,
  loopHeader, macsec, mpls, nflog, nullHeader, pktap, ppp, pppoe, sctp, sll, sll2, snap, tcp, u16, udp, type Bytes,
} from './frames.ts';

/** One corpus frame. */
export interface Sample {
  name: string;
  linkType: number;
  frame: Bytes;
  /** Offset of the IP header in `frame`. */
  ip: number;
  /** Offset of the transport header in `frame` (after IP options / extension headers). */
  l4: number;
  /** Wire length (default frame length; larger for TSO / jumbo samples). */
  wireLen?: number;
}

function sample(name: string, linkType: number, frame: Bytes, ipPacket: Bytes, transport: Bytes, wireLen?: number): Sample {
  const ip = frame.length - ipPacket.length;
  return { name, linkType, frame, ip, l4: frame.length - transport.length, wireLen };
}

const padN4 = [1, 4, 0, 0, 0, 0];

function build(): Sample[] {
  const out: Sample[] = [];
  let t: Bytes;
  let p: Bytes;

  t = tcp(40000, 443, [1, 2, 3, 4]);
  p = ipv4({ protocol: IpProto.TCP, payload: t });
  out.push(sample('eth ipv4 tcp', LinkType.ETHERNET, ethernet(EtherType.IPV4, p), p, t));

  t = udp(5353, 5353, [0, 0, 0, 0]);
  p = ipv6({ nextHeader: IpProto.UDP, payload: t });
  out.push(sample('eth qinq ipv6 udp', LinkType.ETHERNET,
    ethernet(EtherType.IPV6, p, [{ tpid: EtherType.QINQ, vid: 300 }, { tpid: EtherType.VLAN, vid: 12 }]), p, t));

  t = icmp(8, 0);
  p = ipv4({ protocol: IpProto.ICMP, payload: t, options: [1, 1, 1, 0] });
  out.push(sample('eth 802.3 snap ipv4 icmp', LinkType.ETHERNET, ethernet8023(snap(EtherType.IPV4, p)), p, t));

  t = tcp(179, 50000);
  p = ipv6({ nextHeader: IpProto.TCP, payload: t });
  out.push(sample('eth mpls ipv6 tcp', LinkType.ETHERNET, ethernet(EtherType.MPLS_UNICAST, mpls([1000, 2000], p)), p, t));

  t = udp(53, 33333, [1, 2]);
  p = ipv4({ protocol: IpProto.UDP, payload: t });
  out.push(sample('eth pppoe ipv4 udp', LinkType.ETHERNET, ethernet(EtherType.PPPOE_SESSION, pppoe(PppProtocol.IPV4, p)), p, t));

  t = tcp(22, 1022);
  p = ipv4({ protocol: IpProto.TCP, payload: t, options: [0x94, 4, 0, 0, 1, 1, 1, 0] });
  out.push(sample('sll ipv4 tcp options', LinkType.LINUX_SLL, sll(EtherType.IPV4, p), p, t));

  t = tcp(80, 8080);
  p = ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload: ext(IpProto.ROUTING, padN4, ext(IpProto.AH, padN4, ah(IpProto.TCP, 12, t))) });
  out.push(sample('sll2 vlan ipv6 ext chain tcp', LinkType.LINUX_SLL2, sll2(EtherType.VLAN, [...u16(7), ...u16(EtherType.IPV6), ...p]), p, t));

  t = udp(1, 2);
  p = ipv6({ nextHeader: IpProto.UDP, payload: t });
  out.push(sample('sll llc snap ipv6 udp', LinkType.LINUX_SLL, sll(SllProtocol.LLC, snap(EtherType.IPV6, p)), p, t));

  t = sctp(2905, 2905);
  p = ipv6({ nextHeader: IpProto.SCTP, payload: t });
  out.push(sample('null le ipv6 sctp', LinkType.NULL, nullHeader(30, true, p), p, t));

  t = dccp(5004, 5005);
  p = ipv4({ protocol: IpProto.DCCP, payload: t });
  out.push(sample('null be ipv4 dccp', LinkType.NULL, nullHeader(2, false, p), p, t));

  t = icmp(128, 0);
  p = ipv6({ nextHeader: IpProto.ICMPV6, payload: t });
  out.push(sample('loop ipv6 icmpv6', LinkType.LOOP, loopHeader(24, p), p, t));

  t = udp(4500, 4500, [0, 0, 0, 0]);
  p = ipv4({ protocol: IpProto.UDP_LITE, payload: t, totalLength: 0 });
  out.push(sample('raw ipv4 tso', LinkType.RAW, p, p, t, 70000));

  t = [0, 1, 0, 2, 3, 3, 3, 3];
  p = ipv6({ nextHeader: IpProto.FRAGMENT, payload: fragment6(IpProto.UDP, 181, true, t) });
  out.push(sample('raw ipv6 later fragment', LinkType.RAW_BSD, p, p, t));

  t = tcp(7, 9);
  p = ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload: ext(IpProto.TCP, jumboOption(70000), t), payloadLength: 0 });
  out.push(sample('ipv6 link jumbogram', LinkType.IPV6, p, p, t, 70040));

  t = udp(67, 68);
  p = ipv4({ protocol: IpProto.UDP, payload: t, fragmentOffset: 0, moreFragments: true });
  out.push(sample('ipv4 link first fragment', LinkType.IPV4, p, p, t));

  t = tcp(443, 50001, [9, 9]);
  p = ipv4({ protocol: IpProto.TCP, payload: t });
  out.push(sample('ppp ipv4 tcp', LinkType.PPP, ppp(PppProtocol.IPV4, p), p, t));

  t = udp(4789, 4789, [1]);
  p = ipv6({ nextHeader: IpProto.UDP, payload: t });
  out.push(sample('ppp bare mpls ipv6 udp', LinkType.PPP, ppp(PppProtocol.MPLS_UNICAST, mpls([16, 17], p), true), p, t));

  t = udp(123, 123, [0, 0]);
  p = ipv6({ nextHeader: IpProto.UDP, payload: t });
  out.push(sample('chdlc ipv6 udp', LinkType.C_HDLC, chdlc(EtherType.IPV6, p), p, t));

  t = tcp(25, 40025);
  p = ipv4({ protocol: IpProto.TCP, payload: t });
  out.push(sample('frelay nlpid ipv4 tcp', LinkType.FRELAY, frameRelay(0xcc, p), p, t));

  t = udp(500, 500);
  p = ipv6({ nextHeader: IpProto.UDP, payload: t });
  out.push(sample('frelay snap ipv6 udp', LinkType.FRELAY, frameRelay(0x80, [0, 0, 0, ...u16(EtherType.IPV6), ...p], true), p, t));

  t = tcp(3306, 41000, [7]);
  p = ipv4({ protocol: IpProto.TCP, payload: t });
  out.push(sample('nflog ipv4 tcp', LinkType.NFLOG, nflog(2, p), p, t));

  t = udp(514, 514, [1, 2, 3]);
  p = ipv6({ nextHeader: IpProto.UDP, payload: t });
  out.push(sample('nflog big-endian ipv6 udp', LinkType.NFLOG, nflog(10, p, true), p, t));

  t = udp(4791, 4791, [0, 0, 0, 0]);
  p = ipv4({ protocol: IpProto.UDP, payload: t });
  out.push(sample('ipoib ipv4 udp', LinkType.IPOIB, ipoib(EtherType.IPV4, p), p, t));

  t = tcp(5223, 60000);
  p = ipv4({ protocol: IpProto.TCP, payload: t });
  out.push(sample('pktap ethernet ipv4 tcp', LinkType.PKTAP, pktap(LinkType.ETHERNET, ethernet(EtherType.IPV4, p)), p, t));

  t = icmp(129, 0);
  p = ipv6({ nextHeader: IpProto.ICMPV6, payload: t });
  out.push(sample('pktap raw ipv6 icmpv6', LinkType.PKTAP, pktap(LinkType.RAW_BSD, p, 156), p, t));

  t = tcp(8443, 40000, [5]);
  p = ipv4({ protocol: IpProto.TCP, payload: t });
  const sec = ethernet(EtherType.MACSEC, macsec(EtherType.VLAN, [...u16(42), ...u16(EtherType.IPV4), ...p]));
  const secIp = 14 + 14 + 2 + 4;
  out.push({ name: 'eth macsec vlan ipv4 tcp', linkType: LinkType.ETHERNET, frame: sec, ip: secIp, l4: secIp + 20 });

  return out;
}

/** The corpus; built once per process. */
export const SAMPLES: readonly Sample[] = build();
