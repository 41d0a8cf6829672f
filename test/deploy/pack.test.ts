import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { TempDir } from '../support/read-capture.ts';
import { ROOT } from './repo.ts';
// @ts-expect-error: a plain .mjs script without type declarations
import { PATCH_LEVEL } from '../../scripts/cap-patch.mjs';

/**
 * Environment for npm: the running node first on PATH (npm's scripts and node-gyp use it), and
 * the `cap` addon built against that node's headers when it ships them (as scripts/bootstrap.sh
 * does for the Node installed into .node/).
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  const nodeDir = resolve(process.execPath, '../..');
  if (existsSync(join(nodeDir, 'include/node/node.h'))) env.npm_config_nodedir = nodeDir;
  return env;
}

function run(command: string, args: string[], cwd: string, env = npmEnv()): string {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('npm pack builds a tarball whose otelacct bin installs and runs', { timeout: 300_000 }, () => {
  const tmp = new TempDir();
  try {
    // prepack runs `npm run build` (tsc -p tsconfig.build.json) into dist/
    run('npm', ['pack', '--pack-destination', tmp.path, '--loglevel=error'], ROOT);
    const tarballs = readdirSync(tmp.path).filter((f) => f.endsWith('.tgz'));
    assert.equal(tarballs.length, 1);
    const tarball = join(tmp.path, tarballs[0]);
    const listing = run('tar', ['-tzf', tarball], tmp.path).split('\n');
    for (const f of ['package/dist/src/cli.js', 'package/dist/src/report/report-cli.js', 'package/deploy/systemd/otelacct.service',
      'package/deploy/otelacct.yaml', 'package/deploy/networks.lst', 'package/README.md']) {
      assert.ok(listing.includes(f), `${f} is in the tarball`);
    }
    assert.ok(!listing.some((f) => f.endsWith('.ts') || f.startsWith('package/test/')), 'no TypeScript sources or tests');

    const prefix = join(tmp.path, 'prefix');
    run('npm', ['install', '--prefix', prefix, tarball, '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], tmp.path);
    const bin = join(prefix, 'node_modules/.bin/otelacct');
    const help = spawnSync(bin, ['--help'], { env: npmEnv(), encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: otelacct/);
    const report = spawnSync(bin, ['report', '--help'], { env: npmEnv(), encoding: 'utf8' });
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /^usage: otelacct report/);
    // the capture addon was built for this node, from otelacct's patched source (scripts/cap-patch.mjs)
    run(process.execPath, ['-e', `if (require("cap").otelacctPatch !== ${PATCH_LEVEL}) throw new Error("cap is not the patched build")`], join(prefix, 'node_modules/otelacct'));
  } finally {
    tmp.dispose();
  }
});
