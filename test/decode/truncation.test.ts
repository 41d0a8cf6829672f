import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePacket } from '../../src/decode/decode-packet.ts';
import { DecodeResult, DecodeStatus } from '../../src/decode/decode-result.ts';
import { SAMPLES } from './corpus.ts';
import { LEAD, place } from './frames.ts';

function decodeAt(frame: number[], capLen: number, wireLen: number, linkType: number): DecodeResult {
  const out = new DecodeResult();
  decodePacket(place(frame, capLen), LEAD, capLen, wireLen, linkType, out);
  return out;
}

describe('truncated frames', () => {
  for (const s of SAMPLES) {
    it(`${s.name}: every capture length from 0 gives a sensible status and the full ipBytes`, () => {
      const wireLen = s.wireLen ?? s.frame.length;
      const full = decodeAt(s.frame, s.frame.length, wireLen, s.linkType);
      assert.equal(full.status, DecodeStatus.OK);
      const ipMin = full.ipVersion === 4 ? 20 : 40;
      for (let capLen = 0; capLen <= s.frame.length; capLen++) {
        const out = decodeAt(s.frame, capLen, wireLen, s.linkType);
        const at = `capLen ${capLen}`;
        if (capLen < s.ip) {
          assert.equal(out.status, DecodeStatus.TRUNCATED_LINK, at);
        } else if (capLen < s.ip + ipMin) {
          // An MPLS payload with no byte captured cannot be told apart from a non-IP payload.
          const allowed: number[] = capLen === s.ip ? [DecodeStatus.TRUNCATED_IP, DecodeStatus.TRUNCATED_LINK] : [DecodeStatus.TRUNCATED_IP];
          assert.ok(allowed.includes(out.status), `${at}: status ${out.status}`);
        } else if (capLen >= s.l4 + 4) {
          assert.deepStrictEqual({ ...out }, { ...full }, at);
        } else {
          assert.equal(out.status, DecodeStatus.OK, at);
          assert.deepStrictEqual(
            [out.ipVersion, out.ipOffset, out.srcOffset, out.dstOffset, out.ipBytes, out.vlanId, out.srcPort, out.dstPort],
            [full.ipVersion, full.ipOffset, full.srcOffset, full.dstOffset, full.ipBytes, full.vlanId, 0, 0],
            at,
          );
          if (capLen >= s.l4) assert.equal(out.protocol, full.protocol, at);
          if (full.ipVersion === 4) assert.equal(out.protocol, full.protocol, at);
        }
      }
    });
  }
});
