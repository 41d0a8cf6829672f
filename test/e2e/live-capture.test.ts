import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VethNamespace } from '../support/netns.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

const TRANSFER_BYTES = 3_000_000;

/** IP total lengths per "src,dst" from a capture file, as tcpdump -v prints them. */
function tcpdumpLengths(file: string): Map<string, [number, number]> {
  const text = execFileSync('tcpdump', ['-nn', '-v', '-r', file, 'ip'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  const out = new Map<string, [number, number]>();
  const re = /length (\d+)\)\n\s+(\d+\.\d+\.\d+\.\d+)(?:\.\d+)? > (\d+\.\d+\.\d+\.\d+)(?:\.\d+)?:/g;
  for (const m of text.matchAll(re)) {
    const key = `${m[2]},${m[3]}`;
    const [b, p] = out.get(key) ?? [0, 0];
    out.set(key, [b + Number(m[1]), p + 1]);
  }
  return out;
}

test('live capture on a veth (and on "any"): an HTTP transfer is counted exactly as tcpdump saw it', async (t) => {
  if (!skipUnless(t, { tools: ['ip', 'tcpdump'], root: true })) return;
  const net = new VethNamespace(1);
  t.after(() => net.dispose());

  // An HTTP server inside the namespace that sends TRANSFER_BYTES.
  const server = net.spawnInside(process.execPath, ['-e', `
    require('http').createServer((q, s) => s.end(Buffer.alloc(${TRANSFER_BYTES}, 120)))
      .listen(8080, '${net.peerAddr}', () => console.log('ready'));`]);
  t.after(() => stop(server));
  await new OutputWatch(server, 'stdout').line(/ready/);

  const otelacct = startOtelacct(['-i', net.hostIf, '-i', 'any', '--filter', `host ${net.peerAddr}`,
    '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);

  const pcap = join(tmp.path, 'live.pcap');
  // A short snaplen and a big buffer: with veth GSO packets of up to 64 KiB, tcpdump's default
  // ring (2 MiB of 256 KiB frames) drops during the burst.
  const dump = spawn('tcpdump', ['-i', net.hostIf, '-nn', '-U', '--immediate-mode', '-s', '256', '-B', '65536', '-w', pcap, 'host', net.peerAddr], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => stop(dump));
  const dumpLog = new OutputWatch(dump);
  await dumpLog.line(/listening on/);

  const res = await fetch(`http://${net.peerAddr}:8080/`);
  assert.equal((await res.arrayBuffer()).byteLength, TRANSFER_BYTES);
  await new Promise((r) => setTimeout(r, 500));
  await stop(dump, 'SIGINT');
  assert.match(await dumpLog.line(/dropped by kernel/), /^0 packets dropped by kernel/, 'the tcpdump oracle saw every packet');
  const want = tcpdumpLengths(pcap);
  const down = want.get(`${net.peerAddr},${net.hostAddr}`);
  assert.ok(down && down[0] > TRANSFER_BYTES, `tcpdump saw the transfer: ${JSON.stringify([...want])}`);

  for (const iface of [net.hostIf, 'any']) {
    const got = await waitFor(`otelacct totals on ${iface} to match tcpdump`, async () => {
      const expo = parseExposition(await (await fetch(url)).text());
      const labels = ['source_address', 'destination_address', 'network_interface_name'];
      const bytes = sumBy(expo, 'otelacct_traffic_bytes_total', labels);
      const packets = sumBy(expo, 'otelacct_traffic_packets_total', labels);
      const mine = new Map<string, [number, number]>();
      for (const key of want.keys()) mine.set(key, [bytes.get(`${key},${iface}`) ?? 0, packets.get(`${key},${iface}`) ?? 0]);
      return JSON.stringify([...mine]) === JSON.stringify([...want]) ? mine : undefined;
    }, 10_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\nwant ${JSON.stringify([...want])}\n${await (await fetch(url)).text()}`);
    });
    assert.deepEqual(got, want);
  }
  assert.equal(await stop(otelacct, 'SIGTERM'), 0);
});

test('live capture on an interface that does not exist: one clear line and exit 1', async (t) => {
  if (!skipUnless(t, { root: true })) return;
  const child = startOtelacct(['-i', 'no-such-if0', '--prometheus-port', '0']);
  const log = new OutputWatch(child);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 1);
  const lines = log.text.trim().split('\n').filter((l) => !l.startsWith('Warning:'));
  assert.equal(lines.length, 1, log.text);
  assert.match(lines[0], /^otelacct: capture.interfaces: "no-such-if0" not found \(available: .*lo/);
});

test('kernel drops are counted: a stopped meter with a small buffer loses packets, and received + dropped = sent', async (t) => {
  if (!skipUnless(t, { tools: ['ip'], root: true })) return;
  const net = new VethNamespace(4);
  t.after(() => net.dispose());
  const otelacct = startOtelacct(['-i', net.hostIf, '--filter', `udp and dst host ${net.peerAddr}`, '--buffer-size', '65536',
    '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);
  assert.doesNotMatch(log.text, /kernel drop counts unavailable/);

  otelacct.kill('SIGSTOP');
  const SENT = 5000;
  const { createSocket } = await import('node:dgram');
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(1000, 1);
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    for (let i = 0; i < SENT; i++) sock.send(payload, 9, net.peerAddr, (e) => (e ? reject(e) : ++done === SENT && resolve()));
  });
  sock.close();
  otelacct.kill('SIGCONT');
  const totals = await waitFor('received + dropped = sent', async () => {
    const expo = parseExposition(await (await fetch(url)).text());
    const received = sumBy(expo, 'otelacct_capture_packets_total', ['network_interface_name']).get(net.hostIf) ?? 0;
    const dropped = sumBy(expo, 'otelacct_capture_dropped_total', ['network_interface_name']).get(net.hostIf) ?? 0;
    return received + dropped === SENT ? { received, dropped } : undefined;
  }, 15_000);
  assert.ok(totals.dropped > 0, `some packets were dropped by the kernel: ${JSON.stringify(totals)}`);
  assert.ok(totals.received > 0);
});
