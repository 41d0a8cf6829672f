import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import { EntryReader } from '../../src/web/entry-reader.ts';
import { chooseView } from '../../src/web/live-view.ts';
import { SlotAccumulator } from '../../src/web/slot.ts';
import { fewestYoungGcs } from '../support/allocation.ts';
import { ipv4Packet, ipv6Packet } from '../support/frames.ts';
import { Harness } from './rates-harness.ts';

const PORTS: AggregationConfig[] = [{ name: 'traffic', dimensions: ['source.address', 'destination.address', 'network.transport', 'source.port', 'destination.port'] }];

test('reading drained entries into the open interval allocates nothing per entry, tracked or not, nor per tracked row when intervals start over (a million pairs a second)', () => {
  // 65,536 distinct pairs and as many local hosts per flush: more than the 16,384 the open
  // interval tracks, so both the tracked and the untracked paths run.
  const h = new Harness(PORTS, { local: ['10.0.0.0/8', '2001:db8:1::/48'], maxFlows: 65536 });
  for (let i = 0; i < 65536; i++) {
    const spec = { src: `10.${i >> 16}.${(i >> 8) & 0xff}.${i & 0xff}`, dst: `198.51.${i & 0x3f}.${(i * 7) & 0xff}`, proto: 17, srcPort: 40000 + (i & 31), dstPort: [53, 443, 123][i % 3], payloadLength: i & 0x3ff };
    h.acc.add(i % 5 === 0 ? ipv6Packet({ ...spec, src: `2001:db8:1::${i.toString(16)}`, dst: `2001:db8:2::${(i >> 4).toString(16)}:${(i & 15).toString(16)}` }) : ipv4Packet(spec));
  }
  const table = h.acc.accountant.flowTables[0];
  assert.equal(table.size, 65536);
  // Warm up (JIT), then read the same drained table again and again: 50 × 65,536 entries (what
  // the page allocates once per drain, e.g. choosing its view, stays far below a collection).
  for (let i = 0; i < 5; i++) h.rates.drain(0, table);
  const gcs = fewestYoungGcs(() => {
    for (let i = 0; i < 50; i++) h.rates.drain(0, table);
  });
  assert.equal(gcs, 0, `young-generation collections while reading 3.3M entries: ${gcs}`);
  // A new interval tracks its rows again from scratch: that allocates nothing either (rows are
  // typed-array slots reused; text is made only for the rows listed at the close).
  const a = h.acc.accountant;
  const acc = new SlotAccumulator(16384);
  const reader = new EntryReader(chooseView(a.aggregations, a.tables), a.aggregations, a.tables, 'both');
  for (let i = 0; i < 5; i++) {
    reader.read(0, table, acc);
    acc.clear();
  }
  const rebuilt = fewestYoungGcs(() => {
    for (let i = 0; i < 50; i++) {
      reader.read(0, table, acc);
      acc.clear();
    }
  });
  assert.equal(rebuilt, 0, `young-generation collections over 50 intervals of 16,384 tracked hosts and pairs: ${rebuilt}`);
  const slot = h.tick(1000);
  assert.ok(slot.hosts.length > 0 && slot.pairs.length > 0 && slot.remotes.length > 0 && slot.services!.length > 0, 'everything was read');
  assert.equal(slot.otherHosts.inBytes + slot.otherHosts.outBytes + slot.hosts.reduce((s, x) => s + x.inBytes + x.outBytes, 0) > 0, true);
});
