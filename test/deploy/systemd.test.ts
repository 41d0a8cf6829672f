import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TempDir } from '../support/read-capture.ts';
import { hasTool } from '../support/requirements.ts';
import { readRepo } from './repo.ts';

const unit = readRepo('deploy/systemd/otelacct.service');

/** Directives of the unit, by section: key -> values (in order). */
function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) {
      section = s[1];
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq)}`;
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

test('the systemd unit runs otelacct unprivileged with exactly the capture capabilities', () => {
  const d = directives(unit);
  const one = (k: string) => d.get(`Service.${k}`)?.join(' ');
  assert.equal(one('User'), 'otelacct');
  assert.equal(one('AmbientCapabilities'), 'CAP_NET_RAW CAP_NET_ADMIN');
  assert.equal(one('CapabilityBoundingSet'), 'CAP_NET_RAW CAP_NET_ADMIN');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one('Restart'), 'on-failure');
  assert.deepEqual(d.get('Service.Environment'), ['OTELACCT_CONFIG=/etc/otelacct/otelacct.yaml', 'OTEL_RESOURCE_ATTRIBUTES=service.instance.id=%H']);
  assert.match(one('ExecStart') ?? '', /^\/usr\/local\/bin\/otelacct\b/);
  assert.equal(d.get('Service.MemoryDenyWriteExecute'), undefined, 'V8 needs W+X memory');
  assert.match(one('RestrictAddressFamilies') ?? '', /\bAF_PACKET\b/, 'libpcap captures on AF_PACKET sockets');
  assert.ok(parseInt(one('TimeoutStopSec') ?? '90', 10) > 15, 'longer than otelacct\'s own 15 s stop deadline');
  assert.equal(d.get('Install.WantedBy')?.[0], 'multi-user.target');
});

test('systemd-analyze verify accepts the unit (where systemd is installed)', (t) => {
  if (!hasTool('systemd-analyze')) return t.skip('systemd-analyze is not installed (optional check)');
  const tmp = new TempDir();
  t.after(() => tmp.dispose());
  // The unit names /usr/local/bin/otelacct, which need not exist here; verify the rest.
  const path = join(tmp.path, 'otelacct.service');
  writeFileSync(path, unit.replace(/^ExecStart=\S+/m, 'ExecStart=/bin/true'));
  const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stderr.trim(), '', r.stderr);
});
