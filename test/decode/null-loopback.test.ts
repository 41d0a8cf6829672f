import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { IpProto } from '../../src/decode/numbers.ts';
import { icmp, ipv4, ipv6, loopHeader, nullHeader, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

const icmp4 = ipv4({ protocol: IpProto.ICMP, payload: icmp(3, 1) }); // 28 bytes
const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(1000, 2000) }); // 48 bytes

describe('NULL (BSD loopback, host byte order)', () => {
  for (const littleEndian of [true, false]) {
    const order = littleEndian ? 'little-endian' : 'big-endian';
    it(`decodes AF_INET written ${order}`, () => {
      expectResult(decode(nullHeader(2, littleEndian, icmp4), LinkType.NULL), { ...v4(4, 28, IpProto.ICMP), icmpTypeCode: 0x0301 });
    });
    for (const family of [10, 24, 28, 30]) {
      it(`decodes AF_INET6 = ${family} written ${order}`, () => {
        expectResult(decode(nullHeader(family, littleEndian, udp6), LinkType.NULL), {
          ...v6(4, 48, IpProto.UDP), srcPort: 1000, dstPort: 2000,
        });
      });
    }
  }

  it('reports other families as not IP', () => {
    expectResult(decode(nullHeader(7, true, icmp4), LinkType.NULL), { status: DecodeStatus.NOT_IP });
    expectResult(decode(nullHeader(0x0100, false, icmp4), LinkType.NULL), { status: DecodeStatus.NOT_IP });
    expectResult(decode(nullHeader(0x0200, true, icmp4), LinkType.NULL), { status: DecodeStatus.NOT_IP });
  });

  it('reports fewer than 4 bytes as a truncated link', () => {
    expectResult(decode([2, 0, 0], LinkType.NULL), { status: DecodeStatus.TRUNCATED_LINK });
  });
});

describe('LOOP (OpenBSD loopback, network byte order)', () => {
  it('decodes AF_INET and AF_INET6', () => {
    expectResult(decode(loopHeader(2, icmp4), LinkType.LOOP), { ...v4(4, 28, IpProto.ICMP), icmpTypeCode: 0x0301 });
    expectResult(decode(loopHeader(24, udp6), LinkType.LOOP), { ...v6(4, 48, IpProto.UDP), srcPort: 1000, dstPort: 2000 });
  });

  it('does not guess the byte order', () => {
    expectResult(decode(nullHeader(2, true, icmp4), LinkType.LOOP), { status: DecodeStatus.NOT_IP });
  });

  it('reports fewer than 4 bytes as a truncated link', () => {
    expectResult(decode([0, 0, 0], LinkType.LOOP), { status: DecodeStatus.TRUNCATED_LINK });
  });
});
