import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ROOT } from '../deploy/repo.ts';
import { writePairsCapture } from '../support/pairs-capture.ts';
import { TempDir } from '../support/read-capture.ts';

// The shipped billing configuration with a per-host limit far below the capture's hosts: once the
// per-host store is full (its series never expire), the per-host table's gate stops the keys it
// will never admit and carries their packets in stand-ins (FlowTable.setGate). Every store must
// end exactly as without the gate (a pipeline whose tables a drain listener reads has none): same
// series in the same order, same counters, same overflow series. Where the per-host flow table
// itself fills between flushes (tables tiny against the per-host limit), which held hosts find
// room in it differs with the gate (it holds fewer keys, and is flushed at other times): their
// series may then hold more or less, the rest in the overflow series, with the same totals.
const tmp = new TempDir();
after(() => tmp.dispose());

const HOST_LIMIT = 300;

function config(maxFlows: number): string {
  const yaml = readFileSync(join(ROOT, 'deploy/otelacct.yaml'), 'utf8')
    .replace('cardinalityLimit: 20000', `cardinalityLimit: ${HOST_LIMIT}`)
    .replace('accounting:\n', `accounting:\n  maxFlows: ${maxFlows}\n`);
  assert.match(yaml, new RegExp(`cardinalityLimit: ${HOST_LIMIT}\\n`));
  const file = join(tmp.path, `otelacct-${maxFlows}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

interface StoreState {
  keys: number[];
  bytes: number[];
  packets: number[];
  overflow: [number, number];
}

/** Reads `file` `times` times into one pipeline, flushing after each read (a full flush closes the per-host store). */
async function read(file: string, gate: boolean, times: number, maxFlows: number): Promise<{ stores: StoreState[]; gated: boolean[] }> {
  const { config: c } = loadConfig(['--read', file, '--config', config(maxFlows), '--networks-file', join(ROOT, 'deploy/networks.lst'), '--otlp-endpoint', ''], {});
  const p = await Pipeline.create(c, new Logger('error'), { outputReader: true });
  try {
    if (!gate) p.traffic.onDrain(() => {});
    let gated: boolean[] = [];
    for (let n = 0; n < times; n++) {
      await p.readFile(file);
      gated = p.accountant.flowTables.map((t) => t.gated);
      await p.traffic.flush();
    }
    const stores = p.traffic.stores.map((s) => ({
      keys: [...s.keys.subarray(0, s.size * s.width)],
      bytes: [...s.bytes.subarray(0, s.size)],
      packets: [...s.packets.subarray(0, s.size)],
      overflow: [s.overflow.bytes, s.overflow.packets] as [number, number],
    }));
    return { stores, gated };
  } finally {
    await p.stop();
  }
}

// The first capture fills the pair table every few thousand packets (flushes while reading); the
// second repeats its pairs (per host derived from the pair table at the flush) and is read twice;
// the third flushes every 48 keys, so the per-host store fills over many flushes (a gate set
// before it is full would make stand-in series) and the small tables overflow.
const CASES = [
  ['1 packet or 2 per pair (the per-host table counted per packet)', 40_000, 1, 4096],
  ['pairs repeating (per host derived from the pair table)', 800, 2, 4096],
  ['tables of 64 keys (the per-host store fills over many flushes)', 40_000, 1, 64],
] as const;
for (const [name, pairs, times, maxFlows] of CASES) {
  test(`the per-host gate changes no store: ${name}`, async () => {
    const file = join(tmp.path, `pairs-${pairs}-${maxFlows}.pcap`);
    const truth = writePairsCapture({ file, packets: 60_000, pairs, seed: 5, hosts: 3000, ipv6Share: 0.3, vlanShare: 0.1, scanShare: 0.2 });
    const withGate = await read(file, true, times, maxFlows);
    const without = await read(file, false, times, maxFlows);
    assert.deepEqual(withGate.gated, [false, true, false], 'the per-host table got its gate');
    assert.deepEqual(without.gated, [false, false, false]);
    const names = ['traffic', 'host', 'site'];
    for (let i = 0; i < 3; i++) {
      const a = withGate.stores[i];
      const b = without.stores[i];
      assert.equal(a.keys.length, b.keys.length, `${names[i]}: series`);
      assert.deepEqual(a.keys, b.keys, `${names[i]}: keys and their order`);
      if (names[i] === 'host' && maxFlows < 4096) {
        const sum = (st: StoreState, f: 'bytes' | 'packets') => st[f].reduce((x, y) => x + y, 0) + st.overflow[f === 'bytes' ? 0 : 1];
        assert.equal(sum(a, 'bytes'), sum(b, 'bytes'), 'host: total bytes');
        assert.equal(sum(a, 'packets'), sum(b, 'packets'), 'host: total packets');
        continue;
      }
      assert.deepEqual(a.bytes, b.bytes, `${names[i]}: bytes`);
      assert.deepEqual(a.packets, b.packets, `${names[i]}: packets`);
      assert.deepEqual(a.overflow, b.overflow, `${names[i]}: overflow series`);
      const packets = a.packets.reduce((x, y) => x + y, 0) + a.overflow[1];
      assert.equal(packets, names[i] === 'traffic' ? truth.totalPackets * times : packets, `${names[i]}: every packet`);
    }
    assert.ok(withGate.stores[1].overflow[1] > truth.totalPackets / 4, 'the gate had keys to stop');
  });
}
