import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAddress, formatIPv4, formatIPv6 } from '../../src/decode/address-format.ts';

/** [address bytes in hex, what glibc inet_ntop(AF_INET6) prints] — produced with glibc 2.x. */
const GLIBC_IPV6: Array<[string, string]> = [
  ['00000000000000000000000000000000', '::'],
  ['00000000000000000000000000000001', '::1'],
  ['00000000000000000000000000000002', '::2'],
  ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
  ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
  ['00000000000000000000000001020304', '::1.2.3.4'],
  ['00000000000000000000000000010000', '::0.1.0.0'],
  ['00000000000000000000000001000000', '::1.0.0.0'],
  ['00000000000000000000000000000100', '::100'],
  ['00000000000000000001ffff01020304', '::1:ffff:102:304'],
  ['0000000000000000ffff000001020304', '::ffff:0:102:304'],
  ['00000000000000000000fffe01020304', '::fffe:102:304'],
  ['00000000000000000000000100000000', '::1:0:0'],
  ['20010db8000000000000000000000001', '2001:db8::1'],
  ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
  ['fe800000000000000001000000000000', 'fe80::1:0:0:0'],
  ['00010000000000000000000000000000', '1::'],
  ['00000001000000000000000000000000', '0:1::'],
  ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
  ['20010000000000010000000000000001', '2001:0:0:1::1'],
  ['00000000000100000000000000010000', '0:0:1::1:0'],
  ['00010000000100000001000000010000', '1:0:1:0:1:0:1:0'],
  ['20010db885a3000000008a2e03707334', '2001:db8:85a3::8a2e:370:7334'],
  ['0064ff9b0000000000000000c0000201', '64:ff9b::c000:201'],
  ['ffffffffffffffffffffffffffffffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

describe('address formatting', () => {
  for (const [bytes, text] of GLIBC_IPV6) {
    it(`formats ${text} like glibc inet_ntop`, () => {
      // Placed at an odd offset inside a larger buffer, as addresses are in a packet.
      const data = new Uint8Array(21).fill(0xee);
      data.set(hex(bytes), 3);
      assert.equal(formatIPv6(data, 3), text);
      assert.equal(formatAddress(data, 3, 6), text);
    });
  }

  it('formats IPv4 as a dotted quad', () => {
    const data = Uint8Array.from([9, 0, 10, 255, 1, 9]);
    assert.equal(formatIPv4(data, 1), '0.10.255.1');
    assert.equal(formatAddress(Uint8Array.from([192, 0, 2, 33]), 0, 4), '192.0.2.33');
  });

  it('rejects an unknown version and an address outside the buffer', () => {
    assert.throws(() => formatAddress(new Uint8Array(16), 0, 5), /ipVersion 5 is not 4 or 6/);
    assert.throws(() => formatIPv6(new Uint8Array(16), 1), RangeError);
    assert.throws(() => formatIPv4(new Uint8Array(4), -1), RangeError);
  });
});
