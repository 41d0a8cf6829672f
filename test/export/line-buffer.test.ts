import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatValue } from '../../src/export/exposition-lines.ts';
import { LineBuffer } from '../../src/export/line-buffer.ts';

test('property: number() writes a value as the serializer does, octet() and hex() as decimal and lower-case hex', () => {
  const value = fc.oneof(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.double(), fc.constantFrom(0, 2 ** 53, 2 ** 64, -1, 1e21, Infinity, -Infinity, NaN));
  fc.assert(fc.property(fc.array(fc.tuple(value, fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff })), { maxLength: 50 }), (items) => {
    const out = new LineBuffer(8);
    let expected = '';
    for (const [v, o, h] of items) {
      out.reserve(64);
      out.number(v);
      out.byte(32);
      out.octet(o);
      out.byte(32);
      out.hex(h);
      out.byte(10);
      expected += `${formatValue(v)} ${o} ${h.toString(16)}\n`;
    }
    assert.equal(out.take(), expected);
    assert.equal(out.length, 0, 'take() empties the buffer');
  }), { numRuns: 300, seed: 2 });
});

test('text() grows the buffer for any string and keeps UTF-8 intact', () => {
  const out = new LineBuffer(4);
  const text = `ünï"code\\ ${'x'.repeat(10_000)} 🙂\n`;
  out.text(text);
  out.text(text);
  assert.equal(out.take(), text + text);
});
