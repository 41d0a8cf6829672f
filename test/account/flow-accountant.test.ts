import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregationSpec } from '../../src/account/aggregation-spec.ts';
import { KeyWord } from '../../src/account/flow-key.ts';
import { resolveAggregations } from '../../src/config/aggregations.ts';
import { FlowAttributes } from '../../src/export/flow-attributes.ts';
import { FlowError, FlowRecord, FlowStats, SflowHeaderProtocol } from '../../src/flow/flow-sink.ts';
import { InterfaceNames, InterfaceNameTable, parseInterfaceNames } from '../../src/flow/interface-names.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { TestAccounting } from '../support/accounting.ts';
import { fewestYoungGcs } from '../support/allocation.ts';
import { ethernetIPv4, ethernetIPv6, ipv4Packet, ipv6Packet, parseIPv4, parseIPv6 } from '../support/frames.ts';

const LOCAL = ['10.0.0.0/8', '2001:db8::/32'];
const PAIR = { name: 'pair', dimensions: ['source.address', 'destination.address', 'source.port', 'destination.port', 'network.type', 'network.transport', 'network.interface.name', 'otelacct.vlan.id', 'network.io.direction'] };
const HOST = { name: 'host', dimensions: ['otelacct.local.address', 'otelacct.remote.port', 'network.io.direction'] };

