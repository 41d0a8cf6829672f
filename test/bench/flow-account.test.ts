import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../deploy/repo.ts';

// The documented bench/flow-account.ts command runs softflowd, decodes and accounts its NetFlow
// v9 and IPFIX datagrams, and says whether the totals equal the capture's (small capture here;
// the rate is the bench's, not this test's).
test('bench/flow-account.ts accounts softflowd v9 and IPFIX records exactly and reports their rate', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench/flow-account.ts'), '--pairs', '2000', '--packets', '8000', '--repeat', '2'], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { version: number; exact: boolean; records: number; softflowdRecords: number; recordsPerSecond: number });
  assert.deepEqual(lines.map((l) => l.version), [9, 10]);
  for (const l of lines) {
    assert.equal(l.exact, true, JSON.stringify(l));
    assert.equal(l.records, l.softflowdRecords, 'every record softflowd sent was accounted');
    assert.ok(l.recordsPerSecond > 0);
  }
});
