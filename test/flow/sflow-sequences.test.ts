import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowCounter, FlowStats } from '../../src/flow/flow-sink.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';
import {
  LATE_WINDOW, MAX_GAP, MAX_SOURCES_PER_EXPORTER, MAX_STREAMS_PER_EXPORTER, SflowSequences, sequenceStep,
} from '../../src/flow/sflow-sequences.ts';
import { RecordingFlowSink, sflowDatagram, type SflowFlowSampleSpec } from '../support/sflow-builder.ts';

const V4 = Uint8Array.of(192, 0, 2, 1);

describe('sFlow sequence numbers', () => {
  it('steps: in order, gaps, duplicates, late arrivals, restarts and the 2^32 wrap', () => {
    assert.equal(sequenceStep(10, 11), 0);
    assert.equal(sequenceStep(10, 14), 3);
    assert.equal(sequenceStep(0xffffffff, 0), 0);
    assert.equal(sequenceStep(0xfffffffe, 2), 3);
    assert.equal(sequenceStep(10, 10), -1);
    assert.equal(sequenceStep(1000, 1000 - LATE_WINDOW), -1);
    assert.equal(sequenceStep(1000, 1000 - LATE_WINDOW - 1), -2);
    assert.equal(sequenceStep(1000, 1), -2);
    assert.equal(sequenceStep(1, 1 + MAX_GAP), MAX_GAP - 1);
    assert.equal(sequenceStep(1, 2 + MAX_GAP), -2);
  });

  it('counts lost datagrams per (exporter, agent, sub-agent), not across them', () => {
    const q = new SflowSequences();
    const lost = (exporter: number, sub: number, seq: number, uptime: number): number => {
      q.datagram(exporter, 1, V4, 0, 1, sub, seq, uptime);
      return q.lost;
    };
    assert.equal(lost(0, 0, 1, 100), 0);
    assert.equal(lost(0, 1, 500, 100), 0);
    assert.equal(lost(1, 0, 77, 100), 0);
    assert.equal(lost(0, 0, 2, 110), 0);
    assert.equal(lost(0, 1, 501, 110), 0);
    assert.equal(lost(0, 0, 6, 120), 3);
    assert.equal(lost(0, 0, 5, 120), 0, 'late: not counted again, not lost twice');
    assert.equal(lost(0, 0, 7, 130), 0, 'the baseline stayed at 6');
    assert.equal(q.streams, 3);
  });

  it('takes uptime going back, or the sequence going back, as a restart, not as loss', () => {
    const q = new SflowSequences();
    const lost = (seq: number, uptime: number): number => {
      q.datagram(0, 1, V4, 0, 1, 0, seq, uptime);
      return q.lost;
    };
    lost(1000, 5_000_000);
    assert.equal(lost(3, 100), 0, 'reboot: uptime and sequence back');
    assert.equal(lost(5, 200), 1, 'new baseline after the reboot');
    assert.equal(lost(6, 150), 0, 'uptime back with an in-order sequence: restart');
    assert.equal(lost(1, 300), 0, 'sequence back by more than the late window, uptime forward: restart');
    assert.equal(lost(2, 400), 0);
    lost(3, 0xfffffff0);
    assert.equal(lost(5, 0x10), 1, 'uptime wrapping past 2^32 ms is not a restart');
  });

  it('takes four late datagrams in a row, each following the last, as a restart within the late window', () => {
    const q = new SflowSequences();
    const lost = (seq: number): number => {
      q.datagram(0, 1, V4, 0, 1, 0, seq, 1000);
      return q.lost;
    };
    for (let seq = 1; seq <= 100; seq++) assert.equal(lost(seq), 0);
    assert.equal(lost(98), 0, 'late');
    assert.equal(lost(99), 0, 'late, following the last: two in a row');
    assert.equal(lost(102), 1, 'in order again: 101 lost, the run ended');
    for (const seq of [1, 2, 3, 4]) assert.equal(lost(seq), 0, 'a restart with the same uptime: late, then resynchronised');
    assert.equal(lost(7), 2, 'loss after the restart is counted');
  });

  it('counts lost flow samples per source from the sample sequence and the drops counter', () => {
    const q = new SflowSequences();
    const stream = q.datagram(0, 1, V4, 0, 1, 0, 1, 100);
    const sample = (source: number, seq: number, drops: number): number => {
      q.flowSample(stream, 0, source, seq, seq * 10, drops, 10);
      return q.lost;
    };
    assert.equal(sample(1, 1050, 7), 0, 'first sample: a baseline, its drops happened before we listened');
    assert.equal(sample(2, 9, 0), 0);
    assert.equal(sample(1, 1051, 7), 0);
    assert.equal(sample(1, 1054, 7), 2);
    assert.equal(sample(2, 10, 0), 0);
    assert.equal(sample(1, 1055, 10), 3, 'drops grew by 3');
    assert.equal(sample(1, 1057, 11), 2, 'one lost in transit, one dropped by the agent');
    assert.equal(sample(1, 1056, 11), 0, 'late sample');
    assert.equal(sample(1, 1, 0), 0, 'source restart: sequence and drops back');
    assert.equal(sample(1, 3, 0), 1);
    q.datagram(0, 1, V4, 0, 1, 0, 1, 50);
    assert.equal(sample(1, 900, 4), 0, 'the stream restarted: every source starts a new baseline');
    assert.equal(sample(1, 902, 4), 1);
  });

  it('computes sfacctd\'s renormalisation rate: Δpool / Δsequence, the sampling rate otherwise', () => {
    const q = new SflowSequences();
    const stream = q.datagram(0, 1, V4, 0, 1, 0, 1, 100);
    const rate = (seq: number, pool: number): number => {
      q.flowSample(stream, 0, 1, seq, pool, 0, 100);
      return q.poolRate;
    };
    assert.equal(rate(10, 1000), 100, 'first sample: the sampling rate');
    assert.equal(rate(11, 1173), 173);
    assert.equal(rate(13, 1400), 113, 'integer division over two samples');
    assert.equal(rate(13, 1500), 100, 'sequence did not grow');
    assert.equal(rate(14, 1401), 1, 'measured from the last computation (13, 1400)');
    assert.equal(rate(15, 1401), 100, 'pool did not grow');
    assert.equal(rate(16, 1401), 100);
    assert.equal(rate(1, 5), 100, 'back by less than 51: kept');
    assert.equal(rate(15, 1402), 1, 'still measured from (14, 1401)');
    assert.equal(rate(300, 50), 100, 'a jump of more than 50 without a pool increase: new baseline');
    assert.equal(rate(301, 150), 100);
  });

  it('lets one exporter\'s garbage (random agents and source ids) take only its own share of the tables', () => {
    const q = new SflowSequences();
    const agent = new Uint8Array(4);
    const view = new DataView(agent.buffer);
    for (let i = 0; i < MAX_STREAMS_PER_EXPORTER + 100; i++) {
      view.setUint32(0, i);
      const stream = q.datagram(5, 1, agent, 0, 1, 0, 1, 1);
      assert.equal(stream < 0, i >= MAX_STREAMS_PER_EXPORTER, `stream ${i}`);
    }
    const stream = q.datagram(5, 1, agent.fill(0), 0, 1, 0, 1, 1);
    for (let i = 0; i < MAX_SOURCES_PER_EXPORTER + 100; i++) q.flowSample(stream, 0, i, 1, 1, 0, 1);
    assert.equal(q.streams, MAX_STREAMS_PER_EXPORTER);
    assert.equal(q.sources, MAX_SOURCES_PER_EXPORTER);
    const other = q.datagram(6, 1, agent, 0, 1, 0, 1, 1);
    assert.ok(other >= 0, 'another exporter is still tracked');
    q.flowSample(other, 0, 1, 1, 1, 0, 1);
    q.flowSample(other, 0, 1, 3, 1, 0, 1);
    assert.equal(q.lost, 1);
    q.datagram(5, 1, agent, 0, 1, 0, 5, 2);
    assert.equal(q.lost, 3, 'known streams of the full exporter are still counted');
  });

  it('many exporters filling both tables cannot keep a newcomer\'s streams and sources from being tracked', () => {
    const q = new SflowSequences(); // 65,536 streams, 262,144 sources, 4,096 exporters
    const agent = new Uint8Array(4);
    const view = new DataView(agent.buffer);
    const hostile = 16;
    for (let e = 0; e < hostile; e++) {
      for (let i = 0; i < MAX_STREAMS_PER_EXPORTER; i++) {
        view.setUint32(0, i);
        const stream = q.datagram(e, 1, agent, 0, 1, 0, 1, 1);
        for (let j = 0; i < 4 && j < MAX_SOURCES_PER_EXPORTER / 4; j++) q.flowSample(stream, 0, j, 1, 1, 0, 1);
      }
    }
    assert.ok(q.streams >= 65536 / 2 && q.sources >= 262144 / 2, `the flood took the shared halves (${q.streams}, ${q.sources})`);
    const legit = 4000;
    const stream = q.datagram(legit, 1, V4, 0, 1, 0, 1, 1);
    assert.ok(stream >= 0, 'the newcomer\'s stream is tracked');
    q.datagram(legit, 1, V4, 0, 1, 0, 5, 2);
    assert.equal(q.lost, 3);
    for (let source = 0; source < 32; source++) {
      q.flowSample(stream, 0, source, 1, 1, 0, 1);
      q.flowSample(stream, 0, source, 3, 1, 0, 1);
      assert.equal(q.lost, 1, `source ${source} of its reserved 32 is tracked`);
    }
  });

  it('stops tracking new streams when its tables are full, and never grows past them', () => {
    const q = new SflowSequences(4, 4);
    for (let i = 0; i < 10; i++) q.datagram(i, 1, V4, 0, 1, 0, 1, 1);
    assert.equal(q.streams, 4);
    assert.equal(q.datagram(99, 1, V4, 0, 1, 0, 1, 1), -1);
    q.flowSample(-1, 0, 1, 5, 5, 0, 100);
    assert.equal(q.lost, 0);
    assert.equal(q.poolRate, 100);
  });
});

