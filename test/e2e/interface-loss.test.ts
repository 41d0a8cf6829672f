import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { VethNamespace } from '../support/netns.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';

async function sendUdp(host: string, count: number, size: number): Promise<void> {
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(size, 3);
  for (let i = 0; i < count; i++) await new Promise<void>((r, j) => sock.send(payload, 9, host, (e) => (e ? j(e) : r())));
  await new Promise<void>((r) => sock.close(() => r()));
}

test('an interface that disappears and comes back: no crash, reported, counting resumes', async (t) => {
  if (!skipUnless(t, { tools: ['ip'], root: true })) return;
  let net = new VethNamespace(5);
  t.after(() => net.dispose());
  const child = startOtelacct(['-i', net.hostIf, '--filter', 'udp', '--dimensions', 'destination.address,network.interface.name',
    '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);
  const scrape = async () => parseExposition(await (await fetch(url)).text());
  const bytesTo = async (dst: string) => sumBy(await scrape(), 'otelacct_traffic_bytes_total', ['destination_address']).get(dst) ?? 0;
  const up = async () => sumBy(await scrape(), 'otelacct_capture_interface_up', ['network_interface_name']).get(net.hostIf);

  await sendUdp(net.peerAddr, 5, 100);
  await waitFor('5 datagrams', async () => ((await bytesTo(net.peerAddr)) === 5 * 128 ? true : undefined));
  assert.equal(await up(), 1);

  execFileSync('ip', ['link', 'del', net.hostIf]);
  await log.line(/"interface lost; capture stopped until it is back".*"reason":"disappeared"/, 5_000);
  assert.equal(child.exitCode, null, 'still running');
  assert.equal(await up(), 0);

  net.dispose();
  net = new VethNamespace(5); // same names and addresses, new ifindex
  await log.line(/"interface back; capturing again"/, 5_000);
  await sendUdp(net.peerAddr, 3, 100);
  await waitFor('3 more datagrams after the interface came back', async () => ((await bytesTo(net.peerAddr)) === 8 * 128 ? true : undefined), 10_000);
  assert.equal(await up(), 1);

  execFileSync('ip', ['link', 'set', net.hostIf, 'down']);
  await log.line(/"reason":"went down"/, 5_000);
  execFileSync('ip', ['link', 'set', net.hostIf, 'up']);
  execFileSync('ip', ['addr', 'replace', `${net.hostAddr}/30`, 'dev', net.hostIf]);
  await waitFor('capturing again after down/up', async () => ((await up()) === 1 ? true : undefined), 10_000);
  await new Promise((r) => setTimeout(r, 300));
  await sendUdp(net.peerAddr, 2, 100);
  await waitFor('2 more datagrams after down/up', async () => ((await bytesTo(net.peerAddr)) === 10 * 128 ? true : undefined), 10_000);
  assert.equal(await stop(child, 'SIGTERM'), 0);
});
