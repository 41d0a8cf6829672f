/**
 * Live capture without root: otelacct run as user nobody through setpriv (util-linux), once with
 * no capabilities at all, once holding CAP_NET_RAW + CAP_NET_ADMIN as ambient capabilities (as a
 * systemd unit's AmbientCapabilities gives them), once with CAP_NET_RAW alone. Root is needed to
 * create the veth pair and to hand out the capabilities.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createSocket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { VethNamespace } from '../support/netns.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { skipUnless } from '../support/requirements.ts';
import { CLI, parseExposition, parseLabels } from '../support/run-otelacct.ts';

const CHECKOUT = dirname(dirname(CLI));
const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

/** setpriv arguments that become user nobody (and its group) with exactly `caps` (e.g. "net_raw"). */
function asNobody(caps: string[]): string[] {
  const gid = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim();
  const base = ['--reuid=nobody', `--regid=${gid}`, '--clear-groups'];
  if (caps.length === 0) return [...base, '--inh-caps=-all', '--bounding-set=-all'];
  const list = caps.map((c) => `+${c}`).join(',');
  return [...base, `--inh-caps=-all,${list}`, `--ambient-caps=-all,${list}`, `--bounding-set=-all,${list}`];
}

/** The environment of the test without OTEL_* / OTELACCT_* (as run-otelacct.ts does). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OTEL')) env[k] = v;
  return env;
}

/** Starts `node src/cli.ts args` as nobody with `caps`; setpriv execs node, so the pid is node's. */
function startAsNobody(caps: string[], args: string[]): ChildProcess {
  return spawn('setpriv', [...asNobody(caps), process.execPath, CLI, ...args],
    { cwd: '/', env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Why user nobody cannot run this checkout, or undefined: it must read the node binary, the
 * sources and dependencies (`--help` imports every module) and load the two native addons
 * (cap, packet_stats) that live capture needs. A checkout under /root (mode 700) fails here.
 */
function nobodyCannotRun(): string | undefined {
  const help = spawnSync('setpriv', [...asNobody([]), process.execPath, CLI, '--help'], { cwd: '/', encoding: 'utf8' });
  if (help.status !== 0) return `user nobody cannot run ${process.execPath} ${CLI} --help: ${firstError(help.stderr || help.error?.message || '')}`;
  const script = `const r = require('node:module').createRequire(${JSON.stringify(CLI)});
    r('cap'); r(${JSON.stringify(join(CHECKOUT, 'build/Release/packet_stats.node'))});`;
  const addons = spawnSync('setpriv', [...asNobody([]), process.execPath, '-e', script], { cwd: '/', encoding: 'utf8' });
  if (addons.status !== 0) return `user nobody cannot load the cap and packet_stats addons of ${CHECKOUT}: ${firstError(addons.stderr)}`;
  return undefined;
}

/** The line of node's stderr that says what went wrong (`Error: Cannot find module ...`). */
function firstError(stderr: string): string {
  const lines = stderr.split('\n');
  return (lines.find((l) => /Error|EACCES|denied/.test(l)) ?? lines[0]).trim();
}

/** Skips (fails under CI) unless root, setpriv and ip are there and nobody can run the checkout. */
function ready(t: TestContext): boolean {
  if (!skipUnless(t, { tools: ['setpriv', 'ip'], root: true })) return false;
  const why = nobodyCannotRun();
  if (why === undefined) return true;
  if (process.env.CI) assert.fail(`CI must run this test but ${why}; clone to a directory every user can read`);
  t.skip(why);
  return false;
}

/** Uid and effective capability bits of a running process. */
function credentials(pid: number): { uid: number; capEff: bigint } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { uid: Number(/^Uid:\s+(\d+)/m.exec(status)![1]), capEff: BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(status)![1]}`) };
}

/** Sends `count` UDP datagrams of `size` payload bytes from the host to the namespace side. */
async function sendUdp(to: string, count: number, size: number): Promise<void> {
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(size, 0x5a);
  for (let i = 0; i < count; i++) await new Promise<void>((resolve, reject) => sock.send(payload, 9, to, (e) => (e ? reject(e) : resolve())));
  sock.close();
}

/**
 * Runs otelacct as nobody with `caps` on a fresh veth, sends UDP to the peer and waits until
 * /metrics counts exactly those bytes; checks the process's credentials, promiscuous mode, and
 * that kernel drop counts are tracked (the packet socket was found through /proc/self/fd and
 * /proc/net/packet).
 */
async function captureAsNobody(t: TestContext, id: number, caps: string[], wantCaps: bigint): Promise<void> {
  const net = new VethNamespace(id);
  t.after(() => net.dispose());
  const otelacct = startAsNobody(caps, ['-i', net.hostIf, '--filter', `udp and host ${net.peerAddr}`,
    '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);

  assert.deepEqual(credentials(otelacct.pid!), { uid: 65534, capEff: wantCaps }, 'runs as nobody with exactly the granted capabilities');
  const link = spawnSync('ip', ['-d', 'link', 'show', 'dev', net.hostIf], { encoding: 'utf8' }).stdout;
  assert.match(link, /promiscuity [1-9]/, `libpcap put ${net.hostIf} in promiscuous mode: ${link}`);

  const COUNT = 20;
  const SIZE = 300;
  await sendUdp(net.peerAddr, COUNT, SIZE);
  const got = await waitFor('the datagrams on /metrics', async () => {
    const expo = parseExposition(await (await fetch(url)).text());
    let bytes = 0;
    let packets = 0;
    for (const [series, value] of expo) {
      const { name, labels } = parseLabels(series);
      if (labels.source_address !== net.hostAddr || labels.destination_address !== net.peerAddr) continue;
      if (name === 'otelacct_traffic_bytes_total') bytes += value;
      if (name === 'otelacct_traffic_packets_total') packets += value;
    }
    const dropped = [...expo.keys()].some((s) => s.startsWith('otelacct_capture_dropped_total{') && parseLabels(s).labels.network_interface_name === net.hostIf);
    return bytes === COUNT * (20 + 8 + SIZE) ? { bytes, packets, dropped } : undefined;
  }, 10_000);
  assert.deepEqual(got, { bytes: COUNT * 328, packets: COUNT, dropped: true }, 'every datagram counted, and the drop counter of the interface is exported');
  assert.doesNotMatch(log.text, /kernel drop counts unavailable/, log.text);
  assert.equal(await stop(otelacct, 'SIGTERM'), 0);
}

test('as nobody without capabilities: exit 1 and one line saying which capabilities to grant', async (t) => {
  if (!ready(t)) return;
  const net = new VethNamespace(11);
  t.after(() => net.dispose());
  const child = startAsNobody([], ['-i', net.hostIf, '--prometheus-port', '0']);
  const log = new OutputWatch(child);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 1, log.text);
  const lines = log.text.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `exactly one stderr line: ${log.text}`);
  assert.match(lines[0], new RegExp(`^otelacct: capture\\.interfaces: "${net.hostIf}": .*Operation not permitted — run as root or grant CAP_NET_RAW and CAP_NET_ADMIN \\(`));
});

test('as nobody with ambient CAP_NET_RAW + CAP_NET_ADMIN: captures, counts and reads kernel drop counts', async (t) => {
  if (!ready(t)) return;
  await captureAsNobody(t, 12, ['net_raw', 'net_admin'], (1n << BigInt(CAP_NET_RAW)) | (1n << BigInt(CAP_NET_ADMIN)));
});

// Finding: CAP_NET_ADMIN is not needed on Linux with libpcap 1.10 — promiscuous mode goes through
// PACKET_ADD_MEMBERSHIP on the packet socket, which CAP_NET_RAW covers (docs/hardening.md).
test('as nobody with CAP_NET_RAW alone: the same (promiscuous mode needs no CAP_NET_ADMIN)', async (t) => {
  if (!ready(t)) return;
  await captureAsNobody(t, 13, ['net_raw'], 1n << BigInt(CAP_NET_RAW));
});

test('as nobody, ./otelacct --read runs a checkout root bootstrapped, writing nothing into it', async (t) => {
  if (!ready(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-nobody-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const pcap = join(dir, 'a.pcap');
  writeFileSync(pcap, new PcapWriter({ linkType: LinkType.ETHERNET })
    .add(ethernetIPv4({ src: '10.3.0.1', dst: '10.3.0.2', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 72 })).toBuffer());
  chmodSync(pcap, 0o644);
  // Root bootstrapped this checkout (the suite runs in it). The wrapper runs bootstrap.sh on every
  // start; PATH without a Node >= 22.15 makes it take the .node/ path, as on a stock Debian.
  const r = spawnSync('setpriv', [...asNobody([]), 'env', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', join(CHECKOUT, 'otelacct'), '--read', pcap, '--output', 'json'],
    { cwd: '/', env: cleanEnv(), encoding: 'utf8' });
  assert.equal(r.stderr, '', 'nothing on stderr (no bootstrap step, no permission error)');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /"otelacct\.traffic\.bytes"/);
});
