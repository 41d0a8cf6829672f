import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto } from '../../src/decode/numbers.ts';
import { frameRelay, frameRelayCisco, hexBytes, ipv4, ipv6, tcp, u16, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

/** Frame Relay DLCI 100, RFC 2427 UI, NLPID 0xcc, TCP 10.1.1.1:179 → 10.1.1.2:11000, 40 bytes. */
const FR_BGP = hexBytes(`
  1841 03cc
  4500 0028 1234 4000 4006 0000 0a01 0101 0a01 0102
  00b3 2af8 0000 0001 0000 0002 5010 0200 0000 0000`);

const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(500, 500) }); // 48 bytes
const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(80, 8080) }); // 40 bytes
const tcpV4 = { ...v4(0, 40, IpProto.TCP), srcPort: 80, dstPort: 8080 };
const at = (ip: number) => ({ ...tcpV4, ipOffset: tcpV4.ipOffset! + ip, srcOffset: tcpV4.srcOffset! + ip, dstOffset: tcpV4.dstOffset! + ip });

describe('Frame Relay (link type 107)', () => {
  it('decodes RFC 2427 NLPID IPv4 and IPv6', () => {
    expectResult(decode(FR_BGP, LinkType.FRELAY), { ...v4(4, 40, IpProto.TCP), srcPort: 179, dstPort: 11000 });
    expectResult(decode(frameRelay(0x8e, udp6), LinkType.FRELAY), { ...v6(4, 48, IpProto.UDP), srcPort: 500, dstPort: 500 });
  });

  it('skips a pad byte before the NLPID', () => {
    expectResult(decode(frameRelay(0xcc, tcp4, true), LinkType.FRELAY), at(5));
  });

  it('decodes SNAP (NLPID 0x80, OUI 00-00-00) with or without a pad', () => {
    expectResult(decode(frameRelay(0x80, [0, 0, 0, ...u16(EtherType.IPV4), ...tcp4], true), LinkType.FRELAY), at(10));
    expectResult(decode(frameRelay(0x80, [0, 0, 0, ...u16(EtherType.IPV4), ...tcp4]), LinkType.FRELAY), at(9));
    expectResult(decode(frameRelay(0x80, [0, 0x80, 0xc2, ...u16(7), ...tcp4]), LinkType.FRELAY), { status: DecodeStatus.NOT_IP });
  });

  it('decodes Cisco encapsulation (an EtherType after the address)', () => {
    expectResult(decode(frameRelayCisco(EtherType.IPV4, tcp4), LinkType.FRELAY), at(4));
    expectResult(decode(frameRelayCisco(EtherType.IPV6, udp6), LinkType.FRELAY), { ...v6(4, 48, IpProto.UDP), srcPort: 500, dstPort: 500 });
    expectResult(decode(frameRelayCisco(0x0100, tcp4), LinkType.FRELAY), { status: DecodeStatus.NOT_IP });
  });

  it('follows 3- and 4-byte Q.922 addresses', () => {
    expectResult(decode([0x18, 0x40, 0x01, 0x03, 0xcc, ...tcp4], LinkType.FRELAY), at(5));
    expectResult(decode([0x18, 0x40, 0x00, 0x01, 0x03, 0xcc, ...tcp4], LinkType.FRELAY), at(6));
    expectResult(decode([0x18, 0x40, 0x00, 0x00, 0x03, 0xcc, ...tcp4], LinkType.FRELAY), { status: DecodeStatus.NOT_IP });
    expectResult(decode([0x19, 0x03, 0xcc, ...tcp4], LinkType.FRELAY), { status: DecodeStatus.NOT_IP });
  });

  it('reports Q.933 signalling as not IP and short frames as truncated', () => {
    expectResult(decode(frameRelay(0x08, [0, 1, 2]), LinkType.FRELAY), { status: DecodeStatus.NOT_IP });
    for (const frame of [[], [0x18], [0x18, 0x41], [0x18, 0x41, 0x03], [0x18, 0x41, 0x03, 0x00], [0x18, 0x41, 0x03, 0x80, 0, 0]]) {
      expectResult(decode(frame, LinkType.FRELAY), { status: DecodeStatus.TRUNCATED_LINK });
    }
  });
});
