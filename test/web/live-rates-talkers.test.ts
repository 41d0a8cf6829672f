import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import { HostFilter } from '../../src/web/host-filter.ts';
import type { Slot } from '../../src/web/slot.ts';
import { cidr } from '../support/accounting.ts';
import { ipv6Packet } from '../support/frames.ts';
import { Harness, udpBytes } from './rates-harness.ts';

const PORTS: AggregationConfig[] = [{ name: 'traffic', dimensions: ['source.address', 'destination.address', 'network.transport', 'source.port', 'destination.port'] }];

test('services: per interval, per host and per pair from an aggregation that keeps ports and transport; the well-known port names the service', () => {
  const h = new Harness(PORTS, { local: ['10.0.0.0/24'] });
  assert.equal(h.rates.view.serviceAggregation, 0);
  assert.match(h.rates.meta.servicesNote, /per host and pair too/);
  h.udp('10.0.0.1', '198.51.100.7', 972, 10, 40000, 53); // domain, 10 000 bytes
  h.udp('198.51.100.7', '10.0.0.1', 472, 2, 53, 40000); // domain back, 1000
  h.udp('10.0.0.1', '198.51.100.8', 72, 30, 51000, 443); // https over UDP (QUIC), 3000
  h.udp('10.0.0.2', '198.51.100.8', 72, 5, 50001, 50002); // unnamed: the lower port, 500
  const s = h.tick(1000);
  assert.deepEqual(s.services, [
    { service: 'domain', transport: 'udp', port: 53, bytes: 11_000, bps: 88_000 },
    { service: 'https', transport: 'udp', port: 443, bytes: 3000, bps: 24_000 },
    { service: 'udp/50001', transport: 'udp', port: 50001, bytes: 500, bps: 4000 },
  ]);
  assert.equal(s.otherServices, 0);
  assert.deepEqual(s.hosts.map((x) => [x.host, x.services]), [['10.0.0.1', ['domain', 'https']], ['10.0.0.2', ['udp/50001']]]);
  assert.deepEqual(s.pairs.map((p) => [p.b, p.services]), [['198.51.100.7', ['domain']], ['198.51.100.8', ['https']], ['198.51.100.8', ['udp/50001']]]);

  // Filtered: the services of the matching hosts only.
  const f: Slot[] = [];
  h.rates.subscribe((c) => f.push(c.filtered(new HostFilter('10.0.0.2'))));
  h.udp('10.0.0.1', '198.51.100.7', 972, 1, 40000, 53);
  h.udp('10.0.0.2', '198.51.100.8', 72, 1, 40000, 22);
  h.tick(1000);
  assert.deepEqual(f[0].services!.map((x) => [x.service, x.bytes]), [['ssh', 100]]);
});

test('services: none when no aggregation keeps ports (the page says so); from another aggregation when the hosts\' keeps none', () => {
  const none = new Harness([{ name: 't', dimensions: ['source.address', 'destination.address', 'network.transport'] }], { local: ['10.0.0.0/24'] });
  none.udp('10.0.0.1', '198.51.100.7', 72);
  const n = none.tick(1000);
  assert.equal(n.services, null);
  assert.match(none.rates.meta.servicesNote, /^No aggregation keeps ports and transport/);
  assert.equal(n.hosts[0].services, undefined);

  const apart = new Harness([
    { name: 'pairs', dimensions: ['source.address', 'destination.address'] },
    { name: 'apps', dimensions: ['network.transport', 'destination.port'] },
  ], { local: ['10.0.0.0/24'] });
  assert.equal(apart.rates.view.serviceAggregation, 1);
  assert.match(apart.rates.meta.servicesNote, /not per host or pair/);
  apart.udp('10.0.0.1', '198.51.100.7', 72, 3, 40000, 123);
  const a = apart.tick(1000);
  assert.deepEqual(a.services!.map((x) => [x.service, x.bytes]), [['ntp', 300]]);
  assert.equal(a.hosts[0].services, undefined);
});

