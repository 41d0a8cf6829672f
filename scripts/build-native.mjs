// otelacct's install step (npm runs it at `npm ci` / `npm install`, after the dependencies):
//  1. builds otelacct's own addons (binding.gyp: src/native/packet_stats.c, kernel drop counts;
//     src/native/bpf_filter.c, libpcap's filter for --read --filter);
//  2. patches the `cap` addon's source (scripts/cap-patch.mjs: checked hunks, exact hashes before
//     and after; any other cap source fails here) and rebuilds it. The patch makes closed
//     captures safe to garbage-collect, turns off libpcap's immediate mode, ends a capture whose
//     interface went away instead of aborting, and passes the wire length and the snaplen.
//     (Earlier versions rebuilt cap with -U__linux__ -DNDEBUG instead; see docs/design-capture.md.)
// Both builds use npm's own node-gyp and honour npm_config_nodedir (see scripts/bootstrap.sh).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { patchCap } from './cap-patch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const which = spawnSync('sh', ['-c', 'command -v node-gyp'], { encoding: 'utf8' });
  if (which.status === 0) return [which.stdout.trim()];
  console.error('otelacct: install: node-gyp not found (run through npm, which bundles it)');
  process.exit(1);
}

function build(dir, extraEnv) {
  const [cmd, ...args] = nodeGyp();
  const r = spawnSync(cmd, [...args, 'rebuild'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...extraEnv } });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    console.error(`otelacct: install: building the native addon in ${dir} failed (status ${r.status}); is libpcap-dev installed?`);
    process.exit(1);
  }
}

build(root, {});
const capDir = dirname(require.resolve('cap/package.json'));
try {
  patchCap(capDir);
} catch (err) {
  console.error(`otelacct: install: ${err.message}`);
  process.exit(1);
}
build(capDir, {});
