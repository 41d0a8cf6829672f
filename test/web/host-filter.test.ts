import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostFilter, MAX_FILTER_LENGTH } from '../../src/web/host-filter.ts';
import { topBy } from '../../src/web/slot.ts';

test('host filter: address, CIDR prefix (IPv4, IPv6), substring, empty', () => {
  const cases: Array<[string, string, string[], string[]]> = [
    ['', '', ['10.0.0.1', '2001:db8::1'], []],
    ['10.20.0.0/16', 'prefix 10.20.0.0/16', ['10.20.0.1', '10.20.255.255'], ['10.21.0.1', '2001:db8::1', 'x']],
    [' 192.0.2.7 ', 'prefix 192.0.2.7/32', ['192.0.2.7'], ['192.0.2.70', '192.0.2.8']],
    ['2001:db8::/32', 'prefix 2001:db8::/32', ['2001:db8::1', '2001:db8:ffff::9'], ['2001:db9::1', '10.0.0.1']],
    ['fe80::1', 'prefix fe80::1/128', ['fe80::1'], ['fe80::2']],
    ['10.20.', 'text "10.20."', ['10.20.0.1', '110.20.3.4'], ['10.2.0.1']],
    [':BEEF', 'text ":BEEF"', ['2001:db8::beef'], ['10.0.0.1']],
    ['10.0.0.0/33', 'text "10.0.0.0/33"', ['10.0.0.0/33-ish'], ['10.0.0.1']],
    ['0.0.0.0/0', 'prefix 0.0.0.0/0', ['0.0.0.0', '255.255.255.255', '10.0.0.1'], ['::1', '10.0.0', '10.0.0.256', '1.2.3.4.5', '01.2.3.4x']],
    ['10.20.30.40/12', 'prefix 10.20.30.40/12', ['10.16.0.0', '10.31.255.255'], ['10.32.0.0', '10.15.255.255']],
    // IPv6 prefixes match IPv6 hosts only (Node's BlockList would match every IPv4 host with ::/0).
    ['::/0', 'prefix ::/0', ['::', '2001:db8::1', 'ffff::1', '::ffff:10.0.0.1'], ['10.0.0.1', '0.0.0.0', '255.255.255.255']],
    ['::ffff:0:0/96', 'prefix ::ffff:0:0/96', ['::ffff:10.0.0.1'], ['10.0.0.1', '2001:db8::1']],
  ];
  for (const [text, description, yes, no] of cases) {
    const f = new HostFilter(text);
    assert.equal(f.description, description, text);
    assert.equal(f.all, text.trim() === '');
    for (const h of yes) assert.ok(f.matches(h), `${text} matches ${h}`);
    for (const h of no) assert.ok(!f.matches(h), `${text} does not match ${h}`);
  }
  assert.equal(new HostFilter('x'.repeat(500)).text.length, MAX_FILTER_LENGTH);
});

test('topBy: the n highest positive scores, highest first, ties in input order', () => {
  const items = [5, 1, 9, 0, 7, 9, 3, -2, 8];
  assert.deepEqual(topBy(items, 3, (x) => x), [9, 9, 8]);
  assert.deepEqual(topBy(items, 20, (x) => x), [9, 9, 8, 7, 5, 3, 1]);
  assert.deepEqual(topBy([{ k: 'a', v: 2 }, { k: 'b', v: 2 }, { k: 'c', v: 2 }], 2, (x) => x.v).map((x) => x.k), ['a', 'b']);
  assert.deepEqual(topBy([], 3, (x: number) => x), []);
  const many = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_007);
  assert.deepEqual(topBy(many, 5, (x) => x), [...many].sort((a, b) => b - a).slice(0, 5));
});
