import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LimitedReadError, readLimited } from '../../src/config/read-limited.ts';
import { TempDir } from '../support/read-capture.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

const refused = (path: string, max: number, wait?: number) => {
  try {
    readLimited(path, max, wait);
  } catch (err) {
    assert.ok(err instanceof LimitedReadError, String(err));
    return err.message;
  }
  assert.fail(`${path} was read`);
};

test('regular files: whole up to the limit, refused past it without reading (a sparse 8 GiB file is instant)', () => {
  const path = join(tmp.path, 'ten');
  writeFileSync(path, '0123456789');
  assert.equal(readLimited(path, 10).toString(), '0123456789');
  assert.equal(refused(path, 9), 'larger than 9 bytes');
  truncateSync(path, 8 * 2 ** 30);
  const t0 = Date.now();
  assert.equal(refused(path, 1 << 20), 'larger than 1 MiB');
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(refused(join(tmp.path, 'absent'), 10), 'cannot read (ENOENT)');
  assert.equal(refused(tmp.path, 10), 'cannot read (EISDIR)');
});

test('devices and FIFOs: /dev/null is empty, /dev/zero is refused at the limit, a FIFO waits for data up to the limit in time', () => {
  assert.equal(readLimited('/dev/null', 10).length, 0);
  assert.equal(refused('/dev/zero', 1 << 20), 'larger than 1 MiB (read from a pipe or device)');
  const fifo = join(tmp.path, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const t0 = Date.now();
  assert.equal(refused(fifo, 100, 300), 'no data within 0.3 s (a FIFO nobody writes to?)');
  assert.ok(Date.now() - t0 < 3000);
});

test('a FIFO whose writer comes late and writes in pieces is read to its end', async () => {
  const fifo = join(tmp.path, 'late');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const writer = spawn('sh', ['-c', `sleep 0.3; { printf 'a:'; sleep 0.2; printf ' 1\\n'; } > ${fifo}`]);
  // readLimited blocks this thread; the writer is another process.
  assert.equal(readLimited(fifo, 100, 5000).toString(), 'a: 1\n');
  await new Promise((resolve) => writer.on('close', resolve));
});
