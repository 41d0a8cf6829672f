import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto } from '../../src/decode/numbers.ts';
import { hexBytes, ipoib, ipv6, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

/**
 * IPoIB as Wireshark reads LINKTYPE_IPOIB: a unicast pseudo-header (20 zero bytes, destination
 * QPN 0x000048, destination GID fe80::2:c903:1:1234), type 0x0800, reserved, then a RoCEv2 UDP
 * packet 10.0.0.1:49152 → 10.0.0.2:4791, 36 bytes.
 */
const IPOIB_UDP = hexBytes(`
  0000 0000 0000 0000 0000 0000 0000 0000 0000 0000
  0000 0048 fe80 0000 0000 0000 0002 c903 0001 1234
  0800 0000
  4500 0024 1234 4000 4011 0000 0a00 0001 0a00 0002
  c000 12b7 0010 0000 0102 0304 0506 0708`);

const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(4791, 4791) }); // 48 bytes

describe('IP over InfiniBand (link type 242)', () => {
  it('decodes IPv4 after the 40-byte pseudo-header and the 4-byte header', () => {
    expectResult(decode(IPOIB_UDP, LinkType.IPOIB), { ...v4(44, 36, IpProto.UDP), srcPort: 49152, dstPort: 4791 });
  });

  it('decodes IPv6, with a global route header as pseudo-header too', () => {
    expectResult(decode(ipoib(EtherType.IPV6, udp6), LinkType.IPOIB), { ...v6(44, 48, IpProto.UDP), srcPort: 4791, dstPort: 4791 });
    const grh = [0x60, 0, 0, 0, 0, 0, 0, 1, ...new Array<number>(32).fill(0x11), 0x86, 0xdd, 0, 0, ...udp6];
    expectResult(decode(grh, LinkType.IPOIB), { ...v6(44, 48, IpProto.UDP), srcPort: 4791, dstPort: 4791 });
  });

  it('reports ARP as not IP and a short header as truncated', () => {
    expectResult(decode(ipoib(0x0806, [0, 32, 8, 0]), LinkType.IPOIB), { status: DecodeStatus.NOT_IP });
    expectResult(decode(IPOIB_UDP, LinkType.IPOIB, { capLen: 43 }), { status: DecodeStatus.TRUNCATED_LINK });
    expectResult(decode(IPOIB_UDP, LinkType.IPOIB, { capLen: 44 }), { status: DecodeStatus.TRUNCATED_IP });
  });
});
