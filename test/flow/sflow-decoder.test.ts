import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowCounter, FlowError, FlowStats } from '../../src/flow/flow-sink.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';
import { compactIfIndex, expandedIfIndex } from '../../src/flow/sflow-format.ts';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import {
  ifCounters, RecordingFlowSink, sflowDatagram, type SflowDatagramSpec, type SflowFlowRecordSpec,
  type SflowFlowSampleSpec,
} from '../support/sflow-builder.ts';

const FRAME = ethernetIPv4({ src: '10.1.2.3', dst: '10.4.5.6', proto: 6, srcPort: 1234, dstPort: 80, payloadLength: 200 });
const HEADER: SflowFlowRecordSpec = { kind: 'header', protocol: 1, frameLength: FRAME.length + 4, stripped: 4,
  header: FRAME.subarray(0, 128) };

function flow(records: SflowFlowRecordSpec[], over: Partial<SflowFlowSampleSpec> = {}): SflowFlowSampleSpec {
  return { kind: 'flow', sequence: 1, sourceIndex: 7, samplingRate: 512, samplePool: 512, input: 7, output: 9,
    records, ...over };
}

function datagram(over: Partial<SflowDatagramSpec>): Uint8Array {
  return sflowDatagram({ agent: '192.0.2.1', sequence: 1, uptime: 1000, samples: [], ...over });
}

function setup() {
  const sink = new RecordingFlowSink();
  const stats = new FlowStats();
  const decoder = new SflowDecoder(sink, stats);
  const feed = (d: Uint8Array, exporter = 0): void => decoder.datagram(d, d.length, exporter, 0);
  const counters = (exporter = 0) => ({
    datagrams: stats.get(exporter, FlowCounter.DATAGRAMS), records: stats.get(exporter, FlowCounter.RECORDS),
    malformed: stats.get(exporter, FlowCounter.MALFORMED), lostDatagrams: stats.get(exporter, FlowCounter.LOST_DATAGRAMS),
    lostRecords: stats.get(exporter, FlowCounter.LOST_RECORDS),
  });
  return { sink, stats, decoder, feed, counters };
}

