import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import { HostFilter } from '../../src/web/host-filter.ts';
import type { Slot } from '../../src/web/slot.ts';
import { Harness, udpBytes } from './rates-harness.ts';

const PAIRS: AggregationConfig[] = [{ name: 'traffic', dimensions: ['source.address', 'destination.address', 'network.transport'] }];

test('rates come from the drained deltas: bytes × 8 / seconds since the previous close', () => {
  const h = new Harness(PAIRS, { local: ['10.0.0.0/24'] });
  h.udp('10.0.0.1', '198.51.100.7', 1000, 100); // out of 10.0.0.1
  h.udp('198.51.100.7', '10.0.0.1', 100, 10); // in to 10.0.0.1
  h.udp('10.0.0.2', '10.0.0.1', 72, 5); // internal: out of .2, in to .1
  h.udp('192.0.2.1', '192.0.2.2', 1, 3); // transit
  const s = h.tick(2000);
  assert.equal(s.seconds, 2);
  const total = 100 * udpBytes(1000) + 10 * udpBytes(100) + 5 * udpBytes(72) + 3 * udpBytes(1);
  assert.equal(s.bytes, total);
  assert.equal(s.packets, 118);
  assert.equal(s.bps, Math.round((total * 8) / 2));
  const host = (a: string) => s.hosts.find((x) => x.host === a);
  assert.deepEqual(host('10.0.0.1'), {
    host: '10.0.0.1', inBytes: 10 * udpBytes(100) + 5 * udpBytes(72), outBytes: 100 * udpBytes(1000),
    inBps: Math.round(((10 * udpBytes(100) + 5 * udpBytes(72)) * 8) / 2), outBps: 100 * udpBytes(1000) * 4,
  });
  assert.equal(host('10.0.0.2')?.outBytes, 5 * udpBytes(72));
  assert.equal(host('198.51.100.7'), undefined, 'remote hosts are not local hosts');
  assert.deepEqual(s.hosts.map((x) => x.host), ['10.0.0.1', '10.0.0.2'], 'sorted by in + out');
  assert.deepEqual(s.directions, { receive: 10 * udpBytes(100), transmit: 100 * udpBytes(1000), internal: 5 * udpBytes(72), transit: 3 * udpBytes(1) });
  const pair = s.pairs.find((p) => p.a === '10.0.0.1' && p.b === '198.51.100.7');
  assert.deepEqual([pair?.abBytes, pair?.baBytes], [100 * udpBytes(1000), 10 * udpBytes(100)], 'the local side first, both directions in one pair');
  assert.deepEqual(s.pairs.find((p) => p.b === '10.0.0.2'), { a: '10.0.0.1', b: '10.0.0.2', abBytes: 0, baBytes: 5 * udpBytes(72), abBps: 0, baBps: 5 * udpBytes(72) * 4 });

  // The next interval sees only what came after the first close, over its own length.
  h.udp('10.0.0.1', '198.51.100.7', 1000, 7);
  const n = h.tick(500);
  assert.equal(n.seconds, 0.5);
  assert.equal(n.bytes, 7 * udpBytes(1000));
  assert.deepEqual(n.hosts.map((x) => [x.host, x.outBps]), [['10.0.0.1', 7 * udpBytes(1000) * 16]]);
  // Several flushes in one interval add up (scrapes between two ticks).
  h.udp('10.0.0.1', '198.51.100.7', 1000, 3);
  h.clock += 300;
  h.flush();
  h.udp('10.0.0.1', '198.51.100.7', 1000, 2);
  const m = h.tick(700);
  assert.equal(m.seconds, 1);
  assert.equal(m.hosts[0].outBytes, 5 * udpBytes(1000));
  assert.equal(h.rates.closeSlot(), undefined, 'nothing drained since: no slot');
});

