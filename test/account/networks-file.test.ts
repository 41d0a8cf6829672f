import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadNetworksFile, NetworksFileError, parseNetworks } from '../../src/account/networks-file.ts';
import { loadNetworkTables } from '../../src/account/networks.ts';
import type { PrefixEntry } from '../../src/account/prefix-trie.ts';

const entry = (version: 4 | 6, words: number[], length: number, name: string): PrefixEntry => ({ version, words, length, name });

test('every pmacct form and the otelacct form give the right prefix and name', () => {
  const text = [
    '! pmacct comment',
    '# otelacct comment',
    '',
    '192.168.95.0/24',
    '65500,192.168.1.0/24',
    '64512_65500,192.168.2.0/25',
    '10.0.0.1,65501,192.168.4.0/23',
    '2001:db8::1,64512_65502,2001:db8:4::/48',
    'CustID#1,,,192.168.8.0/24',
    'cust-2,10.0.0.2,65503,192.168.9.0/24',
    '10.20.0.0/16  customer-a',
    '2001:db8::/32 site-fra1',
    '10.30.0.0/16\tdc.eu-west/rack:7_a   # trailing comment',
    '  10.40.0.0/16 # comment, no name',
    '65504,10.50.0.0/16\t# comment after a pmacct line',
    '2001:DB8:0:0:1::/80',
    '::ffff:10.0.0.0/104 mapped',
    '0.0.0.0/0 default',
    '::/0',
    '192.0.2.7/32 host',
  ].join('\n');
  assert.deepEqual(parseNetworks(text, 'networks.lst'), [
    entry(4, [0xc0a85f00], 24, '192.168.95.0/24'),
    entry(4, [0xc0a80100], 24, 'AS65500'),
    entry(4, [0xc0a80200], 25, 'AS65500'),
    entry(4, [0xc0a80400], 23, 'AS65501'),
    entry(6, [0x20010db8, 0x00040000, 0, 0], 48, 'AS65502'),
    entry(4, [0xc0a80800], 24, 'CustID#1'),
    entry(4, [0xc0a80900], 24, 'cust-2'),
    entry(4, [0x0a140000], 16, 'customer-a'),
    entry(6, [0x20010db8, 0, 0, 0], 32, 'site-fra1'),
    entry(4, [0x0a1e0000], 16, 'dc.eu-west/rack:7_a'),
    entry(4, [0x0a280000], 16, '10.40.0.0/16'),
    entry(4, [0x0a320000], 16, 'AS65504'),
    entry(6, [0x20010db8, 0, 0x00010000, 0], 80, '2001:db8:0:0:1::/80'),
    entry(6, [0, 0, 0xffff, 0x0a000000], 104, 'mapped'),
    entry(4, [0], 0, 'default'),
    entry(6, [0, 0, 0, 0], 0, '::/0'),
    entry(4, [0xc0000207], 32, 'host'),
  ]);
});

test('names default to the canonical network text', () => {
  const names = parseNetworks('2001:0DB8:0000::/48\n::ffff:192.0.2.0/120\n2001:db8:0:0:0:0:0:1/128\n', 'n').map((e) => e.name);
  assert.deepEqual(names, ['2001:db8::/48', '::ffff:192.0.2.0/120', '2001:db8::1/128']);
});

test('empty file, comments only, CRLF line ends and a byte order mark', () => {
  assert.deepEqual(parseNetworks('', 'n'), []);
  assert.deepEqual(parseNetworks('\n\n! only\n# comments\n   \n', 'n'), []);
  const crlf = '\ufeff! pmacct file saved on Windows\r\n10.0.0.0/8 corp\r\n65500,192.168.1.0/24\r\n\r\n';
  assert.deepEqual(parseNetworks(crlf, 'n'), [entry(4, [0x0a000000], 8, 'corp'), entry(4, [0xc0a80100], 24, 'AS65500')]);
  assert.throws(() => parseNetworks('\ufeff10.0.0.0/8\r\n10.0.0.1/8\r\n', 'n.lst'), { message: 'n.lst:2: "10.0.0.1/8": host bits set (did you mean 10.0.0.0/8?)' });
});

