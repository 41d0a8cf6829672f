import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto } from '../../src/decode/numbers.ts';
import { ethernet, hexBytes, ipv4, ipv6, le32, nullHeader, pktap, tcp, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

/**
 * A macOS `tcpdump -i pktap` frame: the 108-byte little-endian PKTAP header (length 108, type 1,
 * DLT 1, interface "en0", pid 321 "curl"), then Ethernet with TCP 192.168.1.20:50000 → 93.184.216.34:443.
 */
const PKTAP_HTTPS = hexBytes(`
  6c00 0000 0100 0000 0100 0000 656e 3000 0000 0000 0000 0000 0000 0000 0000 0000
  0000 0000 0400 0000 4101 0000 6375 726c 0000 0000 0000 0000 0000 0000 0000 0000
  0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000
  0000 0000 0000 0000 0000 0000
  0200 0000 0002 0200 0000 0001 0800
  4500 0028 1234 4000 4006 0000 c0a8 0114 5db8 d822
  c350 01bb 0000 0001 0000 0002 5010 0200 0000 0000`);

const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(5353, 5353) }); // 48 bytes
const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(443, 50000) }); // 40 bytes

describe('PKTAP (link type 258)', () => {
  it('decodes the frame after the header as the DLT the header names', () => {
    expectResult(decode(PKTAP_HTTPS, LinkType.PKTAP), { ...v4(122, 40, IpProto.TCP), srcPort: 50000, dstPort: 443 });
    expectResult(decode(pktap(LinkType.RAW_BSD, udp6), LinkType.PKTAP), { ...v6(108, 48, IpProto.UDP), srcPort: 5353, dstPort: 5353 });
    expectResult(decode(pktap(LinkType.NULL, nullHeader(30, true, udp6)), LinkType.PKTAP), { ...v6(112, 48, IpProto.UDP), srcPort: 5353, dstPort: 5353 });
  });

  it('honours a longer header', () => {
    expectResult(decode(pktap(LinkType.ETHERNET, ethernet(EtherType.IPV4, tcp4), 156), LinkType.PKTAP), {
      ...v4(170, 40, IpProto.TCP), srcPort: 443, dstPort: 50000,
    });
  });

  it('reports non-packet records, short or nested headers as not IP, unknown DLTs as unsupported', () => {
    const notPacket = [...le32(108), ...le32(2), ...PKTAP_HTTPS.slice(8)];
    expectResult(decode(notPacket, LinkType.PKTAP), { status: DecodeStatus.NOT_IP });
    expectResult(decode([...le32(100), ...PKTAP_HTTPS.slice(4)], LinkType.PKTAP), { status: DecodeStatus.NOT_IP });
    expectResult(decode(pktap(LinkType.PKTAP, pktap(LinkType.RAW, tcp4)), LinkType.PKTAP), { status: DecodeStatus.NOT_IP });
    expectResult(decode(pktap(105, tcp4), LinkType.PKTAP), { status: DecodeStatus.UNSUPPORTED_LINK_TYPE });
  });

  it('reports a header cut by the capture length as truncated', () => {
    expectResult(decode(PKTAP_HTTPS, LinkType.PKTAP, { capLen: 11 }), { status: DecodeStatus.TRUNCATED_LINK });
    expectResult(decode(PKTAP_HTTPS, LinkType.PKTAP, { capLen: 107 }), { status: DecodeStatus.TRUNCATED_LINK });
    expectResult(decode(PKTAP_HTTPS, LinkType.PKTAP, { capLen: 121 }), { status: DecodeStatus.TRUNCATED_LINK });
  });
});
