import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { TempDir } from '../support/read-capture.ts';
import { testDecoders } from '../support/test-flow-decoder.ts';

const tmp = new TempDir();
after(() => tmp.dispose());
const quiet = new Logger('error', () => {});
const config = (flags: string[]) => loadConfig(['--no-prometheus', '--netflow', '--netflow-host', '127.0.0.1', ...flags], {}).config;

test('SIGHUP: the interface names file is re-read (a bad one keeps the names in use); other flow keys need a restart and keep their running values', async (t) => {
  const names = join(tmp.path, 'names.txt');
  writeFileSync(names, '192.0.2.1 1 a\n');
  const p = await Pipeline.create(config(['--flow-interface-names-file', names]), quiet, { outputReader: false, env: {}, flowDecoders: testDecoders });
  t.after(() => p.stop());
  const first = p.accountant.interfaceNames;
  assert.equal(first?.size, 1);

  writeFileSync(names, '192.0.2.1 1 a\n192.0.2.1 2 b\n');
  let r = await p.reload(config(['--flow-interface-names-file', names]), undefined);
  assert.deepEqual(r, { applied: ['flow.interfaceNamesFile'], needRestart: [], errors: [] }, 'same path, new content: re-read');
  assert.equal(p.accountant.interfaceNames?.size, 2);

  writeFileSync(names, 'not a names line\n');
  const kept = p.accountant.interfaceNames;
  r = await p.reload(config(['--flow-interface-names-file', names]), undefined);
  assert.deepEqual(r.applied, []);
  assert.match(r.errors[0], /^flow\.interfaceNamesFile .*names\.txt: line 1: exporter "not" is not an IP address or \*$/);
  assert.equal(p.accountant.interfaceNames, kept);

  writeFileSync(names, '192.0.2.1 1 a\n');
  r = await p.reload(config(['--flow-interface-names-file', names, '--netflow-port', '9995', '--flow-max-exporters', '5']), undefined);
  assert.deepEqual(r, { applied: ['flow.interfaceNamesFile'], needRestart: ['flow.netflow.ports', 'flow.maxExporters'], errors: [] });
  r = await p.reload(config(['--flow-interface-names-file', names, '--netflow-port', '9995', '--flow-max-exporters', '5']), undefined);
  assert.deepEqual(r.needRestart, ['flow.netflow.ports', 'flow.maxExporters'], 'the running configuration kept the old values');
});