test('each bad line gives one line naming the file, the line, the text and the problem', () => {
  const cases: [string, string][] = [
    ['10.0.0.0/33', '"10.0.0.0/33": prefix length must be 0..32 for IPv4'],
    ['2001:db8::/129', '"2001:db8::/129": prefix length must be 0..128 for IPv6'],
    ['10.0.0.0/', '"10.0.0.0/": prefix length must be 0..32 for IPv4'],
    ['10.0.0.0/-1', '"10.0.0.0/-1": prefix length must be 0..32 for IPv4'],
    ['10.0.0.0/8/9', '"10.0.0.0/8/9": prefix length must be 0..32 for IPv4'],
    ['10.0.0.1/8', '"10.0.0.1/8": host bits set (did you mean 10.0.0.0/8?)'],
    // pmacct reads /08 as /8 and masks host bits away silently (net_aggr.c): otelacct refuses both.
    ['1.0.0.0/08', '"1.0.0.0/08": prefix length 08 has a leading zero (write /8)'],
    ['2001:db8::/032 x', '"2001:db8::/032": prefix length 032 has a leading zero (write /32)'],
    ['65500,10.0.0.0/08', '"10.0.0.0/08": prefix length 08 has a leading zero (write /8)'],
    ['10.0.0.0/00', '"10.0.0.0/00": prefix length 00 has a leading zero (write /0)'],
    ['2001:db8::1/32 x', '"2001:db8::1/32": host bits set (did you mean 2001:db8::/32?)'],
    ['10.0.0.256/24', '"10.0.0.256/24": "10.0.0.256" is not an IPv4 or IPv6 address'],
    ['010.0.0.0/8', '"010.0.0.0/8": "010.0.0.0" is not an IPv4 or IPv6 address'],
    ['2001:db8:::/48', '"2001:db8:::/48": "2001:db8:::" is not an IPv4 or IPv6 address'],
    ['fe80::%eth0/64', '"fe80::%eth0/64": zone index %eth0 is not allowed in a network'],
    ['10.1.2.3', '"10.1.2.3": missing /<prefix length> (10.1.2.3/32 for a single address)'],
    ['customer-a', '"customer-a": not an IPv4 or IPv6 network'],
    ['10.0.0.0/8 customer a', '"customer a": name may only contain A-Z a-z 0-9 . _ : / - (one word)'],
    ['10.0.0.0/8 cust!', '"cust!": name may only contain A-Z a-z 0-9 . _ : / - (one word)'],
    [`10.0.0.0/8 ${'n'.repeat(129)}`, `"${'n'.repeat(129)}": name is longer than 128 characters (129)`],
    ['65x,10.0.0.0/8', '"65x": AS must be <origin AS> or <peer AS>_<origin AS>, decimal 0..4294967295'],
    ['4294967296,10.0.0.0/8', '"4294967296": AS must be <origin AS> or <peer AS>_<origin AS>, decimal 0..4294967295'],
    ['1_2_3,10.0.0.0/8', '"1_2_3": AS must be <origin AS> or <peer AS>_<origin AS>, decimal 0..4294967295'],
    [',10.0.0.0/8', '"": AS must be <origin AS> or <peer AS>_<origin AS>, decimal 0..4294967295'],
    ['10.0.0.300,65500,10.0.0.0/8', '"10.0.0.300": next-hop is not an IPv4 or IPv6 address'],
    ['a b,,,10.0.0.0/8', '"a b": label may only contain printable ASCII characters other than space and comma'],
    [`10.0.0.0/8 ${'x'.repeat(200)}!`, `"${'x'.repeat(160)}...": name is longer than 128 characters (201)`],
    ['a,b,c,d,10.0.0.0/8', '"a,b,c,d,10.0.0.0/8": too many comma-separated fields (5; at most 4: label,next-hop,[peer AS_]origin AS,network)'],
    ['65500,10.0.0.0/8 extra # c', '"10.0.0.0/8 extra": unexpected text after the network'],
    ['10.0.0.0/8 cust#1', '"cust#1": name may only contain A-Z a-z 0-9 . _ : / - (one word)'],
    ['10.0.0.0/8#c', '"10.0.0.0/8#c": prefix length must be 0..32 for IPv4'],
  ];
  for (const [line, problem] of cases) {
    const text = `! header\n192.168.0.0/16 ok\n\n${line}\n10.0.0.0/33\n`;
    assert.throws(() => parseNetworks(text, 'networks.lst'), (err: unknown) => {
      assert.ok(err instanceof NetworksFileError, line);
      assert.equal(err.message, `networks.lst:4: ${problem}`);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  }
});

test('more than 5,000,000 lines is an error at line 5,000,001; exactly 5,000,000 is fine', () => {
  assert.deepEqual(parseNetworks('\n'.repeat(5_000_000), 'big.lst'), []);
  assert.throws(() => parseNetworks(`${'\n'.repeat(5_000_000)}10.0.0.0/8`, 'big.lst'), {
    name: 'NetworksFileError',
    message: 'big.lst:5000001: too many lines (at most 5000000)',
  });
});

test('loadNetworksFile reads, parses and builds; read failures name the path and code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-networks-'));
  try {
    const path = join(dir, 'networks.lst');
    writeFileSync(path, '10.0.0.0/8 corp\n10.1.0.0/16 lab\n2001:db8::/32 v6\n');
    const trie = loadNetworksFile(path);
    assert.equal(trie.size, 3);
    assert.equal(trie.entry(trie.lookup4(0x0a010203)).name, 'lab');
    assert.equal(trie.entry(trie.lookup4(0x0a020304)).name, 'corp');
    assert.equal(trie.entry(trie.lookup6(0x20010db8, 0, 0, 1)).name, 'v6');
    const missing = join(dir, 'absent.lst');
    assert.throws(() => loadNetworksFile(missing), (err: unknown) => {
      assert.ok(err instanceof NetworksFileError);
      assert.equal(err.message, `${missing}: cannot read (ENOENT)`);
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
    assert.throws(() => loadNetworksFile(dir), { message: `${dir}: cannot read (EISDIR)` });
    writeFileSync(path, '10.0.0.0/8\n10.0.0.0/99\n');
    assert.throws(() => loadNetworksFile(path), { message: `${path}:2: "10.0.0.0/99": prefix length must be 0..32 for IPv4` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the fast path for plain IPv4 lines gives what the full parser gives (a trailing comment forces the full parser)', () => {
  let s = 12345;
  const rand = (n: number): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) % n;
  };
  const octet = (): string => (rand(8) < 6 ? String(rand(256)) : [`0${rand(10)}`, '0', '255', '256', String(rand(1000))][rand(5)]);
  const shapes = [
    (net: string) => net,
    (net: string) => `${rand(70000)},${net}`,
    (net: string) => `${['0', '065500', '4294967295', '4294967296', '12345678901'][rand(5)]},${net}`,
    (net: string) => `${net} customer-${rand(100)}`,
    (net: string) => `${net}\tdc.eu/rack:${rand(9)}_a`,
    (net: string) => `${net} bad name`,
    (net: string) => `${net} ${'x'.repeat(129)}`,
    (net: string) => `${net},`,
  ];
  let fast = 0;
  for (let i = 0; i < 3000; i++) {
    const length = rand(2) === 0 ? '24' : [String(rand(33)), '0', '32', '33', `0${rand(10)}`, ''][rand(6)];
    const net = `${octet()}.${octet()}.${octet()}.${rand(4) === 0 ? octet() : '0'}/${length}`;
    const line = shapes[rand(shapes.length)](net);
    const parse = (text: string): unknown => {
      try {
        return parseNetworks(text, 'f');
      } catch (err) {
        return (err as Error).message.replace(/ {2}# c"/, '"');
      }
    };
    const plain = parse(line);
    const full = parse(`${line}  # c`);
    if (typeof full !== 'string') fast++;
    assert.deepEqual(plain, full, line);
  }
  assert.ok(fast > 500, `${fast} valid lines among the generated`);
});

test('loadNetworksFile reads in 1 MiB pieces: lines across pieces, a BOM, CRLF; a line without end is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-networks-'));
  try {
    const lines: string[] = [];
    for (let i = 0; i < 120_000; i++) lines.push(i % 3 === 0 ? `6451${i % 10},${i >>> 8 & 255}.${i & 255}.0.0/16` : `2001:db8:${(i & 0xffff).toString(16)}:${(i >>> 16).toString(16)}::/64 n${i % 7}`);
    const text = `\ufeff${lines.join('\r\n')}\r\n`;
    assert.ok(text.length > 2 << 20, "several pieces");
    const path = join(dir, 'big.lst');
    writeFileSync(path, text);
    const trie = loadNetworksFile(path);
    const entries = parseNetworks(text, path);
    assert.equal(trie.size, entries.length);
    for (let i = 0; i < entries.length; i += 997) assert.deepEqual(trie.entry(i), entries[i], `entry ${i}`);
    assert.deepEqual(trie.entry(entries.length - 1), entries[entries.length - 1]);

    writeFileSync(path, `10.0.0.0/8\n${'\0'.repeat(1_100_000)}`); // a line running past a 1 MiB piece
    assert.throws(() => loadNetworksFile(path), { message: `${path}:2: line longer than 65536 characters` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('accounting.localNetworks reads its entries as networks-file lines: a leading zero or host bits name the entry', () => {
  assert.throws(() => loadNetworkTables(['192.0.2.0/24', '10.0.0.0/08'], ''),
    { name: 'NetworksFileError', message: 'accounting.localNetworks entry 2: "10.0.0.0/08": prefix length 08 has a leading zero (write /8)' });
  assert.throws(() => loadNetworkTables(['10.1.2.3/8'], ''),
    { name: 'NetworksFileError', message: 'accounting.localNetworks entry 1: "10.1.2.3/8": host bits set (did you mean 10.0.0.0/8?)' });
  assert.equal(loadNetworkTables(['10.0.0.0/8', '2001:db8::/32'], '').local?.size, 2);
});