test('top N: each interval keeps the top N by in, by out and by total; the rest is summed as other', () => {
  const h = new Harness(PAIRS, { local: ['10.0.0.0/16'], topN: 3 });
  for (let i = 1; i <= 40; i++) h.udp(`10.0.0.${i}`, '198.51.100.1', 10 * i); // out grows with i
  for (let i = 1; i <= 40; i++) h.udp('198.51.100.1', `10.0.1.${i}`, 1000 - 10 * i); // in shrinks with i
  h.udp('10.0.0.2', '10.0.1.2', 1400); // 10.0.0.2 out, 10.0.1.2 in: neither in a top 3 alone
  const s = h.tick(1000);
  const names = s.hosts.map((x) => x.host);
  assert.ok(names.length <= 9, `at most 3N hosts: ${names.length}`);
  for (const want of ['10.0.0.40', '10.0.0.39', '10.0.1.1', '10.0.1.2', '10.0.0.2']) assert.ok(names.includes(want), `${want} kept: ${names}`);
  const inSum = s.hosts.reduce((a, x) => a + x.inBytes, 0) + s.otherHosts.inBytes;
  const outSum = s.hosts.reduce((a, x) => a + x.outBytes, 0) + s.otherHosts.outBytes;
  assert.equal(inSum, s.directions!.receive + s.directions!.internal);
  assert.equal(outSum, s.directions!.transmit + s.directions!.internal);
  assert.equal(s.pairs.length, 3);
  assert.equal(s.pairs.reduce((a, p) => a + p.abBytes + p.baBytes, 0) + s.otherPairs, s.bytes);
  const totals = s.hosts.map((x) => x.inBytes + x.outBytes);
  assert.deepEqual(totals, [...totals].sort((a, b) => b - a), 'hosts sorted by total');
});

test('a filtered interval ranks the hosts matching the filter among all of that second, not only the kept ones', () => {
  const h = new Harness(PAIRS, { local: ['10.0.0.0/8'], topN: 2 });
  const filtered: Slot[] = [];
  h.rates.subscribe((closed) => filtered.push(closed.filtered(new HostFilter('10.9.0.0/16'))));
  for (let i = 1; i <= 10; i++) h.udp(`10.1.0.${i}`, '198.51.100.1', 1000);
  h.udp('10.9.0.5', '198.51.100.1', 10);
  h.udp('10.9.0.6', '198.51.100.1', 20);
  h.udp('10.9.0.7', '198.51.100.1', 30);
  const s = h.tick(1000);
  assert.ok(!s.hosts.some((x) => x.host.startsWith('10.9.')), 'not in the page-wide top 2');
  assert.deepEqual(filtered[0].hosts.map((x) => x.host), ['10.9.0.7', '10.9.0.6']);
  assert.equal(filtered[0].otherHosts.outBytes, s.bytes - udpBytes(30) - udpBytes(20), 'other: everything not listed');
  assert.deepEqual(filtered[0].pairs.map((p) => p.a), ['10.9.0.7', '10.9.0.6']);
  assert.equal(filtered[0].bytes, s.bytes, 'totals stay page-wide');
  assert.deepEqual(h.rates.window(new HostFilter('10.1.0.1')).map((x) => x.hosts.map((y) => y.host)), [['10.1.0.1']], 'stored slots filter what they kept');
});

test('memory is bounded: windowSeconds of slots (at most 2 × windowSeconds), and the open interval caps its hosts', () => {
  const h = new Harness(PAIRS, { local: ['10.0.0.0/8'], topN: 5, windowSeconds: 10 });
  for (let i = 0; i < 100; i++) {
    h.udp(`10.0.${i}.1`, '198.51.100.1', 100);
    h.tick(1000);
  }
  const w = h.rates.window();
  assert.ok(w.length >= 9 && w.length <= 10, `about 10 one-second slots: ${w.length}`);
  assert.equal(w.at(-1)!.hosts[0].host, '10.0.99.1');
  for (let i = 0; i < 100; i++) {
    h.udp('10.0.0.1', '198.51.100.1', 100);
    h.tick(10);
  }
  assert.equal(h.rates.window().length, 20, 'short slots: capped at 2 × windowSeconds');
  h.clock += 60_000;
  assert.equal(h.rates.window().length, 0, 'old slots leave');

  // An address scan larger than the tracking cap: the extra hosts are summed in other.
  // (the cap is max(1024, maxFlows): 2048 here, against 5 flushes of 2000 new hosts each).
  const scan = new Harness(PAIRS, { local: ['10.0.0.0/8'], topN: 5, maxFlows: 2048 });
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 2000; i++) scan.udp(`10.${round}.${i >> 8}.${i & 255}`, '198.51.100.1', 1 + (i % 7));
    scan.flush();
  }
  const s = scan.tick(1000);
  assert.ok(s.hosts.length <= 15);
  assert.ok(s.otherHosts.outBytes > 0);
  assert.equal(s.hosts.reduce((a, x) => a + x.outBytes, 0) + s.otherHosts.outBytes, s.directions!.transmit, 'nothing lost');
});

