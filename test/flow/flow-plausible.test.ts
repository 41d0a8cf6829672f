import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowCounter, FlowError, FlowStats, MAX_RECORD_BYTES, MAX_RECORD_PACKETS, plausibleCounts } from '../../src/flow/flow-sink.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { dataSet, type FieldSpec, ipfixMessage, ipfixTemplateSet, v5Datagram, v9Packet, v9TemplateSet } from '../support/netflow-builder.ts';
import { RecordingFlowSink, sflowDatagram, type SflowFlowRecordSpec } from '../support/sflow-builder.ts';
import { Harness } from './netflow-harness.ts';

/**
 * One record must not be able to claim more than a flow can carry (issue 14, review finding: an
 * 8-byte octetDeltaCount of 1.8e19, past 2^53, would destroy a bill): records over
 * MAX_RECORD_BYTES / MAX_RECORD_PACKETS, count × sampling rate, are dropped as implausible_count.
 */
const WIDE: FieldSpec[] = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 4, length: 1 }, { id: 1, length: 8 }, { id: 2, length: 8 }];
const SAMPLED: FieldSpec[] = [...WIDE, { id: 34, length: 4 }];

describe('plausibility caps per record', () => {
  it('the rule: count × rate within 2^48 bytes and 2^42 packets; NaN never passes', () => {
    assert.ok(plausibleCounts(MAX_RECORD_BYTES, 1, 1));
    assert.ok(!plausibleCounts(MAX_RECORD_BYTES + 1024, 1, 1));
    assert.ok(plausibleCounts(2 ** 38, 1, 1024) && !plausibleCounts(2 ** 38, 1, 1025));
    assert.ok(!plausibleCounts(1, MAX_RECORD_PACKETS * 2, 1));
    assert.ok(!plausibleCounts(Number.NaN, 1, 1) && !plausibleCounts(1, Number.NaN, 1));
    assert.ok(plausibleCounts(1000, 1, 0), 'a rate under 1 counts as 1');
  });

  it('netflow v9: an 8-byte counter of 1.8e19 is dropped, the record beside it counted', () => {
    const h = new Harness();
    h.feed(v9Packet({ sequence: 1, sourceId: 0, sysUptime: 1000 }, [v9TemplateSet([{ id: 256, fields: WIDE }]),
      dataSet(256, WIDE, [['10.0.0.1', '10.0.0.2', 6, 0xffffffffffffffffn, 1], ['10.0.0.3', '10.0.0.4', 6, 1500, 1],
        ['10.0.0.5', '10.0.0.6', 6, 100, 2n ** 50n]])]));
    assert.deepEqual(h.take().map((r) => r.src), ['10.0.0.3']);
    assert.equal(h.stats.errors[FlowError.IMPLAUSIBLE_COUNT], 2);
    assert.equal(h.counter('RECORDS'), 1, 'RECORDS counts records handed over');
    assert.equal(h.counter('MALFORMED'), 1);
  });

  it('ipfix: count × the record\'s sampling interval past the cap is dropped; at the cap it is counted', () => {
    const h = new Harness();
    h.feed(ipfixMessage({ sequence: 0, domain: 1 }, [ipfixTemplateSet([{ id: 300, fields: SAMPLED }]),
      dataSet(300, SAMPLED, [['10.0.0.1', '10.0.0.2', 6, 2 ** 40, 1, 1000], ['10.0.0.3', '10.0.0.4', 6, 2 ** 38, 1, 1024]])]));
    assert.deepEqual(h.take().map((r) => [r.src, r.bytes * r.samplingRate]), [['10.0.0.3', MAX_RECORD_BYTES]]);
    assert.equal(h.stats.errors[FlowError.IMPLAUSIBLE_COUNT], 1);
    assert.equal(h.counter('LOST_RECORDS'), 0, 'the sequence still counts the dropped record');
  });

  it('netflow v5 and the configured rate: packets × rate past 2^42 is dropped', () => {
    const h = new Harness();
    h.configured.set(0, 2 ** 20);
    h.feed(v5Datagram({ sequence: 0 }, [{ src: '10.0.0.1', dst: '10.0.0.2', packets: 2 ** 23, bytes: 1000 },
      { src: '10.0.0.3', dst: '10.0.0.4', packets: 2 ** 22, bytes: 1000 }]));
    assert.deepEqual(h.take().map((r) => r.src), ['10.0.0.3']);
    assert.equal(h.stats.errors[FlowError.IMPLAUSIBLE_COUNT], 1);
    assert.equal(h.counter('RECORDS'), 1);
  });

  it('sFlow: a sampled_ipv4 length or a frame length × rate past the cap is dropped', () => {
    const sink = new RecordingFlowSink();
    const stats = new FlowStats();
    const decoder = new SflowDecoder(sink, stats);
    const frame = ethernetIPv4({ src: '10.1.2.3', dst: '10.4.5.6', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 20 });
    const header = (frameLength: number): SflowFlowRecordSpec => ({ kind: 'header', protocol: 1, frameLength, stripped: 4, header: frame });
    const ipv4 = (length: number): SflowFlowRecordSpec => ({ kind: 'ipv4', length, protocol: 6, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2 });
    const sample = (sequence: number, samplingRate: number, records: SflowFlowRecordSpec[]) =>
      ({ kind: 'flow' as const, sequence, sourceIndex: 7, samplingRate, samplePool: samplingRate * sequence, input: 1, output: 2, records });
    const d = sflowDatagram({ agent: '192.0.2.1', sequence: 1, uptime: 1000, samples: [
      sample(1, 1_000_000, [ipv4(0xffffffff)]), // 4.3e15 bytes
      sample(2, 100_000, [header(0xfffffff0)]), // a frame of 4 GB × 1e5
      sample(3, 1_000_000, [ipv4(1500)]),
      sample(4, 4096, [header(frame.length + 4)]),
    ] });
    decoder.datagram(d, d.length, 0, 0);
    assert.equal(sink.flows.length, 2);
    assert.equal(stats.errors[FlowError.IMPLAUSIBLE_COUNT], 2);
    assert.equal(stats.get(0, FlowCounter.RECORDS), 2);
    assert.equal(stats.get(0, FlowCounter.MALFORMED), 1);
  });
});
