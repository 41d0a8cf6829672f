/**
 * Decode-and-compare helpers shared by the decoder tests.
 */
import assert from 'node:assert/strict';
import { decodePacket } from '../../src/decode/decode-packet.ts';
import { DecodeResult } from '../../src/decode/decode-result.ts';
import { LEAD, place, type Bytes } from './frames.ts';

/** Expected values; omitted fields must be at their reset value (0 / false). */
export type Expected = Partial<Omit<DecodeResult, 'laterFragment'>> & { laterFragment?: boolean };

/** Options of `decode`. */
export interface DecodeOptions {
  /** Captured bytes (default: the whole frame). */
  capLen?: number;
  /** Wire length (default: the whole frame length). */
  wireLen?: number;
}

/**
 * Decodes `frame` placed at offset LEAD of a larger buffer into a result whose fields were first
 * set to junk, and checks that the return value equals `out.status`.
 */
export function decode(frame: Bytes, linkType: number, options: DecodeOptions = {}): DecodeResult {
  const capLen = options.capLen ?? frame.length;
  const out = poisoned();
  const status = decodePacket(place(frame, capLen), LEAD, capLen, options.wireLen ?? frame.length, linkType, out);
  assert.equal(status, out.status);
  return out;
}

/** A result with every field set to a value the decoder never produces. */
export function poisoned(): DecodeResult {
  const out = new DecodeResult();
  out.status = -1;
  out.ipVersion = -1;
  out.ipOffset = -1;
  out.srcOffset = -1;
  out.dstOffset = -1;
  out.ipBytes = -1;
  out.protocol = -1;
  out.srcPort = -1;
  out.dstPort = -1;
  out.icmpTypeCode = -1;
  out.vlanId = -1;
  out.laterFragment = true;
  return out;
}

/** Asserts every field of `out`: those in `expected` have its values, the rest are 0 / false. */
export function expectResult(out: DecodeResult, expected: Expected): void {
  const all = {
    status: 0, ipVersion: 0, ipOffset: 0, srcOffset: 0, dstOffset: 0, ipBytes: 0, protocol: 0,
    srcPort: 0, dstPort: 0, icmpTypeCode: 0, vlanId: 0, laterFragment: false,
  };
  assert.deepStrictEqual({ ...out }, { ...all, ...expected });
}

/** Expected IPv4 header fields for a header `ip` bytes into the frame. */
export function v4(ip: number, ipBytes: number, protocol: number): Expected {
  const at = LEAD + ip;
  return { ipVersion: 4, ipOffset: at, srcOffset: at + 12, dstOffset: at + 16, ipBytes, protocol };
}

/** Expected IPv6 header fields for a header `ip` bytes into the frame. */
export function v6(ip: number, ipBytes: number, protocol: number): Expected {
  const at = LEAD + ip;
  return { ipVersion: 6, ipOffset: at, srcOffset: at + 8, dstOffset: at + 24, ipBytes, protocol };
}
