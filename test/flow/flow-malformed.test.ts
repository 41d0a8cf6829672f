import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowCounter, FlowError, FlowStats } from '../../src/flow/flow-sink.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { dataSet, type FieldSpec, v9Packet, v9TemplateSet } from '../support/netflow-builder.ts';
import { RecordingFlowSink, sflowDatagram } from '../support/sflow-builder.ts';
import { Harness } from './netflow-harness.ts';

/**
 * otelacct.flow.malformed counts DATAGRAMS with a problem (once each), otelacct.flow.errors each
 * problem by error.type: a datagram is never counted malformed twice (issue 14, review finding:
 * a template refused by the full cache counted bad_template and its data set no_template, two
 * malformed for one datagram).
 */
describe('a malformed datagram counts once in MALFORMED, each problem in errors', () => {
  it('netflow v9: a bad template and the data set that needed it in one datagram', () => {
    const h = new Harness();
    const V4: FieldSpec[] = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 1, length: 4 }];
    const bad = v9TemplateSet([{ id: 256, fields: [{ id: 1, length: 0 }] }]); // records of length 0
    h.feed(v9Packet({ sequence: 1, sourceId: 0, sysUptime: 1000 }, [bad, dataSet(256, V4, [['10.0.0.1', '10.0.0.2', 5]])]));
    assert.equal(h.stats.errors[FlowError.BAD_TEMPLATE], 1);
    assert.equal(h.stats.errors[FlowError.NO_TEMPLATE], 1);
    assert.equal(h.counter('MALFORMED'), 1);
    // The next datagram is counted on its own.
    h.feed(v9Packet({ sequence: 2, sourceId: 0, sysUptime: 1000 }, [dataSet(257, V4, [['10.0.0.1', '10.0.0.2', 5]])]));
    assert.equal(h.counter('MALFORMED'), 2);
  });

  it('sFlow: two bad samples in one datagram', () => {
    const stats = new FlowStats();
    const decoder = new SflowDecoder(new RecordingFlowSink(), stats);
    const frame = ethernetIPv4({ src: '10.1.2.3', dst: '10.4.5.6', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 20 });
    const header = { kind: 'header' as const, protocol: 1, frameLength: frame.length + 4, stripped: 4, header: frame };
    const zeroRate = { kind: 'flow' as const, sequence: 1, sourceIndex: 7, samplingRate: 0, samplePool: 0, input: 1, output: 2, records: [header] };
    const d = sflowDatagram({ agent: '192.0.2.1', sequence: 1, uptime: 1000, samples: [zeroRate, { ...zeroRate, sequence: 2 }] });
    decoder.datagram(d, d.length, 0, 0);
    assert.equal(stats.errors[FlowError.BAD_SAMPLE], 2);
    assert.equal(stats.get(0, FlowCounter.MALFORMED), 1);
  });

  it('a sink used outside a datagram counts each problem (the accountant on its own)', () => {
    const stats = new FlowStats();
    stats.error(3, FlowError.UNDECODABLE_HEADER);
    stats.error(3, FlowError.UNDECODABLE_HEADER);
    assert.equal(stats.get(3, FlowCounter.MALFORMED), 2);
  });
});
