import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { fileWrite, isRegularFile } from '../../src/export/file-write.ts';
import type { Write } from '../../src/export/final-output.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ipv4Packet, ipv6Packet } from '../support/frames.ts';

function tempFile(): { path: string; fd: number; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-file-write-'));
  const path = join(dir, 'out');
  const fd = openSync(path, 'w');
  return { path, fd, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('fileWrite writes strings and lent byte chunks in call order, awaited or not; a chunk is the caller\'s again once its write settled', async () => {
  const f = tempFile();
  try {
    assert.equal(isRegularFile(f.fd), true);
    const write = fileWrite(f.fd, (err) => assert.fail(String(err)));
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
    const chunk = Buffer.from('lent\n');
    await write('head\n');
    await write(chunk);
    chunk.fill('#'); // the caller's again: must not change what was written
    // Not awaited: the writer keeps the order itself.
    const pending = [write(big), write('mid\n'), write(Buffer.from('tail\n'))];
    await Promise.all(pending);
    closeSync(f.fd);
    assert.equal(readFileSync(f.path, 'latin1'), `head\nlent\n${big.toString('latin1')}mid\ntail\n`);
  } finally {
    f.done();
  }
});

test('fileWrite reports a failed write once, then drops the rest', async () => {
  const f = tempFile();
  try {
    const errors: string[] = [];
    const write = fileWrite(f.fd, (err) => errors.push(err.code ?? err.message));
    closeSync(f.fd);
    await write(Buffer.from('a\n'));
    await write('b\n');
    await write(Buffer.from('c\n'));
    assert.deepEqual(errors, ['EBADF']);
    assert.equal(readFileSync(f.path, 'latin1'), '');
    assert.equal(isRegularFile(f.fd), false);
  } finally {
    f.done();
  }
});

/** The exposition of `p` written through `write`, its traffic lines (self-telemetry varies between collections). */
function trafficLines(text: string): string {
  return text.split('\n').filter((l) => l.startsWith('otelacct_traffic') || l.startsWith('# HELP otelacct_traffic')).join('\n');
}

test('the --read exposition is the same through a writer that holds each lent chunk until its promise settles, and through fileWrite', async () => {
  const { config } = loadConfig(['--cardinality-limit', '100000', '--no-web'], {});
  const p = await Pipeline.create(config, new Logger('error', () => {}), { outputReader: true });
  const f = tempFile();
  try {
    const v4 = ipv4Packet({ src: '10.0.0.1', dst: '198.51.100.1', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 100 });
    const v6 = ipv6Packet({ src: '2001:db8::1', dst: 'fd00::1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 30 });
    for (let i = 0; i < 30_000; i++) {
      const pkt = i % 3 === 0 ? v6 : v4;
      const at = i % 3 === 0 ? 20 : 14;
      pkt[at] = (i >>> 8) & 255;
      pkt[at + 1] = i & 255;
      p.accountant.packet(pkt, 0, pkt.length, pkt.length, LinkType.RAW, 0);
    }
    await p.traffic.flush();
    // Copies each chunk when called: the reference.
    let copied = '';
    await p.telemetry.writeOutput('prometheus', (chunk) => {
      copied += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    });
    // Reads each chunk only on a later turn of the event loop, as a write on another thread
    // does: a buffer reused before the write's promise settled would show here.
    let held = '';
    const holding: Write = (chunk) => new Promise((resolve) => setImmediate(() => {
      held += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      resolve();
    }));
    await p.telemetry.writeOutput('prometheus', holding);
    const heldWhenDone = held; // every chunk written when writeOutput resolves
    await p.telemetry.writeOutput('prometheus', fileWrite(f.fd, (err) => assert.fail(String(err))));
    closeSync(f.fd);
    const expected = trafficLines(copied);
    assert.equal(expected.split('\n').length, 2 * 30_000 + 2, 'every series of both metrics, and their HELP lines');
    assert.equal(trafficLines(heldWhenDone), expected);
    assert.equal(trafficLines(readFileSync(f.path, 'utf8')), expected);
  } finally {
    f.done();
    await p.stop();
  }
});
