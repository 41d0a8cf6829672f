import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto, SllProtocol } from '../../src/decode/numbers.ts';
import { ipv4, ipv6, snap, sll, sll2, tcp, u16, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(1234, 80) }); // 40 bytes
const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(546, 547) }); // 48 bytes
const vlanTag = (vid: number, inner: number) => [...u16(vid), ...u16(inner)];

const variants = [
  { name: 'SLL', linkType: LinkType.LINUX_SLL, wrap: sll, header: 16 },
  { name: 'SLL2', linkType: LinkType.LINUX_SLL2, wrap: sll2, header: 20 },
];

for (const { name, linkType, wrap, header } of variants) {
  describe(`Linux cooked capture (${name})`, () => {
    it('decodes IPv4', () => {
      expectResult(decode(wrap(EtherType.IPV4, tcp4), linkType), { ...v4(header, 40, IpProto.TCP), srcPort: 1234, dstPort: 80 });
    });

    it('decodes IPv6', () => {
      expectResult(decode(wrap(EtherType.IPV6, udp6), linkType), { ...v6(header, 48, IpProto.UDP), srcPort: 546, dstPort: 547 });
    });

    it('follows a VLAN tag the kernel left in place', () => {
      expectResult(decode(wrap(EtherType.VLAN, [...vlanTag(0x2064, EtherType.IPV4), ...tcp4]), linkType), {
        ...v4(header + 4, 40, IpProto.TCP), srcPort: 1234, dstPort: 80, vlanId: 100,
      });
    });

    it('follows ETH_P_802_2 with LLC/SNAP', () => {
      expectResult(decode(wrap(SllProtocol.LLC, snap(EtherType.IPV6, udp6)), linkType), {
        ...v6(header + 8, 48, IpProto.UDP), srcPort: 546, dstPort: 547,
      });
    });

    it('reports ARP and pseudo protocols (802.3 raw, CAN) as not IP', () => {
      for (const protocol of [0x0806, 0x0001, 0x000c]) {
        expectResult(decode(wrap(protocol, tcp4), linkType), { status: DecodeStatus.NOT_IP });
      }
    });

    it('reports a short header as a truncated link', () => {
      expectResult(decode(wrap(EtherType.IPV4, []).slice(0, header - 1), linkType), { status: DecodeStatus.TRUNCATED_LINK });
      expectResult(decode(wrap(EtherType.IPV4, tcp4.slice(0, 19)), linkType), { status: DecodeStatus.TRUNCATED_IP });
    });
  });
}
