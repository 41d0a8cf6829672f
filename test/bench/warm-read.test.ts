import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from '../deploy/repo.ts';
import { writePairsCapture } from '../support/pairs-capture.ts';
import { TempDir } from '../support/read-capture.ts';

// bench/warm-read.ts, the billing scenario's steady state, on a small generated capture with the
// shipped billing configuration: each of its reads goes into a fresh pipeline and accounts every
// generated packet and byte (the timing is the bench's, not this test's).
const tmp = new TempDir();
after(() => tmp.dispose());

const BILLING = ['--config', join(ROOT, 'deploy/otelacct.yaml'), '--networks-file', join(ROOT, 'deploy/networks.lst'), '--otlp-endpoint', ''];

function warmRead(args: string[]): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--max-semi-space-size=2', join(ROOT, 'bench/warm-read.ts'), ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('bench/warm-read.ts reads the capture into a fresh pipeline each time, every packet counted each time', () => {
  const file = join(tmp.path, 'pairs.pcap');
  const truth = writePairsCapture({ file, packets: 30_000, pairs: 20_000, seed: 3, hosts: 500, ipv6Share: 0.3, vlanShare: 0.1, scanShare: 0.1 });
  const r = warmRead([file, '3', ...BILLING]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { cpu: number[]; packets: number[]; bytes: number[] };
  assert.equal(out.cpu.length, 3);
  for (const cpu of out.cpu) assert.ok(cpu > 0, `CPU of a read: ${cpu}`);
  // A pipeline kept from one read to the next would count the capture twice.
  assert.deepEqual(out.packets, [truth.totalPackets, truth.totalPackets, truth.totalPackets]);
  assert.deepEqual(out.bytes, [truth.totalBytes, truth.totalBytes, truth.totalBytes]);
});

test('bench/warm-read.ts without a capture or a read count prints its usage and exits 2', () => {
  for (const args of [[], ['x.pcap'], ['x.pcap', '0']]) {
    const r = warmRead(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^usage: .*bench\/warm-read\.ts <pcap> <reads ≥ 1>/);
  }
});

test('bench/warm-read.ts says in one line why a capture or a flag is unusable, without a stack trace', () => {
  const junk = join(tmp.path, 'junk.pcap');
  writeFileSync(junk, Buffer.alloc(100, 0x5a));
  for (const [file, what] of [[join(tmp.path, 'missing.pcap'), /missing\.pcap: cannot open \(ENOENT\)/], [junk, /junk\.pcap: /]] as const) {
    const r = warmRead([file, '2']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^warm-read: /);
    assert.match(r.stderr, what);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '', 'no figures for a read that failed');
  }
  const bad = warmRead([junk, '2', '--no-such-flag']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /^warm-read: .*no-such-flag/);
});

function pairedAb(args: string[]): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(ROOT, 'bench/paired-ab.ts'), ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('bench/paired-ab.ts compares two checkouts in paired rounds (here the same one twice)', () => {
  const file = join(tmp.path, 'pairs-ab.pcap');
  writePairsCapture({ file, packets: 20_000, pairs: 10_000, seed: 4, hosts: 300, ipv6Share: 0.3, vlanShare: 0.1, scanShare: 0.1 });
  const r = pairedAb(['2', ROOT, ROOT, file, ...BILLING]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { a: number; b: number; change: number; changes: number[] };
  assert.equal(out.changes.length, 2);
  assert.ok(out.a > 0 && out.b > 0, r.stdout);
  assert.ok(Math.abs(out.change - (out.changes[0] + out.changes[1]) / 2) <= 0.1 + 1e-9, `the median of two rounds is their mean: ${r.stdout}`);
  assert.equal(r.stderr.match(/^paired-ab: round \d\/2: A [\d.]+ s, B [\d.]+ s, [+-][\d.]+ %/gm)?.length, 2, r.stderr);
});

test('bench/paired-ab.ts with missing arguments or a directory that is no checkout exits 2 and says why', () => {
  for (const args of [[], ['0', ROOT, ROOT, 'x.pcap'], ['2', ROOT, ROOT]]) {
    const r = pairedAb(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^usage: node bench\/paired-ab\.ts <rounds ≥ 1>/);
  }
  const r = pairedAb(['1', ROOT, tmp.path, 'x.pcap']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /has no bench\/warm-read\.ts/);
  const missing = pairedAb(['1', ROOT, ROOT, join(tmp.path, 'missing.pcap')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^paired-ab: .*: warm-read failed \(exit 1\): warm-read: .*missing\.pcap: cannot open \(ENOENT\)$/m);
});