test('remote talkers: rolled up by prefix with the networks file\'s names (AS, customer), in = from them, out = to them', () => {
  const aggs: AggregationConfig[] = [
    { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction'] },
    { name: 'peers', dimensions: ['otelacct.remote.prefix', 'network.io.direction'], prefixLength: { ipv4: 24 } },
  ];
  const h = new Harness(aggs, { local: ['10.0.0.0/24'], named: [cidr('198.51.100.0/24', 'AS64500'), cidr('203.0.113.128/25', 'customer-b')] });
  assert.equal(h.rates.view.remoteAggregation, 1);
  assert.match(h.rates.meta.remotesNote, /rolled up by prefix/);
  h.udp('10.0.0.1', '198.51.100.7', 972, 3); // out 3000 to AS64500
  h.udp('198.51.100.9', '10.0.0.2', 472, 2); // in 1000 from AS64500
  h.udp('10.0.0.1', '203.0.113.200', 72, 1); // out 100 to customer-b (/25 from the file)
  h.udp('192.0.2.77', '10.0.0.1', 172, 4); // in 800, no name: rolled up to /24
  h.udp('10.0.0.1', '10.0.0.2', 72, 5); // internal: not a remote talker
  const s = h.tick(1000);
  assert.deepEqual(s.remotes, [
    { remote: '198.51.100.0/24', network: 'AS64500', inBytes: 1000, outBytes: 3000, inBps: 8000, outBps: 24_000 },
    { remote: '192.0.2.0/24', inBytes: 800, outBytes: 0, inBps: 6400, outBps: 0 },
    { remote: '203.0.113.128/25', network: 'customer-b', inBytes: 0, outBytes: 100, inBps: 0, outBps: 800 },
  ]);
  assert.deepEqual(s.otherRemotes, { inBytes: 0, outBytes: 0 });
});

test('remote talkers from a source/destination aggregation: the side outside the local networks; none without local networks', () => {
  const h = new Harness(PORTS, { local: ['10.0.0.0/24'], topN: 1, named: [cidr('198.51.100.0/24', 'AS64500')] });
  h.udp('10.0.0.1', '198.51.100.7', 972, 3);
  h.udp('198.51.100.7', '10.0.0.2', 472);
  h.udp('10.0.0.1', '192.0.2.1', 72);
  const s = h.tick(1000);
  assert.deepEqual(s.remotes, [{ remote: '198.51.100.7', network: 'AS64500', inBytes: 500, outBytes: 3000, inBps: 4000, outBps: 24_000 }]);
  assert.deepEqual(s.otherRemotes, { inBytes: 0, outBytes: 100 }, 'below the top 1');

  const sides = new Harness(PORTS);
  sides.udp('10.0.0.1', '198.51.100.7', 72);
  assert.deepEqual(sides.tick(1000).remotes, []);
  assert.match(sides.rates.meta.remotesNote, /No accounting\.localNetworks/);
});

test('a filter scopes the totals (in and out of the matching hosts and remotes) and lists the peers of the matching hosts', () => {
  const h = new Harness(PORTS, { local: ['10.0.0.0/24'] });
  const f: Slot[] = [];
  h.rates.subscribe((c) => f.push(c.filtered(new HostFilter('10.0.0.1')), c.filtered(new HostFilter('198.51.100.0/24'))));
  h.udp('10.0.0.1', '198.51.100.7', 972, 3);
  h.udp('192.0.2.5', '10.0.0.1', 472);
  h.udp('10.0.0.2', '198.51.100.8', 72, 2);
  const s = h.tick(2000);
  assert.equal(s.scope, null, 'page-wide: no scope');
  const [host, prefix] = f;
  assert.deepEqual(host.scope, { inBytes: 500, outBytes: 3000, inBps: 2000, outBps: 12_000 });
  assert.deepEqual(host.remotes.map((r) => [r.remote, r.inBytes, r.outBytes]), [['198.51.100.7', 0, 3000], ['192.0.2.5', 500, 0]]);
  assert.equal(host.bytes, s.bytes, 'the page-wide total stays as it is');
  assert.deepEqual(prefix.scope, { inBytes: 0, outBytes: 3200, inBps: 0, outBps: 12_800 }, 'a remote prefix: what we sent it');
  assert.deepEqual(prefix.remotes.map((r) => r.remote), ['198.51.100.7', '198.51.100.8']);
  // The stored window, filtered afterwards, scopes what its slots kept.
  assert.deepEqual(h.rates.window(new HostFilter('10.0.0.1')).map((x) => x.scope), [host.scope]);
});

test('reverse dns names of the listed addresses ride along in each slot; prefixes are not asked', () => {
  const asked: string[] = [];
  const h = new Harness(PORTS, { local: ['10.0.0.0/24'], resolve: (a) => { asked.push(a); return a === '198.51.100.7' ? 'www.example.net' : undefined; } });
  h.udp('10.0.0.1', '198.51.100.7', 72);
  const s = h.tick(1000);
  assert.deepEqual(s.names, { '198.51.100.7': 'www.example.net' });
  assert.deepEqual(new Set(asked), new Set(['10.0.0.1', '198.51.100.7']));
  assert.equal(udpBytes(72), 100);
});

test('remote talkers stay bounded under a scan (the rest summed, nothing lost); IPv6 remotes roll up to their prefix', () => {
  const aggs: AggregationConfig[] = [
    { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction'] },
    { name: 'peers', dimensions: ['otelacct.remote.address', 'network.io.direction'] },
  ];
  const scan = new Harness(aggs, { local: ['10.0.0.0/8'], topN: 5, maxFlows: 2048 });
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 2000; i++) scan.udp('10.0.0.1', `198.${round}.${i >> 8}.${i & 255}`, 1 + (i % 7));
    scan.flush();
  }
  const s = scan.tick(1000);
  assert.equal(s.remotes.length, 5);
  assert.ok(s.otherRemotes.outBytes > 0);
  assert.equal(s.remotes.reduce((a, r) => a + r.outBytes, 0) + s.otherRemotes.outBytes, s.directions!.transmit, 'nothing lost');

  const v6 = new Harness([{ name: 'peers', dimensions: ['otelacct.remote.prefix', 'network.io.direction'], prefixLength: { ipv6: 48 } }], { local: ['2001:db8:1::/48'] });
  const p = ipv6Packet({ src: '2001:db8:1::5', dst: '2001:db8:ffff:42::9', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 52 });
  v6.acc.add(p);
  const r = v6.tick(1000);
  assert.deepEqual(r.remotes.map((x) => [x.remote, x.outBytes]), [['2001:db8:ffff::/48', 100]]);
  assert.equal(new HostFilter(r.remotes[0].remote).matches('2001:db8:ffff:42::9'), true, 'a clicked IPv6 prefix filters its addresses');
});
