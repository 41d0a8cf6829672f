import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipv4Packet, ipv6Packet } from '../support/frames.ts';
import { cidr, TestAccounting } from '../support/accounting.ts';
import { fewestYoungGcs } from '../support/allocation.ts';

const LOCAL = ['10.0.0.0/8', '2001:db8::/32'];
const v4 = (src: string, dst: string, payload = 0, srcPort = 1000, dstPort = 80) =>
  ipv4Packet({ src, dst, proto: 6, srcPort, dstPort, payloadLength: payload });

describe('direction and the local/remote sides', () => {
  const host = { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction'] };

  it('classifies receive, transmit and transit, each packet once (network.io.direction only receive/transmit, the class beside it)', () => {
    const t = new TestAccounting([host], { local: LOCAL });
    t.add(v4('192.0.2.1', '10.1.1.1', 60)); // receive: 100 bytes
    t.add(v4('10.1.1.1', '192.0.2.1', 10)); // transmit: 50
    t.add(v4('192.0.2.1', '198.51.100.1', 0)); // transit: 40
    assert.deepEqual(t.rows(0), new Map([
      ['{"otelacct.local.address":"10.1.1.1","network.io.direction":"receive","otelacct.traffic.class":"inbound"}', [100, 1]],
      ['{"otelacct.local.address":"10.1.1.1","network.io.direction":"transmit","otelacct.traffic.class":"outbound"}', [50, 1]],
      ['{"otelacct.traffic.class":"transit"}', [40, 1]],
    ]));
  });

  it('counts local-to-local traffic for both hosts by default (pmacct in/out), once with internalTraffic "once"; class internal either way', () => {
    const both = new TestAccounting([host], { local: LOCAL });
    both.add(v4('10.1.1.1', '10.2.2.2', 60));
    both.add(v4('10.1.1.1', '192.0.2.1', 10)); // the sender's outbound traffic stays a series of its own
    assert.deepEqual(both.rows(0), new Map([
      ['{"otelacct.local.address":"10.1.1.1","network.io.direction":"transmit","otelacct.traffic.class":"internal"}', [100, 1]],
      ['{"otelacct.local.address":"10.2.2.2","network.io.direction":"receive","otelacct.traffic.class":"internal"}', [100, 1]],
      ['{"otelacct.local.address":"10.1.1.1","network.io.direction":"transmit","otelacct.traffic.class":"outbound"}', [50, 1]],
    ]));
    assert.equal(both.accountant.internalBytes, 100);
    const once = new TestAccounting([host], { local: LOCAL, internalTraffic: 'once' });
    once.add(v4('10.1.1.1', '10.2.2.2', 60));
    assert.deepEqual(once.rows(0), new Map([['{"otelacct.local.address":"10.1.1.1","network.io.direction":"transmit","otelacct.traffic.class":"internal"}', [100, 1]]]));
  });

  it('IPv6 local networks and remote addresses', () => {
    const t = new TestAccounting([{ name: 'h', dimensions: ['otelacct.local.address', 'otelacct.remote.address', 'network.io.direction'] }], { local: LOCAL });
    t.add(ipv6Packet({ src: '2001:db8::5', dst: '2a00::1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 12 }));
    assert.deepEqual([...t.rows(0)], [['{"otelacct.local.address":"2001:db8::5","otelacct.remote.address":"2a00::1","network.io.direction":"transmit","otelacct.traffic.class":"outbound"}', [60, 1]]]);
  });

  it('a pair aggregation keeps source/destination and can carry the direction: none for internal and transit packets', () => {
    const t = new TestAccounting([{ name: 'p', dimensions: ['source.address', 'destination.address', 'network.io.direction'] }], { local: LOCAL });
    t.add(v4('10.1.1.1', '10.2.2.2'));
    t.add(v4('192.0.2.9', '10.2.2.2'));
    t.add(v4('10.2.2.2', '192.0.2.9'));
    t.add(v4('192.0.2.9', '198.51.100.1'));
    assert.deepEqual([...t.rows(0).keys()], [
      '{"source.address":"10.1.1.1","destination.address":"10.2.2.2","otelacct.traffic.class":"internal"}',
      '{"source.address":"192.0.2.9","destination.address":"10.2.2.2","network.io.direction":"receive","otelacct.traffic.class":"inbound"}',
      '{"source.address":"10.2.2.2","destination.address":"192.0.2.9","network.io.direction":"transmit","otelacct.traffic.class":"outbound"}',
      '{"source.address":"192.0.2.9","destination.address":"198.51.100.1","otelacct.traffic.class":"transit"}',
    ]);
  });

  it('the direction alone keeps every class apart: no two keys export the same attributes', () => {
    for (const internalTraffic of ['both', 'once'] as const) {
      for (const dimensions of [['network.io.direction'], ['otelacct.local.network', 'network.io.direction']]) {
        const named = [cidr('10.0.0.0/8', 'corp')];
        const t = new TestAccounting([{ name: 'd', dimensions }], { local: LOCAL, named, internalTraffic });
        t.add(v4('10.1.1.1', '10.2.2.2', 60)); // internal: 100
        t.add(v4('192.0.2.1', '10.1.1.1', 10)); // inbound: 50
        t.add(v4('10.1.1.1', '192.0.2.1', 0)); // outbound: 40
        t.add(v4('192.0.2.1', '198.51.100.1', 1)); // transit: 41
        const rows = t.rows(0);
        const sum = [...rows.values()].reduce((a, [b]) => a + b, 0);
        // Only a local/remote aggregation counts a local-to-local packet for both hosts.
        const twice = internalTraffic === 'both' && dimensions.length > 1;
        assert.equal(sum, twice ? 331 : 231, `${internalTraffic} ${dimensions}: ${[...rows.keys()].join(' ')}`);
        assert.equal(rows.size, twice ? 5 : 4, `${internalTraffic} ${dimensions}: ${[...rows.keys()].join(' ')}`);
        assert.equal(rows.size, t.accountant.flowTables[0].size, 'one attribute set per key');
        for (const k of rows.keys()) {
          const a = JSON.parse(k) as Record<string, string>;
          assert.ok(a['network.io.direction'] === undefined || ['receive', 'transmit'].includes(a['network.io.direction']), k);
          assert.ok(['inbound', 'outbound', 'internal', 'transit'].includes(a['otelacct.traffic.class']), k);
        }
      }
    }
  });
});

describe('prefixes, named networks, ports, sampling', () => {
  const named = [cidr('10.0.0.0/8', 'corp'), cidr('10.20.0.0/16', 'customer-a'), cidr('2001:db8:1::/48', 'site-fra1')];

  it('networks: longest match names the network; unmatched addresses get the fallback', () => {
    const t = new TestAccounting([{ name: 'n', dimensions: ['otelacct.source.network', 'otelacct.destination.network'] }], { named, fallback: 'elsewhere' });
    t.add(v4('10.20.3.4', '10.9.9.9'));
    t.add(v4('10.20.3.5', '10.9.9.8'));
    t.add(v4('192.0.2.1', '10.20.0.1'));
    t.add(ipv6Packet({ src: '2001:db8:1::1', dst: '2001:db8:2::1', proto: 58, payloadLength: 0 }));
    assert.deepEqual(t.rows(0), new Map([
      ['{"otelacct.source.network":"customer-a","otelacct.destination.network":"corp"}', [80, 2]],
      ['{"otelacct.source.network":"elsewhere","otelacct.destination.network":"customer-a"}', [40, 1]],
      ['{"otelacct.source.network":"site-fra1","otelacct.destination.network":"elsewhere"}', [48, 1]],
    ]));
  });

  it('prefix: the matched network, else the roll-up length, else 0.0.0.0/0 as pmacct', () => {
    const rolled = new TestAccounting([{ name: 'r', dimensions: ['otelacct.source.prefix'], prefixLength: { ipv4: 24, ipv6: 48 } }], { named });
    rolled.add(v4('10.20.3.4', '1.1.1.1'));
    rolled.add(v4('192.0.2.77', '1.1.1.1'));
    rolled.add(ipv6Packet({ src: '2a00:1:2:3::9', dst: '2a00::1', proto: 6, srcPort: 1, dstPort: 2 }));
    assert.deepEqual([...rolled.rows(0).keys()], [
      '{"otelacct.source.prefix":"10.20.0.0/16"}', '{"otelacct.source.prefix":"192.0.2.0/24"}', '{"otelacct.source.prefix":"2a00:1:2::/48"}',
    ]);
    const plain = new TestAccounting([{ name: 'r', dimensions: ['otelacct.source.prefix'] }], { named });
    plain.add(v4('192.0.2.77', '1.1.1.1'));
    assert.deepEqual([...plain.rows(0).keys()], ['{"otelacct.source.prefix":"0.0.0.0/0"}']);
  });

  it('ports: only the listed ports are kept, others roll up to 0', () => {
    const t = new TestAccounting([{ name: 'p', dimensions: ['destination.port'] }], { ports: [80, 443] });
    t.add(v4('1.1.1.1', '2.2.2.2', 0, 40000, 80));
    t.add(v4('1.1.1.1', '2.2.2.2', 0, 40001, 8080));
    t.add(v4('1.1.1.1', '2.2.2.2', 0, 40002, 8081));
    assert.deepEqual(t.rows(0), new Map([['{"destination.port":80}', [40, 1]], ['{"destination.port":0}', [80, 2]]]));
  });

  it('sampling 1 in N counts every Nth packet (the 1st, N+1th, ...) scaled by N', () => {
    const t = new TestAccounting([{ name: 's', dimensions: ['network.type'] }], { samplingRate: 4 });
    for (let i = 0; i < 10; i++) t.add(v4('1.1.1.1', '2.2.2.2', 60));
    assert.deepEqual(t.rows(0), new Map([['{"network.type":"ipv4"}', [1200, 12]]]));
    assert.equal(t.accountant.framesByInterface[t.ifIndex], 10);
  });

  it('three aggregations from one decode; no allocation per packet', () => {
    const t = new TestAccounting([
      { name: 'traffic', dimensions: ['source.address', 'destination.address', 'network.transport'] },
      { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction'] },
      { name: 'site', dimensions: ['otelacct.local.network', 'network.io.direction'] },
    ], { local: LOCAL, named, maxFlows: 1 << 16 });
    const packets = Array.from({ length: 512 }, (_, i) => v4(`10.20.${i % 7}.${i % 200}`, `192.0.${i % 3}.1`, i % 100));
    // Warm up until the per-packet path is optimised: interpreted code boxes doubles (heap
    // numbers), which is the JIT's doing, not the path's (on a loaded CI machine tier-up is late).
    for (let r = 0; r < 400; r++) for (let i = 0; i < packets.length; i++) t.add(packets[i]);
    // Index loops: a for-of iterator in the test loop itself may allocate.
    const gcs = fewestYoungGcs(() => {
      for (let r = 0; r < 2000; r++) for (let i = 0; i < packets.length; i++) t.add(packets[i]);
    });
    assert.equal(gcs, 0, `${gcs} garbage collections over 1M packets x 3 aggregations`);
    const total = t.accountant.totalBytes;
    assert.equal(t.sumBytes(0), total);
    assert.equal(t.sumBytes(1), total);
    assert.equal(t.sumBytes(2), total);
  });
});
