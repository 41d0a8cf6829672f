import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { IpProto } from '../../src/decode/numbers.ts';
import { dccp, icmp, ipv4, nullHeader, sctp, tcp, udp } from './frames.ts';
import { decode, expectResult, v4 } from './harness.ts';

const RAW = LinkType.RAW;

describe('IPv4', () => {
  it('skips options via IHL', () => {
    const options = [0x94, 0x04, 0, 0]; // router alert
    expectResult(decode(ipv4({ protocol: IpProto.UDP, options, payload: udp(67, 68) }), RAW), {
      ...v4(0, 32, IpProto.UDP), srcPort: 67, dstPort: 68,
    });
    const longest = new Array(40).fill(1); // IHL 15, NOPs
    expectResult(decode(ipv4({ protocol: IpProto.TCP, options: longest, payload: tcp(1, 2) }), RAW), {
      ...v4(0, 80, IpProto.TCP), srcPort: 1, dstPort: 2,
    });
  });

  it('reads ports of TCP, UDP, SCTP, UDP-Lite and DCCP', () => {
    const cases: Array<[number, number[]]> = [
      [IpProto.TCP, tcp(10, 20)],
      [IpProto.UDP, udp(10, 20)],
      [IpProto.SCTP, sctp(10, 20)],
      [IpProto.UDP_LITE, udp(10, 20)],
      [IpProto.DCCP, dccp(10, 20)],
    ];
    for (const [protocol, payload] of cases) {
      expectResult(decode(ipv4({ protocol, payload }), RAW), { ...v4(0, 20 + payload.length, protocol), srcPort: 10, dstPort: 20 });
    }
  });

  it('reads ICMP type and code, and nothing for other protocols', () => {
    expectResult(decode(ipv4({ protocol: IpProto.ICMP, payload: icmp(11, 1) }), RAW), { ...v4(0, 28, IpProto.ICMP), icmpTypeCode: 0x0b01 });
    expectResult(decode(ipv4({ protocol: 47, payload: [0, 0, 0x08, 0x00, 1, 2, 3, 4] }), RAW), v4(0, 28, 47));
  });

  it('needs 4 bytes for ports and 2 for ICMP', () => {
    expectResult(decode(ipv4({ protocol: IpProto.TCP, payload: [0, 80, 1] }), RAW), v4(0, 23, IpProto.TCP));
    expectResult(decode(ipv4({ protocol: IpProto.ICMP, payload: [8] }), RAW), v4(0, 21, IpProto.ICMP));
    expectResult(decode(ipv4({ protocol: IpProto.ICMP, payload: [8, 0] }), RAW), { ...v4(0, 22, IpProto.ICMP), icmpTypeCode: 0x0800 });
  });

  it('marks non-first fragments and reads no ports from them', () => {
    expectResult(decode(ipv4({ protocol: IpProto.UDP, fragmentOffset: 185, payload: udp(1, 2) }), RAW), {
      ...v4(0, 28, IpProto.UDP), laterFragment: true,
    });
  });

  it('reads ports from a first fragment', () => {
    expectResult(decode(ipv4({ protocol: IpProto.UDP, moreFragments: true, payload: udp(1, 2) }), RAW), {
      ...v4(0, 28, IpProto.UDP), srcPort: 1, dstPort: 2,
    });
  });

  it('counts the total-length field when snaplen cut the packet', () => {
    const packet = ipv4({ protocol: IpProto.TCP, payload: tcp(5, 6, new Array(1400).fill(0)) });
    expectResult(decode(packet, RAW, { capLen: 34 }), { ...v4(0, 1440, IpProto.TCP), srcPort: 5, dstPort: 6 });
    expectResult(decode(packet, RAW, { capLen: 20, wireLen: 1440 }), v4(0, 1440, IpProto.TCP));
  });

  it('counts the wire length when total length is 0 (TSO / BIG TCP)', () => {
    const packet = ipv4({ protocol: IpProto.TCP, totalLength: 0, payload: tcp(5, 6) });
    expectResult(decode(packet, RAW, { capLen: 40, wireLen: 70000 }), { ...v4(0, 70000, IpProto.TCP), srcPort: 5, dstPort: 6 });
    // The link header is not part of the IP bytes.
    expectResult(decode(nullHeader(2, true, packet), LinkType.NULL, { wireLen: 4 + 90000 }), {
      ...v4(4, 90000, IpProto.TCP), srcPort: 5, dstPort: 6,
    });
  });

  it('rejects total length 0 on a frame that could have carried the real length', () => {
    const packet = ipv4({ protocol: IpProto.TCP, totalLength: 0, payload: tcp(5, 6) });
    expectResult(decode(packet, RAW, { wireLen: 60 }), { status: DecodeStatus.BAD_IP_LENGTH });
    expectResult(decode(packet, RAW, { capLen: 40, wireLen: 0xffff }), { status: DecodeStatus.BAD_IP_LENGTH });
  });

  it('rejects a bad version, IHL or total length', () => {
    expectResult(decode(ipv4({ protocol: 6, version: 5 }), LinkType.IPV4), { status: DecodeStatus.BAD_IP_VERSION });
    expectResult(decode(ipv4({ protocol: 6, ihl: 4 }), RAW), { status: DecodeStatus.BAD_IP_HEADER_LENGTH });
    expectResult(decode(ipv4({ protocol: 6, totalLength: 19 }), RAW), { status: DecodeStatus.BAD_IP_LENGTH });
    expectResult(decode(ipv4({ protocol: 6, options: [1, 1, 1, 1], totalLength: 20 }), RAW), { status: DecodeStatus.BAD_IP_LENGTH });
    expectResult(decode(ipv4({ protocol: 6, totalLength: 0 }), RAW, { wireLen: 19 }), { status: DecodeStatus.BAD_IP_LENGTH });
  });

  it('needs 20 captured bytes', () => {
    expectResult(decode(ipv4({ protocol: 6 }).slice(0, 19), RAW), { status: DecodeStatus.TRUNCATED_IP });
  });

  it('reads options and ports only inside the capture', () => {
    const packet = ipv4({ protocol: IpProto.TCP, options: new Array(40).fill(1), payload: tcp(1, 2) });
    expectResult(decode(packet, RAW, { capLen: 30 }), v4(0, 80, IpProto.TCP));
    expectResult(decode(packet, RAW, { capLen: 63 }), v4(0, 80, IpProto.TCP));
    expectResult(decode(packet, RAW, { capLen: 64 }), { ...v4(0, 80, IpProto.TCP), srcPort: 1, dstPort: 2 });
  });
});
