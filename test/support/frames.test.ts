import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ethernetIPv4, ethernetIPv6, ipv4Packet, parseIPv6 } from './frames.ts';

/** Ones' complement sum folded to 16 bits: 0xffff over a region whose checksum is right. */
function fold(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

describe('test frame builders', () => {
  it('builds IPv4 with total length and a valid header checksum', () => {
    const frame = ethernetIPv4({ src: '10.0.0.1', dst: '192.0.2.200', proto: 17, srcPort: 53, dstPort: 5353,
      payloadLength: 11 });
    const view = new DataView(frame.buffer);
    assert.equal(frame.length, 14 + 20 + 8 + 11);
    assert.equal(view.getUint16(12), 0x0800);
    assert.equal(view.getUint16(14 + 2), 20 + 8 + 11);
    assert.equal(fold(frame.subarray(14, 34)), 0xffff);
    assert.equal(view.getUint16(34 + 4), 8 + 11, 'UDP length');
    const pseudo = fold(frame.subarray(26, 34)) + 17 + 19;
    assert.equal(fold(frame.subarray(34), pseudo), 0xffff, 'UDP checksum');
  });

  it('builds IPv6 with payload length, next header and VLAN tags outermost first', () => {
    const frame = ethernetIPv6({ src: '2001:db8::1', dst: '::ffff:192.0.2.1', proto: 6, payloadLength: 5, vlan: [5, 6] });
    const view = new DataView(frame.buffer);
    assert.deepEqual([view.getUint16(12), view.getUint16(14), view.getUint16(16), view.getUint16(18)],
      [0x88a8, 5, 0x8100, 6]);
    assert.equal(view.getUint16(20), 0x86dd);
    assert.equal(view.getUint16(22 + 4), 20 + 5);
    assert.equal(frame[22 + 6], 6);
    assert.equal(Buffer.from(frame.subarray(22 + 24, 22 + 40)).toString('hex'), '00000000000000000000ffffc0000201');
  });

  it('parses IPv6 text forms and rejects bad addresses', () => {
    assert.equal(Buffer.from(parseIPv6('::')).toString('hex'), '0'.repeat(32));
    assert.equal(Buffer.from(parseIPv6('fe80::1:2')).toString('hex'), `fe80${'0'.repeat(20)}00010002`);
    assert.throws(() => ipv4Packet({ src: '10.0.0.256', dst: '10.0.0.1', proto: 6 }), /not an IPv4 address/);
  });
});