describe('sFlow decoder: flow samples', () => {
  it('hands a compact sample\'s raw header to the sink with its frame length, protocol, rate and interfaces', () => {
    const { sink, feed, counters } = setup();
    feed(datagram({ samples: [flow([HEADER])] }));
    assert.deepEqual(sink.flows, [{ kind: 'header', exporter: 0, header: FRAME.subarray(0, 128), frameLength: FRAME.length + 4,
      headerProtocol: 1, samplingRate: 512, inputIf: 7, outputIf: 9 }]);
    assert.deepEqual(counters(), { datagrams: 0, records: 1, malformed: 0, lostDatagrams: 0, lostRecords: 0 });
  });

  it('reads expanded samples: 32-bit source ids and interfaces, format/value pairs', () => {
    const { sink, feed } = setup();
    const expanded = (input: { format: number; value: number }, output: { format: number; value: number }) =>
      flow([HEADER], { expanded: true, sourceType: 0, sourceIndex: 0x2000000, input, output });
    feed(datagram({ samples: [
      expanded({ format: 0, value: 0x1000000 }, { format: 0, value: 0x3fffffff }),
      expanded({ format: 0, value: 0xffffffff }, { format: 1, value: 258 }),
      expanded({ format: 0, value: 3 }, { format: 2, value: 7 }),
    ] }));
    assert.deepEqual(sink.flows.map((f) => [f.inputIf, f.outputIf]), [[0x1000000, 0x3fffffff], [0, 0], [3, 0]]);
  });

  it('decodes the compact interface word by its top two bits (ifIndex, discarded, several interfaces)', () => {
    const table: Array<[number, number]> = [[5, 5], [0, 0], [0x00ffffff, 0x00ffffff], [0x3fffffff, 0], [0x40000102, 0],
      [0x40000000, 0], [0x80000007, 0], [0x80000000, 0], [0xc0000001, 0]];
    for (const [word, ifIndex] of table) assert.equal(compactIfIndex(word), ifIndex, `0x${word.toString(16)}`);
    assert.equal(expandedIfIndex(0, 0xfffffffe), 0xfffffffe);
    const { sink, feed } = setup();
    feed(datagram({ samples: table.map(([word]) => flow([HEADER], { input: 4, output: word })) }));
    assert.deepEqual(sink.flows.map((f) => f.outputIf), table.map(([, ifIndex]) => ifIndex));
  });

  it('turns sampled IPv4 and IPv6 records into flow records (bytes = their length, 1 packet, the sample\'s rate)', () => {
    const { sink, feed, counters } = setup();
    feed(datagram({ samples: [
      flow([{ kind: 'ipv4', length: 1500, protocol: 17, src: '198.51.100.1', dst: '203.0.113.9', srcPort: 53,
        dstPort: 0x12345 }], { samplingRate: 1000, input: 2, output: 3 }),
      flow([{ kind: 'ipv6', length: 1280, protocol: 6, src: '2001:db8::1', dst: '2001:db8:ffff::2', srcPort: 443,
        dstPort: 50000 }, { kind: 'switch', srcVlan: 0, dstVlan: 300 }], { samplingRate: 64, sequence: 2 }),
    ] }));
    assert.deepEqual(sink.flows, [
      { kind: 'record', exporter: 0, v6: false, src: [0xc6336401, 0, 0, 0], dst: [0xcb007109, 0, 0, 0], srcPort: 53,
        dstPort: 0x2345, protocol: 17, vlanId: 0, inputIf: 2, outputIf: 3, bytes: 1500, packets: 1, samplingRate: 1000 },
      { kind: 'record', exporter: 0, v6: true, src: [0x20010db8, 0, 0, 1], dst: [0x20010db8, 0xffff0000, 0, 2], srcPort: 443,
        dstPort: 50000, protocol: 6, vlanId: 300, inputIf: 7, outputIf: 9, bytes: 1280, packets: 1, samplingRate: 64 },
    ]);
    assert.equal(counters().records, 2);
  });

  it('counts a sample with both a raw header and a sampled IPv4 record once, from the header', () => {
    const { sink, feed, counters } = setup();
    const ipv4: SflowFlowRecordSpec = { kind: 'ipv4', length: 999, protocol: 6, src: '10.9.9.9', dst: '10.8.8.8',
      srcPort: 1, dstPort: 2 };
    feed(datagram({ samples: [flow([ipv4, HEADER]), flow([HEADER, ipv4], { sequence: 2 })] }));
    assert.deepEqual(sink.flows.map((f) => f.kind), ['header', 'header']);
    assert.equal(counters().records, 2);
  });

  it('gives the extended switch VLAN (src_vlan, else dst_vlan; 0 past 4095) to the sink during a header call', () => {
    const { sink, decoder, feed } = setup();
    const seen: number[] = [];
    sink.onHeader = () => seen.push(decoder.switchVlan);
    feed(datagram({ samples: [
      flow([HEADER, { kind: 'switch', srcVlan: 10, dstVlan: 20 }]),
      flow([{ kind: 'switch', srcVlan: 0, dstVlan: 20 }, HEADER], { sequence: 2 }),
      flow([HEADER], { sequence: 3 }),
      flow([HEADER, { kind: 'switch', srcVlan: 5000, dstVlan: 20 }], { sequence: 4 }),
    ] }));
    assert.deepEqual(seen, [10, 20, 0, 0]);
  });

  it('passes IPv6 and raw-IP headers with their header_protocol', () => {
    const { sink, feed } = setup();
    const v6 = ethernetIPv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payloadLength: 3 });
    feed(datagram({ agent: '2001:db8::99', samples: [
      flow([{ kind: 'header', protocol: 1, frameLength: v6.length, stripped: 0, header: v6 }]),
      flow([{ kind: 'header', protocol: 12, frameLength: v6.length - 14, stripped: 0, header: v6.subarray(14) }],
        { sequence: 2 }),
    ] }));
    assert.deepEqual(sink.flows.map((f) => f.kind === 'header' && [f.headerProtocol, f.header.length, f.frameLength]),
      [[1, v6.length, v6.length], [12, v6.length - 14, v6.length - 14]]);
  });
});

describe('sFlow decoder: what it skips', () => {
  it('skips counter samples (compact and expanded), vendor samples and unknown flow records by their length', () => {
    const { sink, feed, counters } = setup();
    feed(datagram({ samples: [
      { kind: 'counters', sequence: 1, sourceIndex: 7, records: [{ enterprise: 0, format: 1, data: ifCounters(7, 1, 2) }] },
      { kind: 'counters', expanded: true, sequence: 2, sourceIndex: 7,
        records: [{ enterprise: 0, format: 1, data: ifCounters(7, 1, 2) }, { enterprise: 0, format: 2, data: new Uint8Array(52) }] },
      { kind: 'raw', enterprise: 4300, format: 1002, data: new Uint8Array(13) },
      { kind: 'raw', enterprise: 0, format: 5, data: new Uint8Array(40) },
      flow([{ kind: 'raw', enterprise: 0, format: 1002, data: new Uint8Array(20) },
        { kind: 'raw', enterprise: 9, format: 1, data: new Uint8Array(7) }, HEADER]),
    ] }));
    assert.deepEqual(sink.flows.map((f) => f.kind), ['header']);
    assert.deepEqual(counters(), { datagrams: 0, records: 1, malformed: 0, lostDatagrams: 0, lostRecords: 0 });
  });

  it('accounts nothing for a sample with no packet header record (sampled_ethernet or extended records only)', () => {
    const { sink, feed, counters } = setup();
    feed(datagram({ samples: [flow([{ kind: 'raw', enterprise: 0, format: 2, data: new Uint8Array(24) },
      { kind: 'switch', srcVlan: 3, dstVlan: 3 }])] }));
    assert.equal(sink.flows.length, 0);
    assert.deepEqual(counters(), { datagrams: 0, records: 0, malformed: 0, lostDatagrams: 0, lostRecords: 0 });
  });
});

