import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ExporterRegistry } from '../../src/flow/exporter-registry.ts';
import { FlowListener, FlowListenError, type FlowLog } from '../../src/flow/flow-listener.ts';
import { FlowCounter, FlowError, FlowStats, type FlowRecord, type FlowSink } from '../../src/flow/flow-sink.ts';
import { rcvbufErrors, udpSocketDrops } from '../../src/flow/udp-stats.ts';
import { Prng } from '../support/prng.ts';
import { testDatagram, TestFlowDecoder } from '../support/test-flow-decoder.ts';

/** A FlowSink that keeps (exporter, source address text, bytes) of each record. */
class Recorder implements FlowSink {
  readonly records: Array<{ exporter: number; src: number; bytes: number }> = [];
  headers = 0;
  record(exporter: number, r: FlowRecord): void {
    this.records.push({ exporter, src: r.src[0], bytes: r.bytes });
  }
  sampledHeader(): void {
    this.headers++;
  }
}

const logs: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
const log: FlowLog = (level, msg, fields) => logs.push({ level, msg, fields });
const open: Array<FlowListener | Socket> = [];
after(() => {
  for (const x of open) x.close();
});

async function listener(o: { host?: string; receiveBufferSize?: number; maxExporters?: number; decoder?: (sink: FlowSink, stats: FlowStats) => { datagram: TestFlowDecoder['datagram'] } } = {}) {
  const registry = new ExporterRegistry(o.maxExporters ?? 100);
  const stats = new FlowStats();
  const sink = new Recorder();
  const l = new FlowListener({
    name: 'netflow', host: o.host ?? '', ports: [0], receiveBufferSize: o.receiveBufferSize ?? 1 << 20,
    decoder: (o.decoder ?? ((s, st) => new TestFlowDecoder(s, st)))(sink, stats), registry, stats, log,
  });
  open.push(l);
  const [bound] = await l.start();
  return { l, registry, stats, sink, port: bound.port, bound };
}

/** A sender bound to `address` (so the listener sees that source). */
async function sender(address: string): Promise<Socket> {
  const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  open.push(s);
  await new Promise<void>((resolve) => s.bind(0, address, resolve));
  return s;
}

/**
 * Sends one datagram, then lets the event loop poll (setImmediate): send callbacks alone would
 * never let it read, and the kernel would drop what the listener's buffer cannot hold.
 */
