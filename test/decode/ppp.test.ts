import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { IpProto, PppProtocol } from '../../src/decode/numbers.ts';
import { hexBytes, ipv4, ipv6, mpls, ppp, tcp, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

/** PPP (RFC 1662 framing) carrying an ICMP echo request 192.0.2.1 → 198.51.100.2, 28 bytes. */
const PPP_ICMP = hexBytes(`
  ff03 0021
  4500 001c 1234 4000 4001 0000 c000 0201 c633 6402
  0800 f7ff 0001 0001`);

const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(546, 547) }); // 48 bytes
const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(179, 40000) }); // 40 bytes

describe('PPP (link type 9)', () => {
  it('decodes IPv4 after address and control', () => {
    expectResult(decode(PPP_ICMP, LinkType.PPP), { ...v4(4, 28, IpProto.ICMP), icmpTypeCode: 0x0800 });
  });

  it('decodes frames without address and control, and compressed protocol fields', () => {
    expectResult(decode(PPP_ICMP.slice(2), LinkType.PPP), { ...v4(2, 28, IpProto.ICMP), icmpTypeCode: 0x0800 });
    expectResult(decode([0xff, 0x03, 0x21, ...PPP_ICMP.slice(4)], LinkType.PPP), { ...v4(3, 28, IpProto.ICMP), icmpTypeCode: 0x0800 });
    expectResult(decode([0x57, ...udp6], LinkType.PPP), { ...v6(1, 48, IpProto.UDP), srcPort: 546, dstPort: 547 });
  });

  it('skips address and control whatever the control byte is, as Wireshark does', () => {
    expectResult(decode([0xff, 0x05, 0x00, 0x21, ...tcp4], LinkType.PPP), { ...v4(4, 40, IpProto.TCP), srcPort: 179, dstPort: 40000 });
  });

  it('decodes MPLS label stacks (0x0281, 0x0283) to the IP packet inside', () => {
    for (const protocol of [PppProtocol.MPLS_UNICAST, PppProtocol.MPLS_MULTICAST]) {
      expectResult(decode(ppp(protocol, mpls([100, 200], udp6)), LinkType.PPP), { ...v6(12, 48, IpProto.UDP), srcPort: 546, dstPort: 547 });
    }
  });

  it('hands frames starting 0x0f / 0x8f to Cisco HDLC', () => {
    expectResult(decode([0x0f, 0x00, 0x08, 0x00, ...tcp4], LinkType.PPP), { ...v4(4, 40, IpProto.TCP), srcPort: 179, dstPort: 40000 });
    expectResult(decode([0x8f, 0x00, 0x86, 0xdd, ...udp6], LinkType.PPP), { ...v6(4, 48, IpProto.UDP), srcPort: 546, dstPort: 547 });
  });

  it('reports control protocols as not IP and short frames as truncated', () => {
    expectResult(decode(ppp(0xc021, [1, 1, 0, 4]), LinkType.PPP), { status: DecodeStatus.NOT_IP }); // LCP
    expectResult(decode(ppp(0x8021, [1, 1, 0, 4]), LinkType.PPP), { status: DecodeStatus.NOT_IP }); // IPCP
    expectResult(decode([], LinkType.PPP), { status: DecodeStatus.TRUNCATED_LINK });
    expectResult(decode([0xff, 0x03], LinkType.PPP), { status: DecodeStatus.TRUNCATED_LINK });
    expectResult(decode([0xff, 0x03, 0x00], LinkType.PPP), { status: DecodeStatus.TRUNCATED_LINK });
  });
});
