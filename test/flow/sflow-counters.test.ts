import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowCounter, FlowError, FlowStats } from '../../src/flow/flow-sink.ts';
import type { SflowCounterSink, SflowIfCounters } from '../../src/flow/sflow-counters.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';
import { ifCounters, RecordingFlowSink, sflowDatagram } from '../support/sflow-builder.ts';

class Recorder implements SflowCounterSink {
  readonly seen: Array<[number, number, number, SflowIfCounters]> = [];
  ifCounters(exporter: number, sourceType: number, sourceIndex: number, c: SflowIfCounters): void {
    this.seen.push([exporter, sourceType, sourceIndex, { ...c }]);
  }
}

describe('sFlow counters samples', () => {
  it('hands if_counters of compact and expanded counters samples to the counter sink, other blocks skipped', () => {
    const flows = new RecordingFlowSink();
    const stats = new FlowStats();
    const decoder = new SflowDecoder(flows, stats);
    const counters = new Recorder();
    decoder.counterSink = counters;
    const d = sflowDatagram({ agent: '192.0.2.1', sequence: 1, uptime: 1, samples: [
      { kind: 'counters', sequence: 1, sourceIndex: 7, records: [
        { enterprise: 0, format: 2, data: new Uint8Array(52) },
        { enterprise: 0, format: 1, data: ifCounters(7, 2 ** 40 + 5, 123) },
      ] },
      { kind: 'counters', expanded: true, sequence: 1, sourceType: 0, sourceIndex: 0x2000000, records: [
        { enterprise: 0, format: 1, data: ifCounters(0x2000000, 1, 2) },
        { enterprise: 4300, format: 1, data: new Uint8Array(13) },
      ] },
    ] });
    decoder.datagram(d, d.length, 4, 0);
    const want = (ifIndex: number, inOctets: number, outOctets: number): SflowIfCounters => ({
      ifIndex, ifType: 6, ifSpeed: 1e9, ifStatus: 3, inOctets, inUnicast: 0, inMulticast: 1, inBroadcast: 2,
      inDiscards: 3, inErrors: 4, outOctets, outUnicast: 0, outMulticast: 1, outBroadcast: 2, outDiscards: 3, outErrors: 4,
    } as SflowIfCounters);
    assert.deepEqual(counters.seen, [[4, 0, 7, want(7, 2 ** 40 + 5, 123)], [4, 0, 0x2000000, want(0x2000000, 1, 2)]]);
    assert.equal(flows.flows.length, 0);
    assert.deepEqual([stats.get(4, FlowCounter.RECORDS), stats.get(4, FlowCounter.MALFORMED)], [0, 0]);
  });

  it('counts a short if_counters block as a bad sample when read, and ignores it when no counter sink is set', () => {
    const d = sflowDatagram({ agent: '192.0.2.1', sequence: 1, uptime: 1, samples: [
      { kind: 'counters', sequence: 1, sourceIndex: 7, records: [{ enterprise: 0, format: 1, data: new Uint8Array(84) }] },
    ] });
    const stats = new FlowStats();
    const decoder = new SflowDecoder(new RecordingFlowSink(), stats);
    decoder.datagram(d, d.length, 0, 0);
    assert.equal(stats.get(0, FlowCounter.MALFORMED), 0);
    decoder.counterSink = new Recorder();
    decoder.datagram(d, d.length, 0, 0);
    assert.equal(stats.errors[FlowError.BAD_SAMPLE], 1);
  });
});