async function send(s: Socket, port: number, to: string, data: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => s.send(data, port, to, (err) => (err ? reject(err) : resolve())));
  await new Promise((resolve) => setImmediate(resolve));
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('flow listener on loopback sockets', () => {
  it('one dual-stack socket: an exporter id per source address, IPv4 shown without ::ffff:', async () => {
    const { registry, stats, sink, port } = await listener();
    const a = await sender('127.0.0.1');
    const b = await sender('127.0.0.2');
    const c = await sender('::1');
    const d = testDatagram([{ src: '10.0.0.1', dst: '10.0.0.2', bytes: 100, packets: 1 }]);
    await send(a, port, '127.0.0.1', d);
    await send(b, port, '127.0.0.1', d);
    await send(b, port, '127.0.0.1', d);
    await send(c, port, '::1', d);
    await until('4 records', () => sink.records.length === 4);
    const names = [0, 1, 2].map((i) => registry.name(i));
    assert.deepEqual([...names].sort(), ['127.0.0.1', '127.0.0.2', '::1']);
    const id = (n: string) => names.indexOf(n);
    assert.equal(stats.get(id('127.0.0.2'), FlowCounter.DATAGRAMS), 2);
    assert.equal(stats.get(id('127.0.0.1'), FlowCounter.DATAGRAMS), 1);
    assert.equal(stats.get(id('::1'), FlowCounter.RECORDS), 1);
    assert.deepEqual(sink.records.map((r) => registry.name(r.exporter)).sort(), ['127.0.0.1', '127.0.0.2', '127.0.0.2', '::1']);
  });

  it('sets the receive buffer and logs what the kernel granted; warns when capped by net.core.rmem_max', async () => {
    const { bound } = await listener({ host: '127.0.0.1', receiveBufferSize: 256 * 1024 });
    assert.ok(bound.receiveBuffer >= 256 * 1024, `granted ${bound.receiveBuffer}`);
    const started = logs.find((l) => l.msg === 'flow listener started' && l.fields.port === bound.port);
    assert.equal(started?.fields.receiveBuffer, bound.receiveBuffer);
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const big = await listener({ host: '127.0.0.1', receiveBufferSize: rmemMax * 4 });
    const warned = logs.find((l) => l.msg.startsWith('flow socket receive buffer smaller than asked') && l.fields.port === big.port);
    assert.equal(warned?.fields.granted, big.bound.receiveBuffer);
  });

  it('a port in use is one line naming the key, address and reason', async () => {
    const { port } = await listener({ host: '127.0.0.1' });
    const l = new FlowListener({ name: 'sflow', host: '127.0.0.1', ports: [port], receiveBufferSize: 65536, decoder: { datagram() {} }, registry: new ExporterRegistry(), stats: new FlowStats(), log });
    await assert.rejects(l.start(), (err: Error) => err instanceof FlowListenError && err.message === `flow.sflow: cannot listen on 127.0.0.1 udp port ${port} (EADDRINUSE)`);
  });

  it('garbage never crashes: 3000 random datagrams, then a good one is still counted', async () => {
    const { stats, sink, port, registry } = await listener({ host: '127.0.0.1' });
    const s = await sender('127.0.0.1');
    const rng = new Prng(14);
    for (let i = 0; i < 3000; i++) {
      const n = i % 100 === 0 ? 65507 : rng.int(1500);
      const b = new Uint8Array(n);
      for (let j = 0; j < n; j++) b[j] = rng.next() & 0xff;
      // Some start with the right magic, so the decoder goes further in.
      if (i % 3 === 0 && n >= 2) { b[0] = 0x4f; b[1] = 0x54; }
      await send(s, port, '127.0.0.1', b);
    }
    await send(s, port, '127.0.0.1', testDatagram([{ src: '10.9.9.9', dst: '10.0.0.2', bytes: 7, packets: 1 }]));
    await until('the good datagram', () => sink.records.some((r) => r.src === 0x0a090909)).catch((err) => {
      throw new Error(`${err.message}: ${stats.get(0, FlowCounter.DATAGRAMS)} datagrams, kernel drops ${udpSocketDrops([port]).get(port)}`);
    });
    assert.equal(stats.get(0, FlowCounter.DATAGRAMS), 3001);
    assert.ok(stats.get(0, FlowCounter.MALFORMED) > 1000);
    assert.ok(stats.errors[FlowError.BAD_VERSION] > 0 && stats.errors[FlowError.TRUNCATED] > 0);
    assert.equal(registry.size, 1);
  });

  it('a decoder that throws (a bug) costs the datagram, not the collector; it is malformed once', async () => {
    let calls = 0;
    const { l, stats, port } = await listener({
      host: '127.0.0.1',
      decoder: (_sink, st) => ({
        datagram() {
          calls++;
          st.begin();
          // The first one counts a problem of its own before it throws: still one malformed datagram.
          if (calls === 1) st.error(0, FlowError.TRUNCATED);
          throw new RangeError('offset out of range');
        },
      }),
    });
    const s = await sender('127.0.0.1');
    for (let i = 0; i < 3; i++) await send(s, port, '127.0.0.1', new Uint8Array(10));
    await until('3 datagrams', () => calls === 3);
    assert.equal(l.decoderFailures, 3);
    assert.equal(stats.get(0, FlowCounter.MALFORMED), 3);
    assert.equal(stats.errors[FlowError.DECODER_FAILURE], 3);
    assert.ok(logs.some((x) => x.msg === 'flow decoder failed on a datagram' && String(x.fields.error).includes('offset out of range')));
  });

  it('exporters past flow.maxExporters are refused and counted, the known ones still served', async () => {
    const { l, registry, sink, port } = await listener({ host: '127.0.0.1', maxExporters: 3 });
    const d = testDatagram([{ src: '10.0.0.1', dst: '10.0.0.2', bytes: 1, packets: 1 }]);
    for (let i = 1; i <= 6; i++) await send(await sender(`127.0.0.${i}`), port, '127.0.0.1', d);
    await until('refusals', () => sink.records.length + l.refused === 6);
    assert.equal(registry.size, 3);
    assert.equal(l.refused, 3);
    await send(await sender('127.0.0.2'), port, '127.0.0.1', d);
    await until('a known exporter after the cap', () => sink.records.length === 4);
  });
});

describe('kernel drops of the flow socket', () => {
  it('a socket that is not read overflows: /proc/net/udp drops count what was lost, received + dropped = sent', async () => {
    const { stats, port, bound } = await listener({ host: '127.0.0.1', receiveBufferSize: 4096 });
    const before = rcvbufErrors() ?? 0;
    const sent = 2000;
    // The child blasts while this process's event loop is blocked in execFileSync: nobody reads.
    execFileSync(process.execPath, ['-e', `
      const s = require('node:dgram').createSocket('udp4');
      const b = Buffer.alloc(1000, 1); b[0] = 0x4f; b[1] = 0x54; b[2] = 0; b[3] = 0;
      let n = 0;
      const next = () => { if (n++ >= ${sent}) return s.close(); s.send(b, ${port}, '127.0.0.1', next); };
      next();`]);
    const drops = () => udpSocketDrops([port]).get(port) ?? 0;
    await until('the buffered datagrams to be read', () => stats.get(0, FlowCounter.DATAGRAMS) + drops() === sent);
    assert.ok(drops() > sent / 2, `drops ${drops()} with a ${bound.receiveBuffer}-byte buffer`);
    assert.ok((rcvbufErrors() ?? 0) - before >= drops(), 'the namespace-wide RcvbufErrors include them');
    // Another port of this process is not counted.
    assert.equal(udpSocketDrops([port + 1]).get(port + 1), undefined);
  });
});
