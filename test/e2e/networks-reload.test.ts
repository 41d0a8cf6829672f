import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VethNamespace } from '../support/netns.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

/** Sends `count` UDP datagrams of `size` payload bytes to host:port, one at a time. */
async function sendUdp(host: string, port: number, count: number, size: number): Promise<void> {
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(size, 7);
  for (let i = 0; i < count; i++) await new Promise<void>((r, j) => sock.send(payload, port, host, (e) => (e ? j(e) : r())));
  await new Promise<void>((r) => sock.close(() => r()));
}

test('SIGHUP reloads the networks file while capturing: earlier traffic keeps the old name, later the new; a bad file keeps the old table', async (t) => {
  if (!skipUnless(t, { tools: ['ip'], root: true })) return;
  const net = new VethNamespace(3);
  t.after(() => net.dispose());
  const networks = join(tmp.path, 'networks.lst');
  writeFileSync(networks, `${net.peerAddr}/32 before\n`);
  const config = join(tmp.path, 'otelacct.yaml');
  writeFileSync(config, [
    'accounting:',
    `  localNetworks: [${net.hostAddr}/32]`,
    `  networksFile: ${networks}`,
    'aggregations:',
    '  - name: peer',
    '    dimensions: [otelacct.remote.network, network.io.direction, network.transport]',
  ].join('\n') + '\n');
  const child = startOtelacct(['-c', config, '-i', net.hostIf, '--filter', 'udp', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);

  const udpBytes = (payload: number) => 20 + 8 + payload;
  const peers = async () => sumBy(parseExposition(await (await fetch(url)).text()), 'otelacct_peer_bytes_total', ['otelacct_remote_network', 'network_io_direction']);
  await sendUdp(net.peerAddr, 9, 10, 100);
  await waitFor('10 datagrams counted as "before"', async () => ((await peers()).get('before,transmit') === 10 * udpBytes(100) ? true : undefined), 10_000);

  writeFileSync(networks, `${net.peerAddr}/32 after\n`);
  child.kill('SIGHUP');
  await log.line(/"networks file reloaded"/);
  await sendUdp(net.peerAddr, 9, 5, 200);
  await waitFor('5 datagrams counted as "after"', async () => ((await peers()).get('after,transmit') === 5 * udpBytes(200) ? true : undefined), 10_000);
  assert.equal((await peers()).get('before,transmit'), 10 * udpBytes(100), 'earlier traffic keeps its name');

  writeFileSync(networks, `${net.peerAddr}/33 broken\n`);
  child.kill('SIGHUP');
  const failure = await log.line(/"reload: kept the previous setting"/);
  assert.match(failure, /networks\.lst:1: .*\/33.*prefix length/);
  await sendUdp(net.peerAddr, 9, 3, 50);
  await waitFor('3 more datagrams still counted as "after"', async () => ((await peers()).get('after,transmit') === 5 * udpBytes(200) + 3 * udpBytes(50) ? true : undefined), 10_000);
  assert.equal(await stop(child, 'SIGTERM'), 0);
});
