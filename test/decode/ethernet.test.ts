import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto, PppProtocol } from '../../src/decode/numbers.ts';
import { ethernet, ethernet8023, icmp, ipv4, ipv6, mpls, pppoe, snap, tcp, udp, type Tag } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

const ETH = LinkType.ETHERNET;
const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(40000, 443, [1, 2, 3]) }); // 43 bytes
const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(5353, 53, [9, 9]) }); // 50 bytes

describe('ethernet', () => {
  it('decodes IPv4/TCP in Ethernet II', () => {
    expectResult(decode(ethernet(EtherType.IPV4, tcp4), ETH), {
      ...v4(14, 43, IpProto.TCP), srcPort: 40000, dstPort: 443,
    });
  });

  it('decodes IPv6/UDP in Ethernet II', () => {
    expectResult(decode(ethernet(EtherType.IPV6, udp6), ETH), {
      ...v6(14, 50, IpProto.UDP), srcPort: 5353, dstPort: 53,
    });
  });

  it('ignores padding and FCS after the IP packet', () => {
    const frame = ethernet(EtherType.IPV4, [...ipv4({ protocol: IpProto.ICMP, payload: icmp(8, 0) }), ...new Array(18).fill(0), 0xde, 0xad, 0xbe, 0xef]);
    expectResult(decode(frame, ETH), { ...v4(14, 28, IpProto.ICMP), icmpTypeCode: 0x0800 });
  });

  it('does not read ports from padding beyond the IPv4 total length', () => {
    const frame = ethernet(EtherType.IPV4, [...ipv4({ protocol: IpProto.TCP }), ...new Array(26).fill(7)]);
    expectResult(decode(frame, ETH), v4(14, 20, IpProto.TCP));
  });

  const tagCases: Array<[string, Tag[]]> = [
    ['802.1Q', [{ tpid: EtherType.VLAN, vid: 100 }]],
    ['802.1ad + 802.1Q (QinQ)', [{ tpid: EtherType.QINQ, vid: 4094 }, { tpid: EtherType.VLAN, vid: 7 }]],
    ['0x9100 + 802.1Q', [{ tpid: EtherType.QINQ_LEGACY, vid: 1 }, { tpid: EtherType.VLAN, vid: 2 }]],
    ['8 stacked tags', Array.from({ length: 8 }, (_, i) => ({ tpid: EtherType.VLAN, vid: 10 + i }))],
  ];
  for (const [name, tags] of tagCases) {
    it(`reports the outermost VID with ${name}`, () => {
      const ip = 14 + 4 * tags.length;
      expectResult(decode(ethernet(EtherType.IPV6, udp6, tags), ETH), {
        ...v6(ip, 50, IpProto.UDP), srcPort: 5353, dstPort: 53, vlanId: tags[0].vid,
      });
    });
  }

  it('gives up after 8 tags', () => {
    const tags = Array.from({ length: 9 }, () => ({ tpid: EtherType.VLAN, vid: 3 }));
    expectResult(decode(ethernet(EtherType.IPV4, tcp4, tags), ETH), { status: DecodeStatus.NOT_IP, vlanId: 3 });
  });

  it('reports VID 0 for a priority tag', () => {
    expectResult(decode(ethernet(EtherType.IPV4, tcp4, [{ tpid: EtherType.VLAN, vid: 0 }]), ETH), {
      ...v4(18, 43, IpProto.TCP), srcPort: 40000, dstPort: 443,
    });
  });

  it('follows 802.3 + LLC/SNAP to IPv4', () => {
    expectResult(decode(ethernet8023(snap(EtherType.IPV4, tcp4)), ETH), {
      ...v4(22, 43, IpProto.TCP), srcPort: 40000, dstPort: 443,
    });
  });

  it('follows SNAP with the 802.1H OUI and a VLAN tag inside', () => {
    const frame = ethernet8023(snap(EtherType.VLAN, [0x00, 0x2a, ...[0x86, 0xdd], ...udp6], 0xf8));
    expectResult(decode(frame, ETH), { ...v6(26, 50, IpProto.UDP), srcPort: 5353, dstPort: 53, vlanId: 42 });
  });

  it('follows an 802.3 frame inside a VLAN tag', () => {
    const llc = snap(EtherType.IPV4, tcp4);
    const frame = ethernet(llc.length, llc, [{ tpid: EtherType.VLAN, vid: 5 }]);
    expectResult(decode(frame, ETH), { ...v4(26, 43, IpProto.TCP), srcPort: 40000, dstPort: 443, vlanId: 5 });
  });

  it('reports non-SNAP LLC (spanning tree) and unknown OUIs as not IP', () => {
    expectResult(decode(ethernet8023([0x42, 0x42, 0x03, 0, 0, 0, 0, 0]), ETH), { status: DecodeStatus.NOT_IP });
    expectResult(decode(ethernet8023(snap(EtherType.IPV4, tcp4, 0x00000c)), ETH), { status: DecodeStatus.NOT_IP });
  });

  it('reports ARP and other EtherTypes as not IP', () => {
    expectResult(decode(ethernet(0x0806, new Array(28).fill(1)), ETH), { status: DecodeStatus.NOT_IP });
    expectResult(decode(ethernet(0x88cc, new Array(40).fill(1), [{ tpid: EtherType.VLAN, vid: 9 }]), ETH), {
      status: DecodeStatus.NOT_IP, vlanId: 9,
    });
  });

  it('reports an IPv4 EtherType carrying IPv6 as a bad version', () => {
    expectResult(decode(ethernet(EtherType.IPV4, udp6), ETH), { status: DecodeStatus.BAD_IP_VERSION });
    expectResult(decode(ethernet(EtherType.IPV6, [...tcp4, ...new Array(20).fill(0)]), ETH), { status: DecodeStatus.BAD_IP_VERSION });
  });
});

