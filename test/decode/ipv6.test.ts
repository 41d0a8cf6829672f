import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto } from '../../src/decode/numbers.ts';
import { ah, dccp, ethernet, ext, fragment6, icmp, ipv6, jumboOption, sctp, tcp, udp } from './frames.ts';
import { decode, expectResult, v6 } from './harness.ts';

const RAW = LinkType.RAW;
const padN4 = [1, 4, 0, 0, 0, 0];

describe('IPv6', () => {
  it('reads ports of TCP, UDP, SCTP, UDP-Lite and DCCP and ICMPv6 type/code', () => {
    const cases: Array<[number, number[]]> = [
      [IpProto.TCP, tcp(10, 20)],
      [IpProto.UDP, udp(10, 20)],
      [IpProto.SCTP, sctp(10, 20)],
      [IpProto.UDP_LITE, udp(10, 20)],
      [IpProto.DCCP, dccp(10, 20)],
    ];
    for (const [nextHeader, payload] of cases) {
      expectResult(decode(ipv6({ nextHeader, payload }), RAW), { ...v6(0, 40 + payload.length, nextHeader), srcPort: 10, dstPort: 20 });
    }
    expectResult(decode(ipv6({ nextHeader: IpProto.ICMPV6, payload: icmp(135, 0) }), RAW), {
      ...v6(0, 48, IpProto.ICMPV6), icmpTypeCode: 0x8700,
    });
  });

  const walks: Array<[string, number, number[]]> = [
    ['hop-by-hop', IpProto.HOP_BY_HOP, ext(IpProto.TCP, padN4, tcp(1, 2))],
    ['routing', IpProto.ROUTING, ext(IpProto.TCP, [4, 0, 0, 0, 0, 0, ...new Array(16).fill(0x20)], tcp(1, 2))],
    ['destination options', IpProto.DESTINATION_OPTIONS, ext(IpProto.TCP, padN4, tcp(1, 2))],
    ['mobility', IpProto.MOBILITY, ext(IpProto.TCP, [5, 0, 0, 0, 0, 0], tcp(1, 2))],
    ['HIP', IpProto.HIP, ext(IpProto.TCP, new Array(38).fill(3), tcp(1, 2))],
    ['shim6', IpProto.SHIM6, ext(IpProto.TCP, [0x80, 0, 0, 0, 0, 0], tcp(1, 2))],
    ['AH', IpProto.AH, ah(IpProto.TCP, 12, tcp(1, 2))],
    ['first fragment', IpProto.FRAGMENT, fragment6(IpProto.TCP, 0, true, tcp(1, 2))],
  ];
  for (const [name, nextHeader, payload] of walks) {
    it(`walks a ${name} header to TCP`, () => {
      expectResult(decode(ipv6({ nextHeader, payload }), RAW), { ...v6(0, 40 + payload.length, IpProto.TCP), srcPort: 1, dstPort: 2 });
    });
  }

  it('walks a chain of every kind', () => {
    const payload = ext(IpProto.DESTINATION_OPTIONS, padN4,
      ext(IpProto.ROUTING, padN4,
        ext(IpProto.FRAGMENT, [0, 0, 0, 0, 0, 0],
          fragment6(IpProto.AH, 0, false,
            ah(IpProto.MOBILITY, 4,
              ext(IpProto.HIP, padN4,
                ext(IpProto.SHIM6, padN4,
                  ext(IpProto.UDP, padN4, udp(7, 8)))))))));
    expectResult(decode(ethernet(EtherType.IPV6, ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload })), LinkType.ETHERNET), {
      ...v6(14, 40 + payload.length, IpProto.UDP), srcPort: 7, dstPort: 8,
    });
  });

  it('marks non-first fragments and reports the fragment next header', () => {
    const payload = ext(IpProto.FRAGMENT, padN4, fragment6(IpProto.UDP, 100, false, [0, 53, 0, 53]));
    expectResult(decode(ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload }), RAW), {
      ...v6(0, 40 + payload.length, IpProto.UDP), laterFragment: true,
    });
  });

  it('stops at ESP and no-next-header', () => {
    const esp = ext(IpProto.ESP, padN4, [0, 0, 1, 0, 0, 0, 0, 1, 9, 9, 9, 9]);
    expectResult(decode(ipv6({ nextHeader: IpProto.DESTINATION_OPTIONS, payload: esp }), RAW), v6(0, 40 + esp.length, IpProto.ESP));
    const none = ext(IpProto.NO_NEXT_HEADER, padN4, [0, 80, 0, 80]);
    expectResult(decode(ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload: none }), RAW), v6(0, 40 + none.length, IpProto.NO_NEXT_HEADER));
  });

  it('walks 16 extension headers but not 17', () => {
    const chain = (n: number) => {
      let payload = tcp(1, 2);
      for (let i = 0; i < n; i++) payload = ext(i === 0 ? IpProto.TCP : IpProto.DESTINATION_OPTIONS, padN4, payload);
      return payload;
    };
    const p16 = chain(16);
    expectResult(decode(ipv6({ nextHeader: IpProto.DESTINATION_OPTIONS, payload: p16 }), RAW), {
      ...v6(0, 40 + p16.length, IpProto.TCP), srcPort: 1, dstPort: 2,
    });
    const p17 = chain(17);
    expectResult(decode(ipv6({ nextHeader: IpProto.DESTINATION_OPTIONS, payload: p17 }), RAW), v6(0, 40 + p17.length, IpProto.DESTINATION_OPTIONS));
  });

  it('reports the header it could not walk when an extension header is cut short', () => {
    const payload = ext(IpProto.ROUTING, padN4, ext(IpProto.TCP, new Array(30).fill(0), tcp(1, 2)));
    const packet = ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload });
    for (const capLen of [40, 41, 47]) expectResult(decode(packet, RAW, { capLen }), v6(0, 40 + payload.length, IpProto.HOP_BY_HOP));
    for (const capLen of [48, 49, 50, 60, 79]) expectResult(decode(packet, RAW, { capLen }), v6(0, 40 + payload.length, IpProto.ROUTING));
    for (const capLen of [80, 83]) expectResult(decode(packet, RAW, { capLen }), v6(0, 40 + payload.length, IpProto.TCP));
    expectResult(decode(packet, RAW, { capLen: 84 }), { ...v6(0, 40 + payload.length, IpProto.TCP), srcPort: 1, dstPort: 2 });
  });

  it('does not walk past the declared payload length', () => {
    const packet = ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload: ext(IpProto.TCP, padN4, tcp(1, 2)), payloadLength: 6 });
    expectResult(decode(packet, RAW), v6(0, 46, IpProto.HOP_BY_HOP));
  });

  it('counts 40 + payload length when snaplen cut the packet', () => {
    const packet = ipv6({ nextHeader: IpProto.UDP, payload: udp(9, 10, new Array(1200).fill(0)) });
    expectResult(decode(packet, RAW, { capLen: 40 }), v6(0, 1248, IpProto.UDP));
    expectResult(decode(packet, RAW, { capLen: 44 }), { ...v6(0, 1248, IpProto.UDP), srcPort: 9, dstPort: 10 });
  });

  it('counts a jumbogram by its Jumbo Payload option', () => {
    const payload = ext(IpProto.TCP, jumboOption(100032), tcp(3, 4));
    const packet = ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload, payloadLength: 0 });
    const frame = ethernet(EtherType.IPV6, packet);
    expectResult(decode(frame, LinkType.ETHERNET, { wireLen: 14 + 100072 }), {
      ...v6(14, 100072, IpProto.TCP), srcPort: 3, dstPort: 4,
    });
    // A jumbo length larger than the wire length is corrupt.
    expectResult(decode(frame, LinkType.ETHERNET, { wireLen: 14 + 100071 }), { status: DecodeStatus.BAD_IP_LENGTH });
  });

  it('counts the wire length for payload length 0 without a jumbo option (BIG TCP)', () => {
    const packet = ipv6({ nextHeader: IpProto.TCP, payload: tcp(3, 4), payloadLength: 0 });
    expectResult(decode(packet, RAW, { wireLen: 80000 }), { ...v6(0, 80000, IpProto.TCP), srcPort: 3, dstPort: 4 });
    const hbh = ipv6({ nextHeader: IpProto.HOP_BY_HOP, payload: ext(IpProto.TCP, padN4, tcp(3, 4)), payloadLength: 0 });
    expectResult(decode(hbh, RAW, { wireLen: 70000 }), { ...v6(0, 70000, IpProto.TCP), srcPort: 3, dstPort: 4 });
    expectResult(decode(packet, RAW, { capLen: 40, wireLen: 39 }), { status: DecodeStatus.BAD_IP_LENGTH });
  });

  it('counts 40 bytes for payload length 0 on a frame that could have carried the length (padding is not counted)', () => {
    const packet = ipv6({ nextHeader: IpProto.TCP, payload: tcp(3, 4), payloadLength: 0 });
    // The declared length holds no transport header, so no ports are read.
    expectResult(decode(packet, RAW, { wireLen: 46 }), v6(0, 40, IpProto.TCP));
    expectResult(decode(packet, RAW, { wireLen: 40 + 0xffff }), v6(0, 40, IpProto.TCP));
  });

  it('counts 40 bytes for an empty packet', () => {
    const packet = ipv6({ nextHeader: IpProto.NO_NEXT_HEADER });
    expectResult(decode([...packet, 0, 0, 0, 0, 0, 0], RAW), v6(0, 40, IpProto.NO_NEXT_HEADER));
  });

  it('needs 40 captured bytes and version 6', () => {
    expectResult(decode(ipv6({ nextHeader: IpProto.TCP }).slice(0, 39), RAW), { status: DecodeStatus.TRUNCATED_IP });
    expectResult(decode(ipv6({ nextHeader: IpProto.TCP, version: 4 }), LinkType.IPV6), { status: DecodeStatus.BAD_IP_VERSION });
  });
});
