import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ChunkedFile, PIPE_BYTES } from '../../src/capture/chunked-file.ts';
import { packetStatsAddon } from '../../src/capture/native-addon.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';

// Reading a pipe or FIFO (`tcpdump -w - | otelacct -r /dev/stdin`, `otelacct -r fifo`): it is
// widened to PIPE_BYTES, read on the thread pool, and never waited for synchronously.
const tmp = new TempDir();
after(() => tmp.dispose());

test('a FIFO is widened to PIPE_BYTES and read in one go what its writer wrote, then its end', async () => {
  const fifo = join(tmp.path, 'wide');
  execFileSync('mkfifo', [fifo]);
  // A read-write descriptor is a writer that does not wait for a reader to open.
  const writer = openSync(fifo, constants.O_RDWR);
  const file = ChunkedFile.open(fifo, 4 * 1024 * 1024);
  try {
    assert.equal(file.pipeCapacity, PIPE_BYTES);
    // 768 KiB in one write without a reader reading: it fits only in the widened pipe (at Linux's
    // default 64 KiB the write would wait for a reader and this test would hang).
    const data = Buffer.alloc(768 * 1024, 7);
    assert.equal(writeSync(writer, data), data.length);
    assert.equal(await file.refillAhead(data.length), true);
    assert.equal(file.available, data.length);
    closeSync(writer);
    file.start = file.end;
    assert.equal(await file.refillAhead(1), false);
    assert.equal(file.eof, true);
  } finally {
    await file.settle();
    file.close();
  }
});

test('a reader waiting on an idle pipe leaves the event loop free, and takes what arrives', async () => {
  const fifo = join(tmp.path, 'idle');
  execFileSync('mkfifo', [fifo]);
  const writer = openSync(fifo, constants.O_RDWR);
  const file = ChunkedFile.open(fifo);
  try {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const waiting = file.refillAhead(100);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(ticks >= 5, `timers ran while the pipe was empty (${ticks})`);
    writeSync(writer, Buffer.alloc(150, 1));
    assert.equal(await waiting, true);
    clearInterval(timer);
    assert.equal(file.available, 150, 'what the pipe held, not a whole chunk');
  } finally {
    closeSync(writer);
    await file.settle();
    file.close();
  }
});

test('a pipe its writer made bigger than PIPE_BYTES is left as big (never shrunk)', async (t) => {
  if (!skipUnless(t, { root: true })) return;
  const addon = packetStatsAddon();
  assert.equal(typeof addon, 'object', String(addon));
  // A bigger pipe than pipe-max-size needs CAP_SYS_RESOURCE: raise the limit for the test instead.
  const limitFile = '/proc/sys/fs/pipe-max-size';
  const limit = readFileSync(limitFile, 'utf8');
  writeFileSync(limitFile, String(8 * PIPE_BYTES));
  const fifo = join(tmp.path, 'big');
  execFileSync('mkfifo', [fifo]);
  const writer = openSync(fifo, constants.O_RDWR);
  try {
    const big = (addon as { pipeSize(fd: number, bytes: number): number }).pipeSize(writer, 4 * PIPE_BYTES);
    assert.equal(big, 4 * PIPE_BYTES);
    const file = ChunkedFile.open(fifo);
    assert.equal(file.pipeCapacity, big);
    await file.settle();
    file.close();
  } finally {
    closeSync(writer);
    writeFileSync(limitFile, limit);
  }
});
