import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { renameSync, utimesSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { loadNetworksFile } from '../../src/account/networks-file.ts';
import { NetworksFileLoader } from '../../src/account/networks-loader.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { TempDir } from '../support/read-capture.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

/** `n` distinct /24s in pmacct's `<AS>,<net>` form. */
function table(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${64512 + (i % 1000)},${(i >>> 16) + 1}.${(i >>> 8) & 255}.${i & 255}.0/24`);
  return `${lines.join('\n')}\n`;
}

test('a reload reads the file only when it changed: content, times, or a new file renamed over it', async () => {
  const path = tmp.write('networks.lst', Buffer.from('10.0.0.0/8 a\n'));
  const loader = new NetworksFileLoader();
  assert.equal(loader.loadSync(path).entry(0).name, 'a');
  assert.deepEqual(await loader.reload(path), { status: 'unchanged' });

  writeFileSync(path, '10.0.0.0/8 b\n'); // same size
  const changed = await loader.reload(path);
  assert.equal(changed.status, 'loaded');
  assert.equal(changed.status === 'loaded' && changed.trie.name(changed.trie.lookup4(0x0a000001)), 'b');
  assert.deepEqual(await loader.reload(path), { status: 'unchanged' });

  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  assert.equal((await loader.reload(path)).status, 'loaded', 'touched');

  const next = tmp.write('networks.next', Buffer.from('10.0.0.0/8 c\n'));
  renameSync(next, path);
  const renamed = await loader.reload(path);
  assert.equal(renamed.status === 'loaded' && renamed.trie.entry(0).name, 'c');

  writeFileSync(path, '10.0.0.0/33 broken\n');
  assert.deepEqual(await loader.reload(path), { status: 'failed', error: `${path}:1: "10.0.0.0/33": prefix length must be 0..32 for IPv4` });
  assert.equal((await loader.reload(path)).status, 'failed', 'a file that failed is tried again');
  writeFileSync(path, '10.0.0.0/8 d\n');
  assert.equal((await loader.reload(path)).status, 'loaded');
  assert.deepEqual(await loader.reload(`${path}.missing`), { status: 'failed', error: `${path}.missing: cannot read (ENOENT)` });
});

test('a reload builds the table on a worker thread: the event loop keeps running meanwhile', async () => {
  const path = tmp.write('big.lst', Buffer.from(table(300_000)));
  const t0 = performance.now();
  const expected = loadNetworksFile(path);
  const syncMs = performance.now() - t0;
  const loader = new NetworksFileLoader();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const r = await loader.reload(path);
  delay.disable();
  assert.equal(r.status, 'loaded');
  const trie = r.status === 'loaded' ? r.trie : expected;
  assert.equal(trie.size, 300_000);
  for (const addr of [0x01000001, 0x01ffff01, 0x04930001, 0x05000000]) {
    assert.equal(trie.lookup4(addr), expected.lookup4(addr), addr.toString(16));
  }
  assert.equal(trie.name(trie.lookup4(0x01000101)), 'AS64513');
  // Loose: a synchronous reload would stall the loop for the whole load.
  const maxMs = delay.max / 1e6;
  assert.ok(maxMs < syncMs / 2, `event loop delay max ${maxMs.toFixed(0)} ms while the load takes ${syncMs.toFixed(0)} ms on this thread`);
});

test('duplicate prefixes: one warning line with the count and the first few, at start and on reload', async (t) => {
  const path = tmp.write('dups.lst', Buffer.from('10.0.0.0/8 a\n10.0.0.0/8 b\n192.0.2.0/24 x\n2001:db8::/32 v\n65500,192.0.2.0/24\n2001:db8::/32 w\n10.0.0.0/8 c\n'));
  const lines: string[] = [];
  const { config } = loadConfig(['--networks-file', path, '--no-prometheus'], {});
  const pipeline = await Pipeline.create(config, new Logger('info', (l) => lines.push(l)), { outputReader: false, env: {} });
  t.after(() => pipeline.stop());
  const warnings = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
  assert.equal(warnings().length, 1, lines.join(''));
  assert.deepEqual(warnings()[0], {
    ...warnings()[0], file: path, duplicates: 4, first: ['10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32'],
  });
  assert.match(String(warnings()[0].msg), /repeats prefixes: the last line of each wins/);
  const named = pipeline.accountant.tables.named!;
  assert.equal(named.name(named.lookup4(0x0a000001)), 'c', 'the last line wins');
  assert.equal(named.name(named.lookup4(0xc0000201)), 'AS65500');

  assert.equal(await pipeline.reloadNetworks(), undefined);
  assert.equal(warnings().length, 1, 'an unchanged file is not re-read');
  writeFileSync(path, '10.0.0.0/8 a\n10.0.0.0/8 b\n');
  assert.equal(await pipeline.reloadNetworks(), undefined);
  assert.equal(warnings().length, 2);
  assert.deepEqual(warnings()[1].first, ['10.0.0.0/8']);
});

test('a reload that does not finish in time (here a FIFO without a writer) is given up and does not block the next one', async () => {
  const fifo = `${tmp.path}/networks.fifo`;
  execFileSync('mkfifo', [fifo]);
  const loader = new NetworksFileLoader({ timeoutMs: 500 });
  const hung = await loader.reload(fifo);
  assert.deepEqual(hung, { status: 'failed', error: `${fifo}: cannot load (no result after 0.5 s)` });
  const path = tmp.write('after-fifo.lst', Buffer.from('10.0.0.0/8 ok\n'));
  const next = await loader.reload(path);
  assert.equal(next.status === 'loaded' && next.trie.name(0), 'ok');
});
