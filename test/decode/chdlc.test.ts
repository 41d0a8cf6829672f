import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto } from '../../src/decode/numbers.ts';
import { chdlc, hexBytes, ipv4, mpls, tcp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

/** Cisco HDLC multicast frame with an IPv6 UDP packet 2001:db8::1 → ff02::9 (RIPng), 48 bytes. */
const CHDLC_RIPNG = hexBytes(`
  8f00 86dd
  6000 0000 0008 1140 2001 0db8 0000 0000 0000 0000 0000 0001
  ff02 0000 0000 0000 0000 0000 0000 0009
  0209 0209 0008 0000`);

const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(22, 1022) }); // 40 bytes

describe('Cisco HDLC (link type 104)', () => {
  it('decodes IPv6 and IPv4', () => {
    expectResult(decode(CHDLC_RIPNG, LinkType.C_HDLC), { ...v6(4, 48, IpProto.UDP), srcPort: 521, dstPort: 521 });
    expectResult(decode(chdlc(EtherType.IPV4, tcp4), LinkType.C_HDLC), { ...v4(4, 40, IpProto.TCP), srcPort: 22, dstPort: 1022 });
  });

  it('decodes MPLS', () => {
    expectResult(decode(chdlc(EtherType.MPLS_UNICAST, mpls([30], tcp4)), LinkType.C_HDLC), { ...v4(8, 40, IpProto.TCP), srcPort: 22, dstPort: 1022 });
  });

  it('does not check the address byte (Wireshark does not)', () => {
    expectResult(decode(chdlc(EtherType.IPV4, tcp4, 0x12), LinkType.C_HDLC), { ...v4(4, 40, IpProto.TCP), srcPort: 22, dstPort: 1022 });
  });

  it('reports SLARP, VLAN tags (not in the Cisco HDLC protocol table) and short frames', () => {
    expectResult(decode(chdlc(0x8035, [0, 0, 0, 2]), LinkType.C_HDLC), { status: DecodeStatus.NOT_IP });
    expectResult(decode(chdlc(EtherType.VLAN, [0, 5, 8, 0, ...tcp4]), LinkType.C_HDLC), { status: DecodeStatus.NOT_IP });
    expectResult(decode([0x0f, 0x00, 0x08], LinkType.C_HDLC), { status: DecodeStatus.TRUNCATED_LINK });
  });
});
