import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { inRepo, readRepo } from './repo.ts';

// sha256 of the Apache License 2.0 text as the ASF publishes it (https://www.apache.org/licenses/LICENSE-2.0.txt)
const APACHE_2_0_SHA256 = 'cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30';

test('LICENSE holds the full text of the license package.json names', () => {
  const pkg = JSON.parse(readRepo('package.json')) as { license: string };
  assert.equal(pkg.license, 'Apache-2.0');
  assert.ok(inRepo('LICENSE'), 'LICENSE exists (npm pack includes it)');
  const text = readRepo('LICENSE');
  assert.equal(createHash('sha256').update(text).digest('hex'), APACHE_2_0_SHA256, 'LICENSE is the unmodified Apache-2.0 text');
});
