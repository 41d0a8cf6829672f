import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { hrTime } from '@opentelemetry/core';
import { flowMetrics } from '../../src/export/flow-telemetry.ts';
import { flowDecoders } from '../../src/flow/decoders.ts';
import { FlowCollector } from '../../src/flow/flow-collector.ts';
import { FlowCounter } from '../../src/flow/flow-sink.ts';
import { TestAccounting } from '../support/accounting.ts';
import { Prng } from '../support/prng.ts';
import { testDecoders } from '../support/test-flow-decoder.ts';

/** Random bytes; some start like a real datagram of the protocol so the decoder goes further in. */
function garbage(rng: Prng, protocol: 'sflow' | 'netflow', i: number): Uint8Array {
  const n = i % 200 === 0 ? 65507 : rng.int(1500);
  const b = new Uint8Array(n);
  for (let j = 0; j < n; j++) b[j] = rng.next() & 0xff;
  if (i % 2 === 0 && n >= 4) {
    if (protocol === 'sflow') { b[0] = 0; b[1] = 0; b[2] = 0; b[3] = 5; } else { b[0] = 0; b[1] = [5, 9, 10][i % 3]; }
  }
  return b;
}

describe('garbage on the flow ports', () => {
  // The build's decoders where wired (src/flow/decoders.ts), else the test layout's.
  const built = Object.keys(flowDecoders());
  const decoders = { ...testDecoders, ...flowDecoders() };
  it(`never crashes the collector: 4,000 random datagrams per listener through the real sockets, decoders (built in: ${built.join(', ') || 'none, the test layout\'s'}) and accountant`, async () => {
    const t = new TestAccounting([
      { name: 'pairs', dimensions: ['source.address', 'destination.address', 'source.port', 'network.transport', 'otelacct.exporter.address', 'otelacct.ingress.interface.name'] },
      { name: 'hosts', dimensions: ['otelacct.local.address', 'network.io.direction'] },
    ], { local: ['10.0.0.0/8'] });
    const collector = new FlowCollector({
      config: {
        sflow: { enabled: true, host: '127.0.0.1', port: 0 }, netflow: { enabled: true, host: '127.0.0.1', ports: [0] },
        receiveBufferSize: 8 << 20, templateTimeout: 60, samplingRates: ['*=3'], maxExporters: 8, allowedExporters: [], interfaceNamesFile: '',
      },
      accountant: t.accountant, interfaces: t.interfaces, decoders, log: () => {},
    });
    const bound = await collector.start();
    const sender = createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    try {
      const rng = new Prng(0x14);
      const perListener = 4000;
      for (const [k, source] of collector.sources.entries()) {
        for (let i = 0; i < perListener; i++) {
          await new Promise<void>((resolve, reject) => sender.send(garbage(rng, source.protocol, i), bound[k].port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      const received = () => collector.sources.map((s) => s.stats.get(0, FlowCounter.DATAGRAMS));
      for (let w = 0; w < 200 && received().some((n) => n < perListener); w++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(received(), collector.sources.map(() => perListener));
      for (const s of collector.sources) assert.equal(s.listener.decoderFailures, 0, `${s.protocol} decoder threw`);
      assert.ok(Number.isFinite(t.accountant.totalBytes) && Number.isFinite(t.accountant.totalPackets));
      const metrics = flowMetrics(collector, hrTime(), hrTime());
      assert.ok(metrics.some((m) => m.descriptor.name === 'otelacct.flow.malformed' && m.dataPoints.some((p) => (p.value as number) > 0)));
      for (let i = 0; i < t.accountant.aggregations.length; i++) t.rows(i); // every key formats
    } finally {
      sender.close();
      collector.close();
    }
  });
});
