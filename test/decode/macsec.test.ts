import { describe, it } from 'node:test';
import { DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { EtherType, IpProto } from '../../src/decode/numbers.ts';
import { ethernet, hexBytes, ipv4, ipv6, macsec, tcp, u16, udp } from './frames.ts';
import { decode, expectResult, v4, v6 } from './harness.ts';

/**
 * MACsec with integrity only (TCI 0x21: SC, AN 1; E = C = 0), PN 7, SCI 02:00:00:00:00:01/1,
 * cleartext IPv4 TCP 10.0.0.1:40000 → 10.0.0.2:443, then the 16-byte ICV.
 */
const MACSEC_TCP = hexBytes(`
  0200 0000 0002 0200 0000 0001 88e5
  2100 0000 0007 0200 0000 0001 0001
  0800
  4500 0028 1234 4000 4006 0000 0a00 0001 0a00 0002
  9c40 01bb 0000 0001 0000 0002 5010 0200 0000 0000
  eeee eeee eeee eeee eeee eeee eeee eeee`);

const udp6 = ipv6({ nextHeader: IpProto.UDP, payload: udp(53, 53) }); // 48 bytes
const tcp4 = ipv4({ protocol: IpProto.TCP, payload: tcp(40000, 443) }); // 40 bytes

describe('MACsec (EtherType 0x88e5), integrity only', () => {
  it('decodes the cleartext payload after a SecTAG with an SCI', () => {
    expectResult(decode(MACSEC_TCP, LinkType.ETHERNET), { ...v4(30, 40, IpProto.TCP), srcPort: 40000, dstPort: 443 });
  });

  it('decodes a SecTAG without an SCI, and VLAN tags inside the secured data', () => {
    expectResult(decode(ethernet(EtherType.MACSEC, macsec(EtherType.IPV6, udp6, false)), LinkType.ETHERNET), {
      ...v6(22, 48, IpProto.UDP), srcPort: 53, dstPort: 53,
    });
    expectResult(decode(ethernet(EtherType.MACSEC, macsec(EtherType.VLAN, [...u16(7), ...u16(EtherType.IPV4), ...tcp4])), LinkType.ETHERNET), {
      ...v4(34, 40, IpProto.TCP), srcPort: 40000, dstPort: 443, vlanId: 7,
    });
  });

  it('reports encrypted or changed payloads, other versions and a second SecTAG as not IP', () => {
    for (const tci of [0x2d, 0x29, 0x25, 0xa1]) { // E+C, E, C, version bit
      expectResult(decode(ethernet(EtherType.MACSEC, macsec(EtherType.IPV4, tcp4, true, tci)), LinkType.ETHERNET), { status: DecodeStatus.NOT_IP });
    }
    const nested = ethernet(EtherType.MACSEC, macsec(EtherType.MACSEC, macsec(EtherType.IPV4, tcp4)));
    expectResult(decode(nested, LinkType.ETHERNET), { status: DecodeStatus.NOT_IP });
  });

  it('reports a SecTAG or EtherType cut by the capture length as truncated', () => {
    for (const capLen of [14, 15, 27, 29]) {
      expectResult(decode(MACSEC_TCP, LinkType.ETHERNET, { capLen }), { status: DecodeStatus.TRUNCATED_LINK });
    }
    expectResult(decode(MACSEC_TCP, LinkType.ETHERNET, { capLen: 30 }), { status: DecodeStatus.TRUNCATED_IP });
  });
});