describe('sFlow decoder: malformed datagrams', () => {
  const cases: Array<[string, () => Uint8Array, number, number]> = [
    ['empty', () => new Uint8Array(0), FlowError.TRUNCATED, 0],
    ['version 4', () => datagram({ version: 4, samples: [flow([HEADER])] }), FlowError.BAD_VERSION, 0],
    ['a NetFlow v9 header', () => Uint8Array.of(0, 9, 0, 1, 0, 0, 0, 0), FlowError.BAD_VERSION, 0],
    ['agent address type 3', () => { const d = datagram({ samples: [flow([HEADER])] }); d[7] = 3; return d; }, FlowError.BAD_SAMPLE, 0],
    ['header cut short', () => datagram({}).subarray(0, 20), FlowError.TRUNCATED, 0],
    ['sample count past the end', () => datagram({ samples: [flow([HEADER])], sampleCount: 0xffffffff }), FlowError.TRUNCATED, 1],
    ['sample length past the end', () => datagram({ samples: [flow([HEADER]), flow([HEADER], { length: 4000 })] }),
      FlowError.TRUNCATED, 1],
    ['datagram cut inside a sample', () => { const d = datagram({ samples: [flow([HEADER]), flow([HEADER])] }); return d.subarray(0, d.length - 1); },
      FlowError.TRUNCATED, 1],
    ['zero-length flow sample', () => datagram({ samples: [{ kind: 'raw', enterprise: 0, format: 1, data: new Uint8Array(0) },
      flow([HEADER])] }),
      FlowError.BAD_SAMPLE, 1],
    ['record count past the sample', () => datagram({ samples: [flow([HEADER], { recordCount: 1000 }), flow([HEADER])] }),
      FlowError.BAD_SAMPLE, 1],
    ['record length past the sample', () => datagram({ samples: [flow([{ ...HEADER, length: 5000 } as SflowFlowRecordSpec]),
      flow([HEADER])] }), FlowError.BAD_SAMPLE, 1],
    ['header<> longer than its record', () => {
      const d = datagram({ samples: [flow([HEADER])] });
      const at = d.length - 128 - 4;
      d[at + 2] = 1; // header length 128 → 65664
      return d;
    }, FlowError.BAD_SAMPLE, 0],
    ['sampled_ipv4 too short', () => datagram({ samples: [flow([{ kind: 'raw', enterprise: 0, format: 3, data: new Uint8Array(28) }])] }),
      FlowError.BAD_SAMPLE, 0],
    ['zero-length extended switch', () => datagram({ samples: [flow([HEADER, { kind: 'raw', enterprise: 0, format: 1001,
      data: new Uint8Array(0) }])] }), FlowError.BAD_SAMPLE, 0],
    ['sampling rate 0', () => datagram({ samples: [flow([HEADER], { samplingRate: 0 }), flow([HEADER], { sequence: 2 })] }),
      FlowError.BAD_SAMPLE, 1],
  ];
  for (const [name, build, reason, accounted] of cases) {
    it(`${name}: one error (${reason}), ${accounted} sample(s) accounted, no throw`, () => {
      const { sink, stats, feed, counters } = setup();
      feed(build(), 3);
      assert.equal(stats.errors[reason], 1);
      assert.equal(stats.errors.reduce((a, b) => a + b, 0), 1);
      assert.equal(sink.flows.length, accounted);
      assert.deepEqual(counters(3), { datagrams: 0, records: accounted, malformed: 1, lostDatagrams: 0, lostRecords: 0 });
    });
  }

  it('takes a NaN, negative or too large length as the buffer\'s or as too short, never looping on it', () => {
    const { sink, stats, decoder } = setup();
    const d = datagram({ samples: [flow([HEADER])], sampleCount: 0xffffffff });
    decoder.datagram(d, Number.NaN, 0, 0);
    decoder.datagram(d, d.length + 1000, 0, 0);
    decoder.datagram(d, -1, 0, 0);
    assert.equal(sink.flows.length, 2);
    assert.deepEqual([stats.errors[FlowError.TRUNCATED], stats.get(0, FlowCounter.DATAGRAMS)], [3, 0]);
  });

  it('reads no further than `length` even when the buffer is longer', () => {
    const { sink, stats, decoder } = setup();
    const d = datagram({ samples: [flow([HEADER])] });
    const buffer = new Uint8Array(65536);
    buffer.set(d);
    decoder.datagram(buffer, d.length - 4, 0, 0);
    assert.equal(sink.flows.length, 0);
    assert.equal(stats.errors[FlowError.TRUNCATED], 1);
    decoder.datagram(buffer, d.length, 0, 0);
    assert.equal(sink.flows.length, 1);
  });
});
