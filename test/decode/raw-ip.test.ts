import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePacket } from '../../src/decode/decode-packet.ts';
import { DecodeResult, DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { IpProto } from '../../src/decode/numbers.ts';
import { ipv4, ipv6, tcp, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(22, 50000) }); // 40 bytes
const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(123, 123) }); // 48 bytes

describe('raw IP link types', () => {
  for (const linkType of [LinkType.RAW, LinkType.RAW_BSD, LinkType.RAW_OPENBSD]) {
    it(`chooses the version by nibble (link type ${linkType})`, () => {
      expectResult(decode(tcp4, linkType), { ...v4(0, 40, IpProto.TCP), srcPort: 22, dstPort: 50000 });
      expectResult(decode(udp6, linkType), { ...v6(0, 48, IpProto.UDP), srcPort: 123, dstPort: 123 });
    });

    it(`reports other nibbles as a bad version and nothing captured as truncated (link type ${linkType})`, () => {
      expectResult(decode([0x50, ...tcp4.slice(1)], linkType), { status: DecodeStatus.BAD_IP_VERSION });
      expectResult(decode([], linkType), { status: DecodeStatus.TRUNCATED_IP });
    });
  }

  it('IPV4 link type forces version 4', () => {
    expectResult(decode(tcp4, LinkType.IPV4), { ...v4(0, 40, IpProto.TCP), srcPort: 22, dstPort: 50000 });
    expectResult(decode(udp6, LinkType.IPV4), { status: DecodeStatus.BAD_IP_VERSION });
  });

  it('IPV6 link type forces version 6', () => {
    expectResult(decode(udp6, LinkType.IPV6), { ...v6(0, 48, IpProto.UDP), srcPort: 123, dstPort: 123 });
    expectResult(decode([...tcp4, ...tcp4], LinkType.IPV6), { status: DecodeStatus.BAD_IP_VERSION });
  });
});

describe('link type dispatch', () => {
  it('reports unknown link types as unsupported', () => {
    for (const linkType of [-1, 2, 105, 127, 0x10001, Number.NaN]) {
      expectResult(decode(tcp4, linkType), { status: DecodeStatus.UNSUPPORTED_LINK_TYPE });
    }
  });
});

describe('caller arguments', () => {
  it('treats a negative, NaN or out-of-buffer capture as nothing captured', () => {
    const out = new DecodeResult();
    const data = Uint8Array.from(tcp4);
    for (const [offset, capLen] of [[0, -1], [-1, 40], [Number.NaN, 40], [0, Number.NaN], [41, 10]]) {
      assert.equal(decodePacket(data, offset, capLen, 40, LinkType.RAW, out), DecodeStatus.TRUNCATED_LINK);
    }
  });

  it('clamps the capture to the buffer and rejects a NaN wire length where it is needed', () => {
    const out = new DecodeResult();
    const data = Uint8Array.from(tcp4);
    assert.equal(decodePacket(data, 0, 1000, 1000, LinkType.RAW, out), DecodeStatus.OK);
    assert.equal(out.srcPort, 22);
    const tso = Uint8Array.from(ipv4({ protocol: IpProto.TCP, totalLength: 0, payload: tcp(1, 2) }));
    assert.equal(decodePacket(tso, 0, 40, Number.NaN, LinkType.RAW, out), DecodeStatus.BAD_IP_LENGTH);
    const big = Uint8Array.from(ipv6({ nextHeader: IpProto.TCP, payloadLength: 0, payload: tcp(1, 2) }));
    assert.equal(decodePacket(big, 0, 60, Number.NaN, LinkType.RAW, out), DecodeStatus.BAD_IP_LENGTH);
  });
});
