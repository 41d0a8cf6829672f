import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_WORDS, KeyWord, keyDirection } from '../../src/account/flow-key.ts';
import { Direction } from '../../src/account/packet-context.ts';

test('a rolled-up key keeps its direction: the roll-up level bits (24..25 of PROTO) are not read as direction', () => {
  const key = new Uint32Array(KEY_WORDS);
  for (const dir of [Direction.RECEIVE, Direction.TRANSMIT, Direction.INTERNAL, Direction.TRANSIT]) {
    for (const level of [0, 1, 2, 3]) {
      key[KeyWord.PROTO] = (4 | (6 << 8) | (dir << 16) | (level << 24)) >>> 0;
      assert.equal(keyDirection(key, 0), dir, `direction ${dir} at roll-up level ${level}`);
    }
  }
});
