import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../deploy/repo.ts';

// The documented bench/scrape.ts command runs and reports what it measured (small store here;
// the timing target is the bench's, not this test's).
for (const gzip of [false, true]) {
  test(`bench/scrape.ts${gzip ? ' --gzip' : ''} scrapes every series of its store`, () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/scrape.ts'), '--pairs', '3000', ...(gzip ? ['--gzip'] : [])], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { pairs: number; series: number; wireMB: number; bodyMB: number };
    assert.equal(out.pairs, 3000);
    assert.equal(out.series, 6000);
    if (gzip) assert.ok(out.wireMB < out.bodyMB / 5, `gzip: ${out.wireMB} MB on the wire for ${out.bodyMB} MB`);
  });
}
