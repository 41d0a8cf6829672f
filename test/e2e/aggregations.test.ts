import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { parseExposition, runOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

function writeConfig(name: string, lines: string[]): string {
  const p = join(tmp.path, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

test('three aggregations on one capture: per pair, per local host in/out, per site; sums agree', async () => {
  const networks = join(tmp.path, 'networks.lst');
  writeFileSync(networks, ['! sites', '10.1.0.0/16 fra1', '10.2.0.0/16 ams1', '2001:db8:1::/48 fra1', '65000,10.0.0.0/8'].join('\n') + '\n');
  const config = writeConfig('three.yaml', [
    'accounting:',
    '  localNetworks: [10.0.0.0/8, 2001:db8::/32]',
    `  networksFile: ${networks}`,
    'aggregations:',
    '  - name: traffic',
    '    dimensions: [source.address, destination.address]',
    '  - name: host',
    '    dimensions: [otelacct.local.address, network.io.direction]',
    '  - name: site',
    '    dimensions: [otelacct.local.network, network.io.direction]',
  ]);
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  const add = (src: string, dst: string, payload: number, n = 1) => {
    for (let i = 0; i < n; i++) w.add((src.includes(':') ? ethernetIPv6 : ethernetIPv4)({ src, dst, proto: 17, srcPort: 1, dstPort: 2, payloadLength: payload }));
  };
  add('192.0.2.1', '10.1.0.5', 72, 10); // receive 10.1.0.5: 10 x 100
  add('10.1.0.5', '192.0.2.1', 22, 4); // transmit 10.1.0.5: 4 x 50
  add('10.2.0.9', '10.1.0.5', 172); // internal: transmit 10.2.0.9, receive 10.1.0.5 (200)
  add('10.9.9.9', '198.51.100.1', 12); // transmit 10.9.9.9 (AS65000): 40
  add('2001:db8:1::7', '2a00::1', 52, 2); // transmit v6 fra1: 2 x 100
  add('192.0.2.1', '198.51.100.1', 32); // transit: 60
  const file = join(tmp.path, 'three.pcap');
  w.writeTo(file);

  const r = await runOtelacct(['--read', file, '-c', config]);
  assert.equal(r.code, 0, r.stderr);
  const expo = parseExposition(r.stdout);
  const total = 1000 + 200 + 200 + 40 + 200 + 60;
  const pairs = sumBy(expo, 'otelacct_traffic_bytes_total', ['source_address', 'destination_address']);
  assert.equal([...pairs.values()].reduce((a, b) => a + b, 0), total);
  const host = sumBy(expo, 'otelacct_host_bytes_total', ['otelacct_local_address', 'network_io_direction', 'otelacct_traffic_class']);
  assert.deepEqual(new Map([...host].sort()), new Map([
    [',,transit', 60],
    ['10.1.0.5,receive,inbound', 1000],
    ['10.1.0.5,receive,internal', 200],
    ['10.1.0.5,transmit,outbound', 200],
    ['10.2.0.9,transmit,internal', 200],
    ['10.9.9.9,transmit,outbound', 40],
    ['2001:db8:1::7,transmit,outbound', 200],
  ]));
  // Per host and direction, as the recording rules and `otelacct report` sum them: in and out
  // include the host's local-to-local traffic (pmacct's in/out), transit has no direction.
  assert.deepEqual(new Map([...sumBy(expo, 'otelacct_host_bytes_total', ['otelacct_local_address', 'network_io_direction'])].sort()), new Map([
    [',', 60],
    ['10.1.0.5,receive', 1200],
    ['10.1.0.5,transmit', 200],
    ['10.2.0.9,transmit', 200],
    ['10.9.9.9,transmit', 40],
    ['2001:db8:1::7,transmit', 200],
  ]));
  const site = sumBy(expo, 'otelacct_site_bytes_total', ['otelacct_local_network', 'network_io_direction', 'otelacct_traffic_class']);
  assert.deepEqual(new Map([...site].sort()), new Map([
    [',,transit', 60],
    ['AS65000,transmit,outbound', 40],
    ['ams1,transmit,internal', 200],
    ['fra1,receive,inbound', 1000],
    ['fra1,receive,internal', 200],
    ['fra1,transmit,outbound', 400],
  ]));
  const hostSum = [...host.values()].reduce((a, b) => a + b, 0);
  assert.equal(hostSum, total + 200, 'local/remote aggregation: total + internal traffic counted for both hosts');
});

test('cross-key config errors: one line each, before anything starts', async () => {
  const noLocal = writeConfig('nolocal.yaml', ['aggregations:', '  - name: host', '    dimensions: [otelacct.local.address, network.io.direction]']);
  let r = await runOtelacct(['--read', '/dev/null', '-c', noLocal]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'otelacct: aggregations (host): otelacct.local.address, network.io.direction need accounting.localNetworks (your networks, e.g. [10.0.0.0/8])\n');
  const mixed = writeConfig('mixed.yaml', ['aggregations:', '  - name: x', '    dimensions: [source.address, otelacct.remote.address]']);
  r = await runOtelacct(['--read', '/dev/null', '-c', mixed]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^otelacct: aggregations=.*entry 1 \(x\): dimensions: mixes source\/destination \(source.address\) with local\/remote \(otelacct.remote.address\)/);
  const badNet = join(tmp.path, 'bad.lst');
  writeFileSync(badNet, '10.0.0.0/8 ok\n10.0.0.1/8 oops\n');
  r = await runOtelacct(['--read', '/dev/null', '--networks-file', badNet, '--dimensions', 'otelacct.source.network']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^otelacct: .*bad\.lst:2: .*host bits set/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  r = await runOtelacct(['--read', '/dev/null', '--local-network', '10.0.0.0/33', '--dimensions', 'network.io.direction']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^otelacct: accounting.localNetworks entry 1: /);
});

test('per-aggregation cardinality limits: each aggregation overflows on its own, sums kept', async () => {
  const config = writeConfig('limits.yaml', [
    'aggregations:',
    '  - name: narrow',
    '    dimensions: [source.address]',
    '    cardinalityLimit: 5',
    '  - name: wide',
    '    dimensions: [source.address]',
  ]);
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 50; i++) w.add(ethernetIPv4({ src: `10.0.0.${i}`, dst: '10.0.1.1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 0 }));
  const file = join(tmp.path, 'limits.pcap');
  w.writeTo(file);
  const r = await runOtelacct(['--read', file, '-c', config]);
  assert.equal(r.code, 0, r.stderr);
  const series = (m: string) => [...parseExposition(r.stdout)].filter(([k]) => k.startsWith(`${m}{`));
  assert.equal(series('otelacct_narrow_bytes_total').length, 5);
  assert.equal(series('otelacct_wide_bytes_total').length, 50);
  for (const m of ['otelacct_narrow_bytes_total', 'otelacct_wide_bytes_total']) {
    assert.equal(series(m).reduce((a, [, v]) => a + v, 0), 50 * 28);
  }
});
