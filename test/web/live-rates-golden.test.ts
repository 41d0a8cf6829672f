import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import { HostFilter } from '../../src/web/host-filter.ts';
import type { Slot } from '../../src/web/slot.ts';
import { cidr } from '../support/accounting.ts';
import { ipv4Packet, ipv6Packet } from '../support/frames.ts';
import { Prng } from '../support/prng.ts';
import { Harness } from './rates-harness.ts';

/*
 * The page's output on a fixed, seeded input equals what the page produced before its sums moved
 * to typed arrays (test/fixtures/live-rates-golden.json, written by the Map-based implementation
 * with UPDATE_GOLDEN=1). Three host modes, IPv4 and IPv6, more hosts, pairs and remote talkers than
 * the open interval tracks (1024 here), hosts and pairs with more than MAX_SERVICES services,
 * and filters (prefix, text, a host: its peers).
 */
const FIXTURE = new URL('../fixtures/live-rates-golden.json', import.meta.url);
const PORTS = ['network.transport', 'source.port', 'destination.port'];
const CASES: Array<{ name: string; aggregations: AggregationConfig[]; local?: string[] }> = [
  { name: 'sides', aggregations: [{ name: 'traffic', dimensions: ['source.address', 'destination.address'] }] },
  { name: 'classified', aggregations: [{ name: 'traffic', dimensions: ['source.address', 'destination.address', ...PORTS] }], local: ['10.0.0.0/16', '2001:db8:1::/48'] },
  {
    name: 'local',
    aggregations: [
      { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction', 'network.transport', 'otelacct.local.port', 'otelacct.remote.port'] },
      { name: 'conv', dimensions: ['otelacct.local.address', 'otelacct.remote.address', 'network.io.direction'] },
      { name: 'peers', dimensions: ['otelacct.remote.prefix', 'network.io.direction'], prefixLength: { ipv4: 24, ipv6: 48 } },
    ],
    local: ['10.0.0.0/16', '2001:db8:1::/48'],
  },
];
const FILTERS = ['10.0.1.0/24', '10.0.0.7', '198.51.', '2001:db8:1::/48'];

function address(rng: Prng, v6: boolean, local: boolean, spread: number): string {
  const i = Math.floor(rng.unit() ** 3 * spread);
  if (v6) return `2001:db8:${local ? 1 : 2}::${(i >> 8).toString(16)}:${(i & 0xff).toString(16)}`;
  return local ? `10.0.${i >> 8}.${i & 0xff}` : `198.51.${(i >> 8) & 0xff}.${i & 0xff}`;
}

/** Every slot of `ticks` seconds of seeded traffic, page-wide and per filter, and the windows at the end. */
function run(c: (typeof CASES)[number]): unknown {
  const h = new Harness(c.aggregations, { local: c.local, topN: 5, maxFlows: 512, named: [cidr('198.51.0.0/20', 'AS64500')] });
  const rng = new Prng(7);
  const out: Array<{ slot: Slot; filtered: Slot[] }> = [];
  h.rates.subscribe((closed) => out.push({ slot: closed.slot, filtered: FILTERS.map((f) => closed.filtered(new HostFilter(f))) }));
  for (let tick = 0; tick < 4; tick++) {
    for (let k = 0; k < 6000; k++) {
      const v6 = rng.unit() < 0.2;
      const src = address(rng, v6, rng.unit() < 0.6, 2500);
      const dst = address(rng, v6, rng.unit() < 0.5, 2500);
      const proto = rng.unit() < 0.7 ? 6 : 17;
      const port = rng.unit() < 0.5 ? [22, 53, 80, 443, 123, 5432][rng.int(6)] : 1024 + rng.int(40);
      const spec = { src, dst, proto, srcPort: 40000 + rng.int(30), dstPort: port, payloadLength: rng.int(1200) };
      h.acc.add(v6 ? ipv6Packet(spec) : ipv4Packet(spec));
      if (k % 400 === 399) h.flush();
    }
    h.tick(1000);
  }
  return { slots: out, windows: FILTERS.map((f) => h.rates.window(new HostFilter(f))) };
}

test('the page lists the same hosts, pairs, remote talkers and services, with the same sums, as before its sums moved to typed arrays', () => {
  const got = Object.fromEntries(CASES.map((c) => [c.name, run(c)]));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(FIXTURE, `${JSON.stringify(got)}\n`);
  const want = JSON.parse(readFileSync(FIXTURE, 'utf8')) as typeof got;
  for (const c of CASES) assert.deepEqual(JSON.parse(JSON.stringify(got[c.name])), want[c.name], c.name);
});