describe('MPLS', () => {
  it('skips one label to IPv4', () => {
    expectResult(decode(ethernet(EtherType.MPLS_UNICAST, mpls([16], tcp4)), ETH), {
      ...v4(18, 43, IpProto.TCP), srcPort: 40000, dstPort: 443,
    });
  });

  it('skips a three-label multicast stack to IPv6, after a VLAN tag', () => {
    const frame = ethernet(EtherType.MPLS_MULTICAST, mpls([100, 200, 2], udp6), [{ tpid: EtherType.VLAN, vid: 33 }]);
    expectResult(decode(frame, ETH), { ...v6(30, 50, IpProto.UDP), srcPort: 5353, dstPort: 53, vlanId: 33 });
  });

  it('reports a pseudowire payload as not IP', () => {
    expectResult(decode(ethernet(EtherType.MPLS_UNICAST, mpls([16], [0, 0, 0, 0, ...tcp4])), ETH), { status: DecodeStatus.NOT_IP });
  });

  it('reports a stack without bottom-of-stack as a truncated link', () => {
    expectResult(decode(ethernet(EtherType.MPLS_UNICAST, [0, 1, 0, 64, 0, 2, 0, 64]), ETH), { status: DecodeStatus.TRUNCATED_LINK });
  });
});

describe('PPPoE', () => {
  it('decodes PPP IPv4', () => {
    expectResult(decode(ethernet(EtherType.PPPOE_SESSION, pppoe(PppProtocol.IPV4, tcp4)), ETH), {
      ...v4(22, 43, IpProto.TCP), srcPort: 40000, dstPort: 443,
    });
  });

  it('decodes PPP IPv6', () => {
    expectResult(decode(ethernet(EtherType.PPPOE_SESSION, pppoe(PppProtocol.IPV6, udp6)), ETH), {
      ...v6(22, 50, IpProto.UDP), srcPort: 5353, dstPort: 53,
    });
  });

  it('decodes a compressed 1-byte PPP protocol field', () => {
    expectResult(decode(ethernet(EtherType.PPPOE_SESSION, pppoe(PppProtocol.IPV4, tcp4, true)), ETH), {
      ...v4(21, 43, IpProto.TCP), srcPort: 40000, dstPort: 443,
    });
  });

  it('decodes PPP MPLS', () => {
    expectResult(decode(ethernet(EtherType.PPPOE_SESSION, pppoe(PppProtocol.MPLS_UNICAST, mpls([99], tcp4))), ETH), {
      ...v4(26, 43, IpProto.TCP), srcPort: 40000, dstPort: 443,
    });
  });

  it('reports LCP as not IP', () => {
    expectResult(decode(ethernet(EtherType.PPPOE_SESSION, pppoe(0xc021, [1, 1, 0, 4])), ETH), { status: DecodeStatus.NOT_IP });
  });
});