/** Words of an address as FlowRecord holds them. */
function words(text: string, out: Uint32Array): void {
  const b = text.includes(':') ? parseIPv6(text) : parseIPv4(text);
  out.fill(0);
  for (let i = 0; i < b.length; i += 4) out[i / 4] = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

function record(src: string, dst: string, o: Partial<Pick<FlowRecord, 'srcPort' | 'dstPort' | 'protocol' | 'bytes' | 'packets' | 'samplingRate' | 'vlanId' | 'inputIf' | 'outputIf'>>): FlowRecord {
  const r = new FlowRecord();
  r.reset();
  r.v6 = src.includes(':');
  words(src, r.src);
  words(dst, r.dst);
  Object.assign(r, o);
  return r;
}

describe('flow records and sampled headers count as packets do', () => {
  const frames = [
    ethernetIPv4({ src: '10.1.1.1', dst: '192.0.2.7', proto: 6, srcPort: 40000, dstPort: 443, payloadLength: 100, vlan: [42] }),
    ethernetIPv4({ src: '192.0.2.7', dst: '10.1.1.1', proto: 17, srcPort: 53, dstPort: 5353, payloadLength: 30 }),
    ethernetIPv6({ src: '2001:db8::5', dst: '2a00::1', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 12 }),
    ethernetIPv4({ src: '10.1.1.1', dst: '10.2.2.2', proto: 1, payloadLength: 8 }),
  ];

  it('a frame counted via packet() and the same frame as an sFlow header at rate 1 give the same series', () => {
    for (const aggs of [[PAIR], [HOST]]) {
      const pcap = new TestAccounting(aggs, { local: LOCAL });
      const sflow = new TestAccounting(aggs, { local: LOCAL });
      for (const f of frames) {
        pcap.accountant.packet(f, 0, f.length, f.length, LinkType.ETHERNET, pcap.ifIndex);
        sflow.accountant.sampledHeader(0, f, 0, f.length, f.length + 4, SflowHeaderProtocol.ETHERNET, 1, 3, 4, sflow.ifIndex);
      }
      assert.deepEqual(sflow.rows(0), pcap.rows(0));
      assert.ok(pcap.rows(0).size >= 3);
      assert.equal(sflow.accountant.totalBytes, pcap.accountant.totalBytes);
    }
  });

  it('rate N scales bytes and packets by N; raw IPv4 (11) and IPv6 (12) headers decode too', () => {
    const one = new TestAccounting([PAIR], { local: LOCAL });
    const n = new TestAccounting([PAIR], { local: LOCAL });
    const v4 = ipv4Packet({ src: '10.1.1.1', dst: '192.0.2.7', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 60 });
    const v6 = ipv6Packet({ src: '2001:db8::5', dst: '2a00::1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 12 });
    // The header sits inside a bigger datagram at an offset, as decoders pass it.
    const datagram = new Uint8Array(200);
    datagram.set(v4, 17);
    datagram.set(v6, 120);
    for (const t of [one, n]) {
      const rate = t === one ? 1 : 512;
      t.accountant.sampledHeader(0, datagram, 17, 40, v4.length, SflowHeaderProtocol.IPV4, rate, 0, 0, t.ifIndex);
      t.accountant.sampledHeader(0, datagram, 120, v6.length, v6.length, SflowHeaderProtocol.IPV6, rate, 0, 0, t.ifIndex);
    }
    const rows1 = [...one.rows(0)];
    const rowsN = [...n.rows(0)];
    assert.equal(rows1.length, 2);
    assert.deepEqual(rows1.map(([, [b, p]]) => [b, p]), [[v4.length, 1], [v6.length, 1]]);
    assert.deepEqual(rowsN, rows1.map(([k, [b, p]]) => [k, [b * 512, p * 512]]));
  });

  it('headers the packet decoder cannot use are counted as undecodable_header, not accounted', () => {
    const t = new TestAccounting([PAIR]);
    const stats = new FlowStats();
    const arp = new Uint8Array(60);
    arp[12] = 0x08; arp[13] = 0x06;
    t.accountant.sampledHeader(3, arp, 0, 60, 64, SflowHeaderProtocol.ETHERNET, 10, 0, 0, t.ifIndex, stats);
    t.accountant.sampledHeader(3, arp, 0, 60, 64, 7 /* token ring */, 10, 0, 0, t.ifIndex, stats);
    t.accountant.sampledHeader(3, arp, 0, 10, 64, SflowHeaderProtocol.IPV4, 10, 0, 0, t.ifIndex, stats);
    assert.equal(stats.errors[FlowError.UNDECODABLE_HEADER], 3);
    assert.equal(stats.get(3, 2 /* MALFORMED */), 3);
    assert.equal(t.rows(0).size, 0);
    assert.equal(t.accountant.totalPackets, 0);
  });

  it('record() gives the series the packet path gives; sampling multiplies; ICMP ports are 0 as decoded', () => {
    const pcap = new TestAccounting([PAIR, HOST], { local: LOCAL });
    const flow = new TestAccounting([PAIR, HOST], { local: LOCAL });
    const p1 = ipv4Packet({ src: '10.1.1.1', dst: '192.0.2.7', proto: 6, srcPort: 40000, dstPort: 443, payloadLength: 100 });
    const p2 = ipv6Packet({ src: '2a00::1', dst: '2001:db8::5', proto: 17, srcPort: 53, dstPort: 999, payloadLength: 12 });
    const p3 = ipv4Packet({ src: '10.1.1.1', dst: '10.2.2.2', proto: 1, payloadLength: 8 });
    for (let i = 0; i < 3; i++) for (const p of [p1, p2, p3]) pcap.add(p);
    flow.accountant.record(0, record('10.1.1.1', '192.0.2.7', { protocol: 6, srcPort: 40000, dstPort: 443, bytes: p1.length, packets: 1, samplingRate: 3 }), flow.ifIndex);
    flow.accountant.record(0, record('2a00::1', '2001:db8::5', { protocol: 17, srcPort: 53, dstPort: 999, bytes: p2.length * 3, packets: 3 }), flow.ifIndex);
    // NetFlow v5 carries ICMP type/code in the destination port: not a port.
    flow.accountant.record(0, record('10.1.1.1', '10.2.2.2', { protocol: 1, dstPort: 0x0800, bytes: p3.length * 3, packets: 3 }), flow.ifIndex);
    assert.deepEqual(flow.rows(0), pcap.rows(0));
    assert.deepEqual(flow.rows(1), pcap.rows(1));
    assert.equal(flow.accountant.internalBytes, pcap.accountant.internalBytes);
  });
});

describe('flow dimensions', () => {
  const FLOW = { name: 'flow', dimensions: ['source.address', 'otelacct.exporter.address', 'otelacct.ingress.interface.id', 'otelacct.egress.interface.id', 'otelacct.ingress.interface.name', 'otelacct.egress.interface.name'] };

  it('aggregations without flow dimensions keep no flow key words (captured traffic pays nothing)', () => {
    const [plain, flow] = resolveAggregations({ aggregations: [PAIR, FLOW], accounting: { dimensions: [] }, export: { cardinalityLimit: 10 } }).map((r) => new AggregationSpec(r));
    assert.equal(plain.flowWords, false);
    assert.ok(plain.keyWords.every((w) => w < KeyWord.EXPORTER));
    assert.deepEqual(flow.keyWords.filter((w) => w >= KeyWord.EXPORTER), [KeyWord.EXPORTER, KeyWord.IN_IF, KeyWord.OUT_IF, KeyWord.IN_NAME, KeyWord.OUT_NAME]);
  });

  it('exporter address, ifIndexes and names from the names file; captured packets have no exporter and no names', () => {
    const t = new TestAccounting([FLOW]);
    const table = new InterfaceNameTable();
    const exporters = ['192.0.2.1', '2001:db8::9', '198.51.100.3'];
    const map = parseInterfaceNames('192.0.2.1 514 xe-0/0/1\nip=2001:db8:0::9 ifindex=7 name=Ethernet7\n* 1 uplink # any exporter\n', 'names', table);
    t.accountant.interfaceNames = new InterfaceNames(map, (e) => exporters[e]);
    t.attributes[0] = new FlowAttributes(t.accountant.aggregations[0], t.interfaces, t.labels, 'unknown', { exporter: (e) => exporters[e], interfaceNames: table });
    t.accountant.record(0, record('10.0.0.1', '10.0.0.2', { protocol: 6, bytes: 100, packets: 2, inputIf: 514, outputIf: 1 }));
    t.accountant.record(1, record('10.0.0.1', '10.0.0.2', { protocol: 6, bytes: 10, packets: 1, inputIf: 7, outputIf: 8 }));
    t.accountant.record(2, record('10.0.0.1', '10.0.0.2', { protocol: 6, bytes: 1, packets: 1, inputIf: 514, outputIf: 0 }));
    t.add(ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 1, dstPort: 2 }));
    assert.deepEqual(t.rows(0), new Map([
      ['{"source.address":"10.0.0.1","otelacct.exporter.address":"192.0.2.1","otelacct.ingress.interface.id":514,"otelacct.egress.interface.id":1,"otelacct.ingress.interface.name":"xe-0/0/1","otelacct.egress.interface.name":"uplink"}', [100, 2]],
      ['{"source.address":"10.0.0.1","otelacct.exporter.address":"2001:db8::9","otelacct.ingress.interface.id":7,"otelacct.egress.interface.id":8,"otelacct.ingress.interface.name":"Ethernet7","otelacct.egress.interface.name":"8"}', [10, 1]],
      ['{"source.address":"10.0.0.1","otelacct.exporter.address":"198.51.100.3","otelacct.ingress.interface.id":514,"otelacct.egress.interface.id":0,"otelacct.ingress.interface.name":"514"}', [1, 1]],
      ['{"source.address":"10.0.0.1","otelacct.ingress.interface.id":0,"otelacct.egress.interface.id":0}', [40, 1]],
    ]));
  });

  it('names without the exporter merge the same name across exporters (no duplicate series)', () => {
    const t = new TestAccounting([{ name: 'byname', dimensions: ['otelacct.ingress.interface.name'] }]);
    const table = new InterfaceNameTable();
    const exporters = ['192.0.2.1', '192.0.2.2'];
    t.accountant.interfaceNames = new InterfaceNames(parseInterfaceNames('192.0.2.1 1 core\n192.0.2.2 9 core\n', 'names', table), (e) => exporters[e]);
    t.attributes[0] = new FlowAttributes(t.accountant.aggregations[0], t.interfaces, t.labels, 'unknown', { exporter: (e) => exporters[e], interfaceNames: table });
    t.accountant.record(0, record('10.0.0.1', '10.0.0.2', { bytes: 5, packets: 1, inputIf: 1 }));
    t.accountant.record(1, record('10.0.0.1', '10.0.0.2', { bytes: 7, packets: 1, inputIf: 9 }));
    assert.deepEqual(t.rows(0), new Map([['{"otelacct.ingress.interface.name":"core"}', [12, 2]]]));
    assert.equal(t.accountant.flowTables[0].size, 1);
  });

  it('names file problems are one line naming the file and line', () => {
    const table = new InterfaceNameTable();
    assert.throws(() => parseInterfaceNames('192.0.2.1 x eth0', 'f', table), { message: 'f: line 1: ifIndex "x" is not an integer from 0 to 2147483647' });
    assert.throws(() => parseInterfaceNames('\nrouter1 1 eth0', 'f', table), { message: 'f: line 2: exporter "router1" is not an IP address or *' });
    assert.throws(() => parseInterfaceNames('ip=192.0.2.1 name=x', 'f', table), /f: line 1: needs ifindex=/);
    assert.throws(() => parseInterfaceNames('192.0.2.1 1', 'f', table), /f: line 1: expected "EXPORTER IFINDEX NAME"/);
  });
});

describe('the flow path allocates nothing per record', () => {
  it('a million records and a million sampled headers with every flow dimension: no young-generation collection', () => {
    const FLOW = { name: 'flow', dimensions: ['source.address', 'destination.address', 'otelacct.exporter.address', 'otelacct.ingress.interface.name', 'otelacct.egress.interface.id'] };
    const t = new TestAccounting([FLOW, HOST], { local: LOCAL });
    const table = new InterfaceNameTable();
    t.accountant.interfaceNames = new InterfaceNames(parseInterfaceNames('* 1 a\n* 2 b\n', 'n', table), (e) => `192.0.2.${e}`);
    const recs = [record('10.1.1.1', '192.0.2.7', { protocol: 6, srcPort: 1, dstPort: 2, bytes: 1500, packets: 1, samplingRate: 100, inputIf: 1, outputIf: 2 }),
      record('2a00::1', '2001:db8::5', { protocol: 17, srcPort: 3, dstPort: 4, bytes: 3e6, packets: 2000, inputIf: 2, outputIf: 1 })];
    const frame = ethernetIPv4({ src: '10.1.1.1', dst: '192.0.2.7', proto: 6, srcPort: 40000, dstPort: 443, payloadLength: 100 });
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        t.accountant.record(i & 7, recs[i & 1]);
        t.accountant.sampledHeader(i & 7, frame, 0, 64, frame.length, SflowHeaderProtocol.ETHERNET, 256, 1, 2);
      }
    };
    run(20_000);
    const gcs = fewestYoungGcs(() => run(1_000_000));
    assert.equal(gcs, 0, `${gcs} young-generation collections over 1M records and 1M headers`);
    assert.equal(t.sumBytes(0), t.accountant.totalBytes);
  });
});