describe('sFlow decoder: sequence counters', () => {
  const flow = (sequence: number, drops = 0, pool = sequence * 100): SflowFlowSampleSpec => ({ kind: 'flow', sequence,
    sourceIndex: 3, samplingRate: 100, samplePool: pool, drops, input: 3, output: 4, records: [{ kind: 'ipv4', length: 100,
      protocol: 6, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2 }] });

  it('adds LOST_DATAGRAMS and LOST_RECORDS per exporter, IPv4 and IPv6 agents apart', () => {
    const stats = new FlowStats();
    const decoder = new SflowDecoder(new RecordingFlowSink(), stats);
    const feed = (agent: string, sequence: number, uptime: number, samples: SflowFlowSampleSpec[]): void => {
      const d = sflowDatagram({ agent, sequence, uptime, samples });
      decoder.datagram(d, d.length, 2, 0);
    };
    feed('192.0.2.1', 1, 10, [flow(1), flow(2)]);
    feed('2001:db8::1', 100, 10, [flow(40)]);
    feed('192.0.2.1', 2, 20, [flow(3)]);
    feed('2001:db8::1', 101, 20, [flow(41)]);
    assert.equal(stats.get(2, FlowCounter.LOST_DATAGRAMS), 0);
    feed('192.0.2.1', 5, 30, [flow(8, 2)]);
    assert.equal(stats.get(2, FlowCounter.LOST_DATAGRAMS), 2);
    assert.equal(stats.get(2, FlowCounter.LOST_RECORDS), 6, '4 samples lost in the 2 datagrams + 2 drops');
    feed('192.0.2.1', 1, 5, [flow(1)]);
    assert.equal(stats.get(2, FlowCounter.LOST_DATAGRAMS), 2, 'a restart is not loss');
    assert.equal(stats.get(2, FlowCounter.LOST_RECORDS), 6);
    assert.equal(stats.get(2, FlowCounter.DATAGRAMS), 0, "the listener counts datagrams, not the decoder");
    assert.equal(stats.get(2, FlowCounter.RECORDS), 7);
    assert.equal(decoder.trackedStreams, 2);
    assert.equal(decoder.trackedSources, 2);
  });

  it('scales by sampling_rate, or with rateSource sample_pool by sfacctd\'s Δpool / Δsequence', () => {
    const sink = new RecordingFlowSink();
    const decoder = new SflowDecoder(sink, new FlowStats());
    const feed = (seq: number, pool: number): void => {
      const d = sflowDatagram({ agent: '192.0.2.1', sequence: seq, uptime: seq, samples: [flow(seq, 0, pool)] });
      decoder.datagram(d, d.length, 0, 0);
    };
    feed(1, 100);
    feed(2, 290);
    decoder.rateSource = 'sample_pool';
    feed(3, 350);
    feed(5, 700);
    assert.deepEqual(sink.flows.map((f) => f.samplingRate), [100, 100, 60, 175]);
  });
});
