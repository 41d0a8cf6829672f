import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { parseExposition, parseLabels, runOtelacct } from '../support/run-otelacct.ts';
import { CONTRACT_LABELS, CONTRACT_METRICS, DIRECTIONS, TRAFFIC_CLASSES } from './contract.ts';
import { readRepo, repoPath } from './repo.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

/**
 * deploy/otelacct.yaml with the networks file taken from the repository instead of /etc, and,
 * with `offline`, no OTLP endpoint (nothing listens on it here).
 */
function deployConfig(offline = false): string {
  const config = parse(readRepo('deploy/otelacct.yaml')) as { accounting: { networksFile: string }; otlp: { endpoint: string } };
  assert.equal(config.accounting.networksFile, '/etc/otelacct/networks.lst');
  config.accounting.networksFile = repoPath('deploy/networks.lst');
  if (offline) config.otlp.endpoint = '';
  const path = join(tmp.path, 'otelacct.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

test('deploy/otelacct.yaml is a valid config with the traffic, host and site aggregations', async () => {
  const r = await runOtelacct(['--print-config', '-c', deployConfig()]);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(r.stdout) as { aggregations: Array<{ name: string; dimensions: string[] }>; otlp: { endpoint: string } };
  assert.deepEqual(config.aggregations.map((a) => [a.name, a.dimensions]), [
    ['traffic', ['source.address', 'destination.address', 'network.type', 'network.transport', 'network.interface.name']],
    ['host', ['otelacct.local.address', 'network.io.direction']],
    ['site', ['otelacct.local.network', 'network.io.direction']],
  ]);
});

test('with deploy/otelacct.yaml otelacct exports the series the rules, dashboard and report read', async () => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  w.add(ethernetIPv4({ src: '192.168.1.20', dst: '198.51.100.7', proto: 6, payloadLength: 100 })); // out of lan-192
  w.add(ethernetIPv4({ src: '198.51.100.7', dst: '192.168.1.20', proto: 6, payloadLength: 200 })); // into it
  w.add(ethernetIPv6({ src: 'fd00::5', dst: '2001:db8::1', proto: 17, payloadLength: 12 })); // out of ula
  w.add(ethernetIPv4({ src: '198.51.100.7', dst: '203.0.113.9', proto: 17, payloadLength: 10 })); // transit
  w.add(ethernetIPv4({ src: '192.168.1.20', dst: '10.0.0.1', proto: 17, payloadLength: 2 })); // internal: out of .20, into 10.0.0.1
  const pcap = tmp.write('deploy.pcap', w.toBuffer());
  const r = await runOtelacct(['-c', deployConfig(true), '--read', pcap, '--no-prometheus']);
  assert.equal(r.code, 0, r.stderr);
  const series = [...parseExposition(r.stdout)].map(([s, v]) => ({ ...parseLabels(s), value: v }));
  const value = (name: string, labels: Record<string, string>) =>
    series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  const host = (address: string, direction: string, cls: string) =>
    value('otelacct_host_bytes_total', { otelacct_local_address: address, network_io_direction: direction, otelacct_traffic_class: cls });
  assert.equal(host('192.168.1.20', 'transmit', 'outbound'), 140);
  assert.equal(host('192.168.1.20', 'receive', 'inbound'), 240);
  assert.equal(host('192.168.1.20', 'transmit', 'internal'), 30);
  assert.equal(host('10.0.0.1', 'receive', 'internal'), 30);
  assert.equal(host('fd00::5', 'transmit', 'outbound'), 60);
  assert.equal(value('otelacct_site_bytes_total', { otelacct_local_network: 'lan-192', network_io_direction: 'receive', otelacct_traffic_class: 'inbound' }), 240);
  assert.equal(value('otelacct_site_bytes_total', { otelacct_local_network: 'ula', network_io_direction: 'transmit', otelacct_traffic_class: 'outbound' }), 60);
  const transit = series.filter((s) => s.name === 'otelacct_host_bytes_total' && s.labels.otelacct_traffic_class === 'transit');
  assert.deepEqual(transit.map((s) => [s.labels.network_io_direction, s.labels.otelacct_local_address, s.value]), [[undefined, undefined, 38]], 'transit: no host, no direction');
  assert.equal(value('otelacct_traffic_bytes_total', { source_address: '198.51.100.7', destination_address: '192.168.1.20' }), 240);
  assert.equal(value('target_info', { service_name: 'otelacct', site: 'demo' }), 1);

  // Everything exported that the deployment files may name is in the contract, label by label.
  for (const s of series.filter((x) => /^otelacct_(traffic|host|site)_/.test(x.name))) {
    assert.ok(CONTRACT_METRICS.has(s.name), s.name);
    for (const l of Object.keys(s.labels)) assert.ok(CONTRACT_LABELS.has(l), `${s.name}: label ${l}`);
    if (s.labels.network_io_direction) assert.ok(DIRECTIONS.has(s.labels.network_io_direction), s.labels.network_io_direction);
    if (s.labels.otelacct_traffic_class) assert.ok(TRAFFIC_CLASSES.has(s.labels.otelacct_traffic_class), s.labels.otelacct_traffic_class);
  }
});
