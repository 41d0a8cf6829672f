import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { VethNamespace } from '../support/netns.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { CLI, scrapeTrafficPackets, trafficPackets } from '../support/run-otelacct.ts';

// `-r -` reads standard input, as tcpdump -r - does: a pipe (tcpdump -w - | otelacct -r -) or a
// redirected file.
const tmp = new TempDir();
after(() => tmp.dispose());

test('otelacct -r - counts standard input, piped or redirected; an empty one is one line naming it', () => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 12; i++) w.add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1000, dstPort: 2000, payloadLength: 100 }));
  const file = tmp.write('in.pcap', w.toBuffer());
  const run = (shell: string) => spawnSync('sh', ['-c', shell, 'sh', process.execPath, CLI, file], { encoding: 'utf8', timeout: 60_000 });
  const piped = run('cat "$3" | exec "$1" "$2" -r -');
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(trafficPackets(piped.stdout), 12);
  const redirected = run('exec "$1" "$2" -r - < "$3"');
  assert.equal(redirected.status, 0, redirected.stderr);
  assert.equal(trafficPackets(redirected.stdout), 12);
  const empty = run('exec "$1" "$2" -r - --output none < /dev/null');
  assert.equal(empty.status, 1);
  assert.equal(empty.stderr, 'otelacct: /dev/stdin: empty file, not a pcap or pcapng file\n');
});

test('the README\'s live pipeline, tcpdump -U -w - | otelacct -r - --serve: /metrics has the packets while tcpdump runs; its end makes them final', async (t) => {
  if (!skipUnless(t, { tools: ['ip', 'tcpdump'], root: true })) return;
  const net = new VethNamespace(1);
  t.after(() => net.dispose());
  net.disableIPv6();
  const tcpdump = spawn('tcpdump', ['-i', net.hostIf, '-U', '-w', '-', 'udp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => stop(tcpdump, 'SIGKILL'));
  const dumpLog = new OutputWatch(tcpdump);
  // otelacct's stdin is tcpdump's stdout: a pipe between the two processes, as the shell makes it.
  const otelacct = spawn(process.execPath, [CLI, '-r', '-', '--serve', '--output', 'none', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0'],
    { stdio: [tcpdump.stdout!, 'pipe', 'pipe'] });
  t.after(() => stop(otelacct));
  const log = new OutputWatch(otelacct);
  await dumpLog.line(/listening on/);
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  const scrape = (): Promise<number> => scrapeTrafficPackets(url);
  const sender = createSocket('udp4');
  t.after(() => sender.close());
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => sender.send(Buffer.alloc(100), 9, net.peerAddr, () => r()));
  // tcpdump is still running (the pipe open, nothing more coming): /metrics answers with all 20.
  assert.equal(await waitFor(`20 packets on /metrics (log: ${log.text.slice(-1500)})`, async () => ((await scrape()) === 20 ? 20 : undefined), 10_000), 20);
  assert.doesNotMatch(log.text, /file read; serving/);
  tcpdump.kill('SIGINT');
  await log.line(/"file read; serving/);
  assert.equal(await scrape(), 20);
});
