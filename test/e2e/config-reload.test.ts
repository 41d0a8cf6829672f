import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { VethNamespace } from '../support/netns.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

async function sendUdp(host: string, port: number, count: number): Promise<void> {
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(72, 5);
  for (let i = 0; i < count; i++) await new Promise<void>((r, j) => sock.send(payload, port, host, (e) => (e ? j(e) : r())));
  await new Promise<void>((r) => sock.close(() => r()));
}

test('SIGHUP reloads the configuration: live keys applied, others reported as needing a restart, a bad file keeps the old one; counts carry on', async (t) => {
  if (!skipUnless(t, { tools: ['ip'], root: true })) return;
  const net = new VethNamespace(6);
  t.after(() => net.dispose());
  const config = join(tmp.path, 'otelacct.yaml');
  const write = (filter: string, limit: number, extra = '') => writeFileSync(config, [
    'capture:', `  interfaces: [${net.hostIf}]`, `  filter: "${filter}"`,
    'accounting:', '  dimensions: [destination.address, destination.port]',
    'export:', `  cardinalityLimit: ${limit}`,
    'prometheus:', '  host: 127.0.0.1', '  port: 0', extra,
  ].join('\n') + '\n');
  write('udp and dst port 9', 1000);
  const child = startOtelacct(['-c', config]);
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);
  const byPort = async () => sumBy(parseExposition(await (await fetch(url)).text()), 'otelacct_traffic_packets_total', ['destination_port']);

  await sendUdp(net.peerAddr, 9, 4);
  await sendUdp(net.peerAddr, 10, 4);
  await waitFor('port 9 counted', async () => ((await byPort()).get('9') === 4 ? true : undefined));
  assert.equal((await byPort()).get('10'), undefined, 'port 10 filtered out');

  write('udp', 5000);
  child.kill('SIGHUP');
  const reloaded = await log.line(/"configuration reloaded"/);
  assert.deepEqual((JSON.parse(reloaded) as { applied: string[] }).applied, ['capture.filter']);
  const restart = await log.line(/need a restart/);
  assert.deepEqual((JSON.parse(restart) as { keys: string[] }).keys, ['export.cardinalityLimit']);
  await sendUdp(net.peerAddr, 10, 3);
  await waitFor('port 10 counted after the filter changed', async () => ((await byPort()).get('10') === 3 ? true : undefined));
  assert.equal((await byPort()).get('9'), 4, 'earlier counts kept');

  writeFileSync(config, 'capture:\n  filter: [broken\n');
  child.kill('SIGHUP');
  const failed = await log.line(/"configuration reload failed; keeping the running configuration"/);
  assert.match(failed, /line \d+/);
  await sendUdp(net.peerAddr, 9, 2);
  await waitFor('still counting with the running configuration', async () => ((await byPort()).get('9') === 6 ? true : undefined));
  assert.equal(await stop(child, 'SIGTERM'), 0);
});

test('SIGHUP with a file of the wrong shape is one log line and the meter keeps running (no root needed)', async (t) => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 10; i++) w.add(ethernetIPv4({ src: '10.9.0.1', dst: '10.9.0.2', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 10 }));
  const pcap = tmp.write('reload.pcap', w.toBuffer());
  const config = join(tmp.path, 'shape.yaml');
  writeFileSync(config, 'log:\n  level: info\n');
  const child = startOtelacct(['-c', config, '--read', pcap, '--serve', '--output', 'none', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  const failures = () => log.text.split('\n').filter((l) => l.includes('"configuration reload failed; keeping the running configuration"'));
  const bad = ['capture: 5\n', 'capture: null\n', 'aggregations: "x"\n', 'otlp: [1]\n', 'prometheus:\n  enabled: "no"\n', 'capture:\n  interfaces: {a: null}\n'];
  for (const [i, text] of bad.entries()) {
    writeFileSync(config, text);
    child.kill('SIGHUP');
    await waitFor(`reload ${i + 1} refused`, () => (failures().length === i + 1 ? true : undefined));
    const error = (JSON.parse(failures()[i]) as { error: string }).error;
    assert.doesNotMatch(error, /\n|override its parent|cannot load/, error);
  }
  writeFileSync(config, 'log:\n  level: debug\n');
  child.kill('SIGHUP');
  assert.deepEqual((JSON.parse(await log.line(/"configuration reloaded"/)) as { applied: string[] }).applied, ['log.level']);
  assert.equal((await fetch(url)).status, 200, 'still serving');
  assert.equal(child.exitCode, null);
  assert.doesNotMatch(log.text, /TypeError|internal error/);
  assert.equal(await stop(child, 'SIGTERM'), 0);
});
