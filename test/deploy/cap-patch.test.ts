// The install step's patch of the `cap` addon (scripts/cap-patch.mjs): exact, checked, idempotent.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { TempDir } from '../support/read-capture.ts';

interface CapPatch {
  PATCH_LEVEL: number;
  PRISTINE: string;
  PATCHED: string;
  HUNKS: [string, string][];
  patchSource(source: string): string;
  patchCap(dir: string): string;
}
const capPatch = (await import(new URL('../../scripts/cap-patch.mjs', import.meta.url).href)) as CapPatch;
const installed = readFileSync(join(dirname(createRequire(import.meta.url).resolve('cap/package.json')), 'src', 'binding.cc'), 'utf8');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** cap 0.2.1's own binding.cc, rebuilt from the installed (patched) one by undoing each hunk. */
function pristine(): string {
  let text = installed;
  for (const [before, after] of capPatch.HUNKS.toReversed()) text = text.replace(after, () => before);
  return text;
}

function capDir(tmp: TempDir, source: string): string {
  const dir = join(tmp.path, `cap-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'binding.cc'), source);
  return dir;
}

test('the installed cap is the patched source, and undoing the hunks gives cap 0.2.1 exactly', () => {
  assert.equal(sha256(installed), capPatch.PATCHED);
  assert.equal(sha256(pristine()), capPatch.PRISTINE);
  assert.equal(capPatch.patchSource(pristine()), installed);
});

test('patching cap 0.2.1 gives the patched source; a second run leaves it alone', (t) => {
  const tmp = new TempDir();
  t.after(() => tmp.dispose());
  const dir = capDir(tmp, pristine());
  assert.equal(capPatch.patchCap(dir), 'patched');
  assert.equal(readFileSync(join(dir, 'src', 'binding.cc'), 'utf8'), installed);
  assert.equal(capPatch.patchCap(dir), 'already patched');
});

test('a cap source other than 0.2.1 fails loudly, naming the file and both hashes, and is left unchanged', (t) => {
  const tmp = new TempDir();
  t.after(() => tmp.dispose());
  const changed = pristine().replace('pcap_set_timeout(obj->pcap_handle, 1000)', 'pcap_set_timeout(obj->pcap_handle, 100)');
  const dir = capDir(tmp, changed);
  assert.throws(() => capPatch.patchCap(dir), (err: Error) => {
    assert.match(err.message, /binding\.cc is not the source otelacct's patch was written for \(sha256 [0-9a-f]{64}, expected cap 0\.2\.1's [0-9a-f]{64}\)/);
    return true;
  });
  assert.equal(readFileSync(join(dir, 'src', 'binding.cc'), 'utf8'), changed);
  // Each hunk must match exactly once.
  assert.throws(() => capPatch.patchSource(pristine().replace('pcap_set_snaplen(obj->pcap_handle, 65535)', 'pcap_set_snaplen(obj->pcap_handle, 9000)')),
    /cap patch hunk 9 not found: "      if \(pcap_set_snaplen\(obj->pcap_handle, 65535\) != 0\)"/);
  assert.throws(() => capPatch.patchSource(`${pristine()}\n      Nan::Utf8String device(info[0]);\n`), /cap patch hunk 8 found more than once/);
});
