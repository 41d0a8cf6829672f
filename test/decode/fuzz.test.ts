import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePacket } from '../../src/decode/decode-packet.ts';
import { DECODE_STATUS_COUNT, DecodeResult, DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { SAMPLES } from './corpus.ts';
import { poisoned } from './harness.ts';
import { prng } from '../support/prng.ts';

/** Every supported link type plus two unsupported ones. */
const LINK_TYPES = [...(Object.values(LinkType) as number[]), 105, 65535];
/** Byte values that steer decoders into their branches (tags, versions, lengths, headers). */
const INTERESTING = [0, 1, 2, 0x04, 0x06, 0x08, 0x11, 0x21, 0x2c, 0x33, 0x3a, 0x3b, 0x3c, 0x45, 0x4f, 0x57, 0x60, 0x81, 0x86, 0x88, 0x91, 0xa8, 0xaa, 0xc2, 0xdd, 0xff,
  0x03, 0x09, 0x0f, 0x8e, 0xcc, 0xe5];

/** Checks the result invariants that hold for any input. */
function checkInvariants(out: DecodeResult, status: number, offset: number, end: number, context: string): void {
  assert.equal(status, out.status, context);
  assert.ok(Number.isInteger(status) && status >= 0 && status < DECODE_STATUS_COUNT, context);
  if (status !== DecodeStatus.OK) return;
  const addressLength = out.ipVersion === 4 ? 4 : 16;
  assert.ok(out.ipVersion === 4 || out.ipVersion === 6, context);
  assert.ok(out.ipOffset >= offset && out.ipOffset + (out.ipVersion === 4 ? 20 : 40) <= end, context);
  assert.ok(out.srcOffset >= out.ipOffset && out.srcOffset + addressLength <= end, context);
  assert.ok(out.dstOffset >= out.ipOffset && out.dstOffset + addressLength <= end, context);
  assert.ok(Number.isInteger(out.ipBytes) && out.ipBytes >= (out.ipVersion === 4 ? 20 : 40), context);
  for (const [value, max] of [[out.protocol, 255], [out.srcPort, 65535], [out.dstPort, 65535], [out.icmpTypeCode, 65535], [out.vlanId, 4095]]) {
    assert.ok(Number.isInteger(value) && value >= 0 && value <= max, context);
  }
  if (out.laterFragment) assert.ok(out.srcPort === 0 && out.dstPort === 0 && out.icmpTypeCode === 0, context);
}

describe('random mutation', () => {
  it('50k mutated frames never throw, satisfy the invariants and overwrite every field', () => {
    const random = prng(0x0e1acc7);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const a = new DecodeResult();
    const b = poisoned();
    const seen = new Array<number>(DECODE_STATUS_COUNT).fill(0);
    for (let i = 0; i < 50_000; i++) {
      const s = pick(SAMPLES);
      const offset = Math.floor(random() * 9);
      const buffer = new Uint8Array(offset + s.frame.length + 32);
      for (let j = 0; j < buffer.length; j++) buffer[j] = Math.floor(random() * 256);
      buffer.set(s.frame, offset);
      const mutations = 1 + Math.floor(random() * 6);
      for (let m = 0; m < mutations; m++) {
        const at = offset + Math.floor(random() * s.frame.length);
        buffer[at] = random() < 0.5 ? pick(INTERESTING) : Math.floor(random() * 256);
      }
      const capLen = random() < 0.5 ? s.frame.length : Math.floor(random() * (s.frame.length + 1));
      const r = random();
      const wireLen = r < 0.4 ? s.frame.length : r < 0.8 ? capLen + Math.floor(random() * 200_000) : Math.floor(random() * capLen);
      const linkType = random() < 0.9 ? s.linkType : pick(LINK_TYPES);
      const context = `iteration ${i} (${s.name}, link ${linkType}, cap ${capLen}, wire ${wireLen})`;

      const status = decodePacket(buffer, offset, capLen, wireLen, linkType, a);
      checkInvariants(a, status, offset, offset + capLen, context);
      seen[status]++;
      decodePacket(buffer, offset, capLen, wireLen, linkType, b);
      assert.deepStrictEqual({ ...b }, { ...a }, context);
      Object.assign(b, poisoned());
    }
    // The mutations reach every outcome, so the loop exercises every decoder branch family.
    assert.ok(seen.every((count) => count > 0), `status counts ${seen.join(',')}`);
  });

  it('random bytes of every link type never throw', () => {
    const random = prng(42);
    const out = new DecodeResult();
    const buffer = new Uint8Array(256);
    for (let i = 0; i < 20_000; i++) {
      for (let j = 0; j < buffer.length; j++) buffer[j] = random() < 0.3 ? INTERESTING[j % INTERESTING.length] : Math.floor(random() * 256);
      const offset = Math.floor(random() * 16);
      const capLen = Math.floor(random() * (buffer.length - offset + 40)); // may exceed the buffer
      const linkType = LINK_TYPES[i % LINK_TYPES.length];
      const status = decodePacket(buffer, offset, capLen, capLen, linkType, out);
      checkInvariants(out, status, offset, Math.min(offset + capLen, buffer.length), `iteration ${i}`);
    }
  });
});
