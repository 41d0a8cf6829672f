/**
 * Pipeline.reload (SIGHUP) keeps, per key, the values it could not apply: a key that needs a
 * restart keeps its old value while the other keys of its section take their new ones, so the
 * running configuration always says what the tables use.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';

const quiet = new Logger('error', () => {});
const config = (flags: string[]) => loadConfig(['--no-prometheus', '--read', 'x.pcap', ...flags], {}).config;
const A = ['--local-network', '10.1.0.0/16'];
const B = ['--local-network', '10.2.0.0/16'];

test('a reload that changes localNetworks with a restart-only key applies the networks and keeps only that key', async (t) => {
  const p = await Pipeline.create(config([...A, '--max-flows', '1024']), quiet, { outputReader: true, env: {} });
  t.after(() => p.stop());
  const local = (addr: number) => p.accountant.tables.local!.lookup4(addr) >= 0;

  let r = await p.reload(config([...B, '--max-flows', '2048']), undefined);
  assert.deepEqual(r, { applied: ['accounting.localNetworks'], needRestart: ['accounting.maxFlows'], errors: [] });
  assert.ok(local(0x0a020005) && !local(0x0a010005), 'tables use B');

  r = await p.reload(config([...A, '--max-flows', '1024']), undefined);
  assert.deepEqual(r, { applied: ['accounting.localNetworks'], needRestart: [], errors: [] }, 'A is a change from B');
  assert.ok(local(0x0a010005) && !local(0x0a020005), 'tables use A again');

  r = await p.reload(config([...A, '--max-flows', '2048', '--network-fallback', 'other']), undefined);
  assert.deepEqual(r.needRestart, ['accounting.maxFlows', 'accounting.networkFallback']);
  r = await p.reload(config([...A, '--max-flows', '1024']), undefined);
  assert.deepEqual(r, { applied: [], needRestart: [], errors: [] }, 'nothing changed from what runs');
});

test('a local network list that fails to load leaves the running value, so the next reload retries it', async (t) => {
  const p = await Pipeline.create(config(A), quiet, { outputReader: true, env: {} });
  t.after(() => p.stop());
  // Passes the schema's syntax check, fails in the table builder (host bits set).
  let r = await p.reload(config(['--local-network', '10.2.0.1/16']), undefined);
  assert.equal(r.errors.length, 1);
  assert.deepEqual(r.applied, []);
  r = await p.reload(config(['--local-network', '10.2.0.1/16']), undefined);
  assert.equal(r.errors.length, 1, 'still reported: the running config kept A');
  r = await p.reload(config(A), undefined);
  assert.deepEqual(r, { applied: [], needRestart: [], errors: [] });
});
