import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../deploy/repo.ts';

// The documented bench/sflow-decode.ts command runs and reports what it measured (a small run
// here; its throughput is the bench's to judge, not this test's).
test('bench/sflow-decode.ts decodes its datagrams in sequence and survives its fuzz run', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench/sflow-decode.ts'), '--agents', '50', '--datagrams', '500',
    '--seconds', '0.2', '--fuzz', '5000'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { decode: { samples: number; recordsCounted: number; lost: number; trackedStreams: number };
    fuzz: { datagrams: number; headersOutside: number; threw?: string } };
  assert.ok(out.decode.samples > 0);
  assert.equal(out.decode.recordsCounted, out.decode.samples);
  assert.equal(out.decode.lost, 0, 'renumbered datagrams are all in sequence');
  assert.equal(out.decode.trackedStreams, 50);
  assert.deepEqual([out.fuzz.datagrams, out.fuzz.headersOutside, out.fuzz.threw], [5000, 0, undefined]);
});