test('local mode: a host aggregation (local address + direction) gives in/out; local-to-local traffic is counted for both hosts but once in pairs and in the split', () => {
  const aggs: AggregationConfig[] = [
    { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction'] },
    { name: 'conv', dimensions: ['otelacct.local.address', 'otelacct.remote.address', 'network.io.direction'] },
  ];
  const h = new Harness(aggs, { local: ['10.0.0.0/24'] });
  assert.equal(h.rates.view.hostMode, 'local');
  assert.equal(h.rates.view.pairAggregation, 1);
  h.udp('10.0.0.1', '10.0.0.2', 972, 2); // internal: 2000 bytes
  h.udp('198.51.100.1', '10.0.0.1', 472); // receive 500
  h.udp('10.0.0.2', '198.51.100.1', 72); // transmit 100
  h.udp('192.0.2.1', '192.0.2.2', 12); // transit 40
  const s = h.tick(1000);
  assert.deepEqual(s.hosts.map((x) => [x.host, x.inBytes, x.outBytes]), [['10.0.0.1', 500, 2000], ['10.0.0.2', 2000, 100]]);
  assert.deepEqual(s.directions, { receive: 500, transmit: 100, internal: 2000, transit: 40 });
  assert.equal(s.directions!.receive + s.directions!.transmit + s.directions!.internal + s.directions!.transit, s.bytes);
  assert.deepEqual(s.pairs.map((p) => [p.a, p.b, p.abBytes, p.baBytes]), [['10.0.0.1', '10.0.0.2', 2000, 0], ['10.0.0.1', '198.51.100.1', 0, 500], ['10.0.0.2', '198.51.100.1', 100, 0]]);

  const once = new Harness(aggs, { local: ['10.0.0.0/24'], internalTraffic: 'once' });
  once.udp('10.0.0.1', '10.0.0.2', 972, 2);
  const o = once.tick(1000);
  assert.deepEqual(o.hosts.map((x) => [x.host, x.inBytes, x.outBytes]), [['10.0.0.1', 0, 2000]], 'once: the sender only');
  assert.deepEqual(o.directions, { receive: 0, transmit: 0, internal: 2000, transit: 0 });
  assert.deepEqual(o.pairs.map((p) => [p.a, p.b, p.abBytes]), [['10.0.0.1', '10.0.0.2', 2000]]);
});

test('without local networks every source sends and every destination receives; without addresses only totals', () => {
  const h = new Harness(PAIRS);
  assert.equal(h.rates.view.hostMode, 'sides');
  assert.match(h.rates.meta.note, /No accounting\.localNetworks/);
  h.udp('192.0.2.1', '192.0.2.2', 72);
  const s = h.tick(1000);
  assert.deepEqual(s.hosts.map((x) => [x.host, x.inBytes, x.outBytes]), [['192.0.2.1', 0, 100], ['192.0.2.2', 100, 0]]);
  assert.equal(s.directions, null);
  assert.deepEqual(s.pairs.map((p) => [p.a, p.b, p.abBytes]), [['192.0.2.1', '192.0.2.2', 100]]);

  const none = new Harness([{ name: 'proto', dimensions: ['network.transport'] }], { local: ['10.0.0.0/8'] });
  assert.equal(none.rates.view.hostMode, 'none');
  none.udp('10.0.0.1', '192.0.2.2', 72);
  const n = none.tick(1000);
  assert.deepEqual([n.bytes, n.hosts, n.pairs], [100, [], []]);
});

test('without a page ticker a drain closes the interval itself once it is a second long', () => {
  const h = new Harness(PAIRS, { local: ['10.0.0.0/24'] });
  h.rates.closeOnDrain = true;
  const seen: Slot[] = [];
  h.rates.subscribe((c) => seen.push(c.slot));
  h.udp('10.0.0.1', '192.0.2.1', 72);
  h.clock += 400;
  h.flush();
  assert.equal(seen.length, 0, 'shorter than a second: kept open');
  h.udp('10.0.0.1', '192.0.2.1', 72);
  h.clock += 15_000;
  h.flush();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].seconds, 15.4);
  assert.equal(seen[0].hosts[0].outBytes, 200);
  assert.equal(h.rates.window().length, 1);
});

test('flow-table overflow is counted for the health badges', () => {
  const h = new Harness(PAIRS, { local: ['10.0.0.0/8'], maxFlows: 16 });
  for (let i = 0; i < 20; i++) h.udp(`10.0.0.${i}`, '192.0.2.1', 72);
  const s = h.tick(1000);
  assert.equal(s.health.flowTableOverflow, 4);
  assert.equal(h.rates.health().flowTableOverflow, 4);
});
