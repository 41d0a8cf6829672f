// Live BIG TCP: a veth whose GSO/GRO limits for IPv4 exceed 64 KiB carries TCP packets of up to
// ~180 KB whose IPv4 total length is 0; only the wire length gives their size (issue 12, B11).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VethNamespace } from '../support/netns.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

const BIG = 185_000;
const TRANSFER_BYTES = 4_000_000;

/**
 * Sets IFLA_GSO_IPV4_MAX_SIZE (63) and IFLA_GRO_IPV4_MAX_SIZE (64) over rtnetlink: Debian 12's
 * iproute2 predates them (`ip link set ... gso_ipv4_max_size` is 6.3+).
 */
const SET_IPV4_LIMITS = `
import socket, struct, sys
idx = socket.if_nametoindex(sys.argv[1]); size = int(sys.argv[2])
attrs = b''.join(struct.pack('=HHI', 8, t, size) for t in (63, 64))
body = struct.pack('=BxHiII', socket.AF_UNSPEC, 0, idx, 0, 0) + attrs
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.send(struct.pack('=IHHII', 16 + len(body), 16, 1 | 4, 1, 0) + body)
err = struct.unpack('=i', s.recv(4096)[16:20])[0]
sys.exit(0 if err == 0 else 'netlink error %d' % err)
`;

/**
 * IP bytes and packets per direction from a capture file: frame length minus 14 (Ethernet), by
 * source MAC (tcpdump prints no addresses for a total length of 0, only "bad-len 0").
 */
function tcpdumpWireLengths(file: string, hostMac: string): { fromHost: [number, number]; toHost: [number, number]; bigTcp: number } {
  const text = execFileSync('tcpdump', ['-e', '-nn', '-r', file, 'ip'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  const out = { fromHost: [0, 0] as [number, number], toHost: [0, 0] as [number, number], bigTcp: 0 };
  for (const m of text.matchAll(/ ([0-9a-f:]{17}) > [0-9a-f:]{17}, ethertype IPv4 \(0x0800\), length (\d+): (bad-len 0)?/g)) {
    const dir = m[1] === hostMac ? out.fromHost : out.toHost;
    dir[0] += Number(m[2]) - 14;
    dir[1]++;
    if (m[3]) out.bigTcp++;
  }
  return out;
}

test('live BIG TCP (IPv4 total length 0, frames over 64 KiB) with a 128-byte snaplen is counted from the wire length, as tcpdump saw it', async (t) => {
  if (!skipUnless(t, { tools: ['ip', 'tcpdump', 'python3'], root: true })) return;
  const net = new VethNamespace(9);
  t.after(() => net.dispose());
  const inside = (...args: string[]) => execFileSync('ip', ['netns', 'exec', net.ns, ...args]);
  writeFileSync(`/proc/sys/net/ipv6/conf/${net.hostIf}/disable_ipv6`, '1');
  inside('sh', '-c', `echo 1 > /proc/sys/net/ipv6/conf/${net.peerIf}/disable_ipv6`);
  execFileSync('ip', ['link', 'set', 'dev', net.hostIf, 'gso_max_size', `${BIG}`, 'gro_max_size', `${BIG}`]);
  inside('ip', 'link', 'set', 'dev', net.peerIf, 'gso_max_size', `${BIG}`, 'gro_max_size', `${BIG}`);
  execFileSync('python3', ['-c', SET_IPV4_LIMITS, net.hostIf, `${BIG}`]);
  inside('python3', '-c', SET_IPV4_LIMITS, net.peerIf, `${BIG}`);

  const server = net.spawnInside(process.execPath, ['-e', `
    require('net').createServer((s) => s.end(Buffer.alloc(${TRANSFER_BYTES}, 120)))
      .listen(8080, '${net.peerAddr}', () => console.log('ready'));`]);
  t.after(() => stop(server));
  await new OutputWatch(server, 'stdout').line(/ready/);

  const otelacct = startOtelacct(['-i', net.hostIf, '--filter', `host ${net.peerAddr}`, '--snaplen', '128',
    '--dimensions', 'source.address,destination.address', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);

  const pcap = join(tmp.path, 'big.pcap');
  const tcpdump = spawn('tcpdump', ['-i', net.hostIf, '-nn', '-U', '--immediate-mode', '-s', '128', '-B', '65536', '-w', pcap, 'host', net.peerAddr], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => stop(tcpdump));
  const dumpLog = new OutputWatch(tcpdump);
  await dumpLog.line(/listening on/);

  await new Promise<void>((resolve, reject) => {
    const c = connect(8080, net.peerAddr);
    let got = 0;
    c.on('data', (d) => (got += d.length));
    c.on('end', () => (got === TRANSFER_BYTES ? resolve() : reject(new Error(`received ${got} bytes`))));
    c.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 300));
  await stop(tcpdump, 'SIGINT');
  assert.match(await dumpLog.line(/dropped by kernel/), /^0 packets dropped by kernel/, 'the tcpdump oracle saw every packet');
  const hostMac = readFileSync(`/sys/class/net/${net.hostIf}/address`, 'utf8').trim();
  const seen = tcpdumpWireLengths(pcap, hostMac);
  assert.ok(seen.bigTcp > 0, 'the transfer used BIG TCP packets (IPv4 total length 0)');
  assert.ok(seen.toHost[0] > TRANSFER_BYTES, `tcpdump saw ${seen.toHost[0]} bytes`);
  const expected = new Map([[`${net.hostAddr},${net.peerAddr}`, seen.fromHost], [`${net.peerAddr},${net.hostAddr}`, seen.toHost]]);

  const counted = async () => {
    const m = parseExposition(await (await fetch(url)).text());
    const bytes = sumBy(m, 'otelacct_traffic_bytes_total', ['source_address', 'destination_address']);
    const packets = sumBy(m, 'otelacct_traffic_packets_total', ['source_address', 'destination_address']);
    return new Map([...expected.keys()].map((k) => [k, [bytes.get(k) ?? 0, packets.get(k) ?? 0]]));
  };
  await waitFor('otelacct to count what tcpdump saw', async () => {
    const c = await counted();
    return [...expected].every(([k, v]) => c.get(k)?.[0] === v[0] && c.get(k)?.[1] === v[1]) ? true : undefined;
  }, 10_000).catch(async (err: Error) => {
    throw new Error(`${err.message}; tcpdump: ${JSON.stringify([...expected])}, otelacct: ${JSON.stringify([...await counted()])}`);
  });
});
