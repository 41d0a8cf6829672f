import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { after, test, type TestContext } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { createMetricsServer, type Exposition, listen } from '../../src/export/http-server.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ethernetIPv4, ipv4Packet } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { CLI } from '../support/run-otelacct.ts';

/** A one-line exposition: what is served does not matter here. */
const EXPOSITION: Exposition = async (write) => {
  await write('otelacct_up 1\n');
};

const tmp = new TempDir();
after(() => tmp.dispose());

/** Opens `n` TCP connections to 127.0.0.1:port that never send a byte. */
async function idleConnections(t: TestContext, port: number, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  t.after(() => { for (const s of sockets) s.destroy(); });
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => connect(port, '127.0.0.1').on('error', () => {}));
    sockets.push(...batch);
    await Promise.all(batch.map((s) => new Promise<void>((resolve) => { s.once('connect', resolve); s.once('close', () => resolve()); })));
  }
  return sockets;
}

/** GET with a deadline: the status, or the error's message. */
async function status(url: string, timeoutMs: number): Promise<number | string> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).status;
  } catch (err) {
    return String((err as Error).cause ?? err);
  }
}

test('1,100 idle connections under a 1,024 file-descriptor limit do not keep a scrape out', async (t) => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  w.add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 60 }));
  const capture = tmp.write('one.pcap', w.toBuffer());
  // The usual soft limit of a service (systemd's default LimitNOFILE, a login shell's ulimit -n).
  const child = spawn('sh', ['-c', 'ulimit -n 1024 && exec "$0" "$@"', process.execPath, CLI, '--read', capture, '--serve',
    '--output', 'none', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  const port = Number(new URL(url).port);
  const sockets = await idleConnections(t, port, 1100);
  await new Promise((r) => setTimeout(r, 500));
  const open = sockets.filter((s) => !s.destroyed).length;
  assert.equal(await status(url, 5000), 200, `scrape with ${open} idle connections still open`);
  assert.ok(open <= 256, `at most 256 connections are kept (${open} open)`);
  assert.doesNotMatch(log.text, /EMFILE/);
  // SIGTERM does not wait for the idle connections to time out.
  const t1 = Date.now();
  assert.equal(await stop(child), 0);
  assert.ok(Date.now() - t1 < 5000, `stopped in ${Date.now() - t1} ms with idle connections open`);
});

test('a connection that never sends a byte is closed after the idle timeout', async (t) => {
  const server = createMetricsServer(EXPOSITION, '/metrics', { idleTimeoutMs: 300 });
  const port = await listen(server, '127.0.0.1', 0);
  t.after(() => { server.closeAllConnections(); server.close(); });
  const [silent] = await idleConnections(t, port, 1);
  const t0 = Date.now();
  await new Promise((resolve, reject) => {
    silent.once('close', resolve);
    setTimeout(() => reject(new Error('the silent connection is still open after 5 s')), 5000);
  });
  assert.ok(Date.now() - t0 >= 200, 'not before the timeout');
});

test('live page clients that never read are disconnected and their slots freed', async (t) => {
  const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--local-network', '10.0.0.0/16'], {});
  const pipeline = await Pipeline.create(config, new Logger('error', () => {}), { outputReader: false, env: {} });
  const url = await pipeline.serve();
  t.after(() => pipeline.stop());
  const base = url!.replace(/\/metrics$/, '');
  const ifIndex = pipeline.interfaces.register('test0');
  const p = ipv4Packet({ src: '10.0.0.1', dst: '198.51.100.1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 100 });
  const traffic = setInterval(() => pipeline.accountant.packet(p, 0, p.length, p.length, LinkType.RAW, ifIndex), 100);
  t.after(() => clearInterval(traffic));
  // Linux takes ~4 MB into a socket's buffers before a non-reader shows unsent bytes (minutes
  // of events): the stream age limit bounds how long such a client holds a slot. Shortened here.
  const web = pipeline.web!;
  web.limits.maxStreamMs = 2000;

  // 32 clients (the most the page serves) send the request, then never read.
  const clients: Socket[] = [];
  t.after(() => { for (const s of clients) s.destroy(); });
  for (let i = 0; i < 32; i++) {
    const s = connect(Number(new URL(base).port), '127.0.0.1');
    s.on('error', () => {});
    s.write('GET /api/live HTTP/1.1\r\nHost: x\r\n\r\n');
    s.pause();
    clients.push(s);
  }
  const t0 = Date.now();
  while (web.clients < 32) {
    assert.ok(Date.now() - t0 < 5000, `${web.clients} streams open`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await status(`${base}/api/live`, 2000), 503, 'every slot is taken');
  while (web.clients > 0) {
    assert.ok(Date.now() - t0 < 15_000, `${web.clients} clients still hold a slot after 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Their connections are closed by the meter: once they read what was sent, they see the end.
  await Promise.all(clients.map((s) => new Promise((resolve, reject) => {
    s.once('close', resolve).resume();
    setTimeout(() => reject(new Error('a client connection is still open')), 3000);
  })));
  web.limits.maxStreamMs = 60_000;
  const res = await fetch(`${base}/api/live`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, 'a new client gets a slot');
  await res.body?.cancel();
});
