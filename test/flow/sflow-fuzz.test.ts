import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowCounter, FlowStats, type FlowRecord, type FlowSink } from '../../src/flow/flow-sink.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';
import { fewestYoungGcs } from '../support/allocation.ts';
import { Prng } from '../support/prng.ts';
import { mutateSflow, randomSflowDatagram, type RandomSflow } from '../support/sflow-random.ts';

const SEED = 0x5f10;
const DATAGRAMS = 20_000;

/** Counts sink calls and checks each header view lies inside the datagram. */
class CheckingSink implements FlowSink {
  calls = 0;
  bad = '';
  length = 0;

  record(_exporter: number, r: FlowRecord): void {
    this.calls++;
    if (r.packets !== 1 || r.samplingRate === 0) this.bad ||= `record with packets ${r.packets}, rate ${r.samplingRate}`;
  }

  sampledHeader(_exporter: number, data: Uint8Array, offset: number, headerLength: number, _frameLength: number,
    _headerProtocol: number, samplingRate: number): void {
    this.calls++;
    if (offset < 0 || headerLength < 0 || offset + headerLength > this.length || samplingRate === 0 || offset + headerLength > data.length) {
      this.bad ||= `header at ${offset}+${headerLength} in a ${this.length}-byte datagram, rate ${samplingRate}`;
    }
  }
}

function corpus(prng: Prng, n: number): RandomSflow[] {
  const out: RandomSflow[] = [];
  for (let i = 0; i < n; i++) {
    const agent = prng.chance(0.3) ? `2001:db8::${i}` : `192.0.2.${i % 250}`;
    out.push(randomSflowDatagram(prng, { agent, sequence: i + 1, uptime: 1000 * i, samples: prng.range(1, 10), mixed: true }));
  }
  return out;
}

describe('sFlow decoder fuzz', () => {
  it(`survives ${DATAGRAMS} mutated datagrams (seed ${SEED}): no throw, views in bounds, counters consistent`, () => {
    const prng = new Prng(SEED);
    const base = corpus(prng, 300);
    const sink = new CheckingSink();
    const stats = new FlowStats();
    const decoder = new SflowDecoder(sink, stats);
    let ifCounters = 0;
    decoder.counterSink = { ifCounters: () => { ifCounters++; } };
    const buffer = new Uint8Array(4096);
    let valid = 0;
    let validAccounted = 0;
    for (let i = 0; i < DATAGRAMS; i++) {
      const src = base[prng.int(base.length)];
      const exporter = prng.int(4);
      let length: number;
      const before = sink.calls;
      if (prng.chance(0.1)) {
        buffer.set(src.bytes);
        length = src.bytes.length;
        valid++;
      } else {
        length = mutateSflow(prng, src.bytes, buffer);
      }
      sink.length = length;
      const errorsBefore = stats.errors.reduce((a, b) => a + b, 0);
      const malformedBefore = stats.get(exporter, FlowCounter.MALFORMED);
      if (prng.chance(0.05)) decoder.rateSource = decoder.rateSource === 'sampling_rate' ? 'sample_pool' : 'sampling_rate';
      try {
        decoder.datagram(buffer, length, exporter, i);
      } catch (err) {
        assert.fail(`datagram ${i} (seed ${SEED}) threw ${String(err)}: ${Buffer.from(buffer.subarray(0, length)).toString('hex')}`);
      }
      if (length === src.bytes.length && buffer.subarray(0, length).every((b, j) => b === src.bytes[j])) {
        assert.equal(sink.calls - before, src.accountable, `valid datagram ${i} accounted ${sink.calls - before}`);
        validAccounted++;
      }
      assert.equal(sink.bad, '', `datagram ${i}`);
      assert.equal(stats.get(exporter, FlowCounter.MALFORMED) - malformedBefore, stats.errors.reduce((a, b) => a + b, 0) > errorsBefore ? 1 : 0,
        `datagram ${i}: MALFORMED once per datagram with errors`);
    }
    let datagrams = 0;
    let records = 0;
    let malformed = 0;
    for (let e = 0; e < 4; e++) {
      datagrams += stats.get(e, FlowCounter.DATAGRAMS);
      records += stats.get(e, FlowCounter.RECORDS);
      malformed += stats.get(e, FlowCounter.MALFORMED);
    }
    assert.equal(datagrams, 0, "the listener counts datagrams, not the decoder");
    assert.equal(records, sink.calls, 'RECORDS = sink calls');
    assert.ok(malformed <= stats.errors.reduce((a, b) => a + b, 0) && malformed <= DATAGRAMS, 'MALFORMED counts datagrams, errors problems');
    assert.ok(malformed > DATAGRAMS / 4, `mutations were seen as malformed (${malformed})`);
    assert.ok(ifCounters > 0, 'counters samples were read too');
    assert.ok(validAccounted >= valid, `unmutated datagrams checked (${validAccounted})`);
    assert.ok(decoder.trackedStreams <= 65536 && decoder.trackedSources <= 262144);
  });

  it('allocates nothing per datagram, sample or record (no young-generation GC over 200k datagrams)', () => {
    const prng = new Prng(7);
    const base = corpus(prng, 500);
    let calls = 0;
    const sink: FlowSink = {
      record: (_e, r) => { calls += r.bytes; },
      sampledHeader: (_e, d, o, hl, fl) => { calls += d[o] + hl + fl; },
    };
    const decoder = new SflowDecoder(sink, new FlowStats());
    const run = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const d = base[i % base.length];
        // Renumber in place so that every datagram and sample is in sequence (the tracked path).
        const seq = Math.floor(i / base.length) + 2;
        d.bytes[d.sequenceAt + 3] = seq; d.bytes[d.sequenceAt + 2] = seq >>> 8;
        for (const s of d.samples) { d.bytes[s.sequenceAt + 3] = seq; d.bytes[s.sequenceAt + 2] = seq >>> 8; }
        decoder.datagram(d.bytes, d.bytes.length, i & 7, i);
      }
    };
    run(50_000);
    const collections = fewestYoungGcs(() => run(200_000));
    assert.ok(calls > 0);
    assert.equal(collections, 0, `${collections} young-generation collections while decoding`);
  });
});
