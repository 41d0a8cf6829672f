import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { IpProto } from '../../src/decode/numbers.ts';
import { hexBytes, ipv4, ipv6, le16, nflog, tcp, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

/**
 * NFLOG from an x86 host (TLVs little-endian): AF_INET, group 5; NFULA_PACKET_HDR (hw protocol
 * 0x0800, hook 3), NFULA_PREFIX "ssh\0" , NFULA_PAYLOAD with TCP 192.0.2.1:22 → 198.51.100.2:50000.
 */
const NFLOG_SSH = hexBytes(`
  0200 0005
  0800 0100 0800 0300
  0800 0a00 7373 6800
  2c00 0900
  4500 0028 1234 4000 4006 0000 c000 0201 c633 6402
  0016 c350 0000 0001 0000 0002 5010 0200 0000 0000`);

const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(53, 5353) }); // 48 bytes
const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(22, 50000) }); // 40 bytes

describe('NFLOG (link type 239)', () => {
  it('decodes the NFULA_PAYLOAD TLV as IPv4 for AF_INET', () => {
    expectResult(decode(NFLOG_SSH, LinkType.NFLOG), { ...v4(24, 40, IpProto.TCP), srcPort: 22, dstPort: 50000 });
  });

  it('decodes IPv6 for AF_INET6 and TLVs written big-endian', () => {
    expectResult(decode(nflog(10, udp6), LinkType.NFLOG), { ...v6(24, 48, IpProto.UDP), srcPort: 53, dstPort: 5353 });
    expectResult(decode(nflog(10, udp6, true), LinkType.NFLOG), { ...v6(24, 48, IpProto.UDP), srcPort: 53, dstPort: 5353 });
    expectResult(decode(nflog(2, tcp4, true), LinkType.NFLOG), { ...v4(24, 40, IpProto.TCP), srcPort: 22, dstPort: 50000 });
  });

  it('pads TLV values to 4 bytes and ignores the nested-attribute flag of a type', () => {
    const frame = [2, 0, 0, 5, ...le16(5), ...le16(0x800a), 0x61, 0, 0, 0, ...le16(4 + tcp4.length), ...le16(9), ...tcp4];
    expectResult(decode(frame, LinkType.NFLOG), { ...v4(16, 40, IpProto.TCP), srcPort: 22, dstPort: 50000 });
  });

  it('bounds the packet by its TLV, not by the frame\'s wire length', () => {
    // Total length 0 counts the wire length only past 65535 bytes (TSO), which a TLV cannot hold.
    const tso = ipv4({ protocol: IpProto.TCP, payload: tcp(22, 50000), totalLength: 0 });
    const frame = [...nflog(2, tso), ...le16(8), ...le16(11), 0, 0, 0, 0]; // NFULA_UID after the payload
    expectResult(decode(frame, LinkType.NFLOG, { wireLen: 70000 }), { status: DecodeStatus.BAD_IP_LENGTH });
    expectResult(decode(frame, LinkType.NFLOG), { status: DecodeStatus.BAD_IP_LENGTH });
  });

  it('reports other families, bad TLV lengths and no payload as not IP', () => {
    expectResult(decode(nflog(7, tcp4), LinkType.NFLOG), { status: DecodeStatus.NOT_IP }); // AF_BRIDGE
    expectResult(decode(nflog(0, tcp4), LinkType.NFLOG), { status: DecodeStatus.NOT_IP });
    expectResult(decode([2, 0, 0, 5, ...le16(3), ...le16(1), 0, 0, 0, 0], LinkType.NFLOG), { status: DecodeStatus.NOT_IP });
    expectResult(decode([2, 0, 0, 5, ...le16(8), ...le16(1), 8, 0, 3, 0], LinkType.NFLOG), { status: DecodeStatus.NOT_IP });
  });

  it('reports headers cut by the capture length as truncated', () => {
    expectResult(decode(NFLOG_SSH, LinkType.NFLOG, { capLen: 3 }), { status: DecodeStatus.TRUNCATED_LINK });
    expectResult(decode(NFLOG_SSH, LinkType.NFLOG, { capLen: 10 }), { status: DecodeStatus.TRUNCATED_LINK });
    expectResult(decode(NFLOG_SSH, LinkType.NFLOG, { capLen: 22 }), { status: DecodeStatus.TRUNCATED_LINK });
    expectResult(decode(NFLOG_SSH, LinkType.NFLOG, { capLen: 30 }), { status: DecodeStatus.TRUNCATED_IP });
  });
});
