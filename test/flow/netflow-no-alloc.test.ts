import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowStats } from '../../src/flow/flow-sink.ts';
import { NetflowDecoder } from '../../src/flow/netflow-decoder.ts';
import { fewestYoungGcs } from '../support/allocation.ts';
import { CountingFlowSink } from '../support/netflow-builder.ts';
import { NetflowGenerator } from './netflow-generator.ts';

describe('netflow decoder allocation', () => {
  it('decodes v5, v9 and IPFIX datagrams (sampler ids, IPv6, variable length, template refreshes) without garbage', () => {
    const exporters = 30;
    const gen = new NetflowGenerator(7, exporters, 4);
    const datagrams: Array<{ exporter: number; data: Uint8Array }> = [];
    for (let e = 0; e < exporters; e++) {
      const t = gen.templateDatagram(e);
      if (t !== null) datagrams.push({ exporter: e, data: t });
      for (let i = 0; i < 8; i++) datagrams.push({ exporter: e, data: gen.dataDatagram(e) });
    }
    const sink = new CountingFlowSink();
    const decoder = new NetflowDecoder(sink, new FlowStats(), { templateTimeout: 1800, samplingRate: () => 1 });
    // The clock stays a small integer and lives in a typed array: a double `nowMs` argument is
    // boxed by the caller once per datagram (a received datagram costs a Buffer anyway); what
    // this test guards is that nothing is allocated per record or per datagram inside the decoder.
    const clock = new Float64Array([1e6]);
    const run = (n: number) => {
      let nowMs = clock[0];
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === datagrams.length ? 0 : j + 1) {
        const d = datagrams[j];
        nowMs += 2;
        decoder.datagram(d.data, d.data.length, d.exporter, nowMs);
      }
      clock[0] = nowMs;
    };
    run(20_000);
    const before = sink.records;
    const gcs = fewestYoungGcs(() => run(100_000));
    assert.ok(sink.records - before > 2_000_000, `only ${sink.records - before} records`);
    assert.equal(gcs, 0, 'young-generation collections while decoding');
  });
});
