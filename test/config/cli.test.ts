import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { runOtelacct } from '../support/run-otelacct.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

test('otelacct --version prints "otelacct <package.json version>" and exits 0', async () => {
  const r = await runOtelacct(['--version']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, `otelacct ${pkg.version}\n`, '']);
});

test('the habits of tcpdump, node_exporter and old unit files, through the real CLI', async () => {
  const r = await runOtelacct(['--print-config', '-i', 'lo', '--port', '9464', '--web.listen-address', '[::1]:9465', '--web.config.file', '/x/web.yml', 'tcp', 'port', '443']);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as { capture: { filter: string }; accounting: { ports: number[] }; prometheus: { host: string; port: number; webConfigFile: string } };
  assert.deepEqual([c.capture.filter, c.accounting.ports, c.prometheus.host, c.prometheus.port, c.prometheus.webConfigFile], ['tcp port 443', [9464], '::1', 9465, '/x/web.yml']);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  const warning = JSON.parse(lines[0]) as Record<string, string>;
  assert.deepEqual([warning.level, warning.msg, warning.flag, warning.use], ['warn', 'deprecated flag --port: use --keep-port', '--port', '--keep-port']);
  assert.match(warning.note, /not the listen port/);

  const both = await runOtelacct(['--filter', 'udp', 'tcp', 'port', '443']);
  assert.deepEqual([both.code, both.stdout, both.stderr], [2, '', 'otelacct: capture.filter given twice: --filter "udp" and the trailing expression "tcp port 443"; give one of them\n']);
  const pmacctd = await runOtelacct(['-f', '/etc/passwd']);
  assert.equal(pmacctd.code, 2);
  assert.match(pmacctd.stderr, /^otelacct: -f "\/etc\/passwd": -f is the BPF filter \(--filter\) in otelacct, not the config file as in pmacctd; for a config file use -c or --config\n$/);
});

test('otelacct --read FILE tcp port 22: the trailing expression filters the packets as --filter does', async () => {
  const dir = new TempDir();
  after(() => dir.dispose());
  const w = new PcapWriter({ linkType: 1, snaplen: 65535 });
  w.add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 40000, dstPort: 22, payloadLength: 100 }));
  w.add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.3', proto: 17, srcPort: 40000, dstPort: 53, payloadLength: 10 }));
  const path = dir.write('two.pcap', w.toBuffer());
  const run = await runOtelacct(['--read', path, '--no-prometheus', 'tcp', 'port', '22']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /10\.0\.0\.2/);
  assert.doesNotMatch(run.stdout, /10\.0\.0\.3/);
  const bad = await runOtelacct(['--read', path, '--no-prometheus', 'tcp', 'prt', '22']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^otelacct: capture\.filter: "tcp prt 22": can't parse filter expression/);
});
