/**
 * The real-exporter oracle of the flow collector (issue 14, item 4): generated captures with a
 * known per-pair truth, real exporters run once over them (softflowd, pmacctd nfprobe/sfprobe:
 * test/support/flow-exporters.ts), their datagrams recorded once (test/support/flow-datagrams.ts)
 * and the same bytes replayed to nfacctd/sfacctd, whose per-key totals come back as a Map.
 * docs/flow-oracles.md says what each oracle shows and where the tools differ.
 *
 * Keys, everywhere (truth, nfacctd, sfacctd): the values of the aggregate's primitives in the
 * order given, joined by one space. Addresses as glibc inet_ntop writes them (IPv4 dotted quad,
 * IPv6 RFC 5952: `2a02:219f:0:52::1`), which is what pmacct and otelacct print
 * (src/decode/address-format.ts); protocol and ports as decimal numbers. Default aggregate
 * src_host,dst_host: key "10.0.0.1 11.2.3.4".
 */
import { createSocket } from 'node:dgram';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIPv4, formatIPv6 } from '../../src/decode/address-format.ts';
import { FlowCounter, FlowStats } from '../../src/flow/flow-sink.ts';
import { NetflowDecoder } from '../../src/flow/netflow-decoder.ts';
import { ethernetIPv4 } from './frames.ts';
import { writePairsCapture, type PairsTruth } from './pairs-capture.ts';
import { FlowRecorder, type SeenRecord } from './netflow-builder.ts';
import { PcapWriter } from './pcap-writer.ts';
import { replay } from './flow-datagrams.ts';
import { OutputWatch, stop, waitFor } from './processes.ts';
import { parseExposition, startOtelacct, sumBy } from './run-otelacct.ts';

export { exportDatagrams, runExporter, softflowdExportStats, type ExporterKind, type ExportOptions, type ExportResult } from './flow-exporters.ts';
export { DatagramRecorder, readDatagramsPcap, replay, udpSocketState, writeDatagramsPcap } from './flow-datagrams.ts';
export { pmacctCollectorTotals, runPmacctCollector, type CollectorOptions, type CollectorResult } from './pmacct-collector.ts';

/** Bytes and packets of one key. */
export interface FlowCounters {
  bytes: number;
  packets: number;
}

/** The primitives truth and collectors key by (pmacct names). */
export type FlowPrimitive = 'src_host' | 'dst_host' | 'proto' | 'src_port' | 'dst_port' | 'vlan';

/** A generated capture for the flow oracles. */
export interface FlowCapture {
  /** The pcap file (Ethernet). */
  file: string;
  /** The generator's per-pair truth (test/support/pairs-capture.ts); filler not included. */
  truth: PairsTruth;
  /** Filler packets appended after the truth's packets (pair FILLER_SRC → FILLER_DST, UDP 9 → 9, 40 bytes each). */
  fillerPackets: number;
}

/** The filler pair (TEST-NET-1) that ends every capture; keys starting with FILLER_KEY are not in the truth. */
export const FILLER_SRC = '192.0.2.1';
export const FILLER_DST = '192.0.2.2';
export const FILLER_KEY = `${FILLER_SRC} ${FILLER_DST}`;

/** Options of writeFlowCapture. */
export interface FlowCaptureOptions {
  file: string;
  packets: number;
  pairs: number;
  seed?: number;
  /** Default 0.3. */
  ipv6Share?: number;
  /** Default 0.2 (one 802.1Q tag). */
  vlanShare?: number;
  /** Local hosts (default min(pairs, 64)). */
  hosts?: number;
  /** Filler packets at the end (default 1024; see flow-exporters.ts for why). */
  fillerPackets?: number;
}

/**
 * Writes a capture of `packets` packets over `pairs` address pairs (IPv4 and IPv6; TCP, UDP,
 * ICMP, ICMPv6; some 802.1Q-tagged; no address scans; all within ~1 s per million packets), one
 * direction and one port pair per address pair, so each pair is one flow for every exporter.
 * Then appends the filler packets. Returns the file and the truth of the pairs (filler excluded).
 */
export function writeFlowCapture(o: FlowCaptureOptions): FlowCapture {
  const truth = writePairsCapture({
    file: o.file, packets: o.packets, pairs: o.pairs, seed: o.seed ?? 1, hosts: o.hosts ?? Math.min(o.pairs, 64),
    ipv6Share: o.ipv6Share ?? 0.3, vlanShare: o.vlanShare ?? 0.2, scanShare: 0,
  });
  const fillerPackets = o.fillerPackets ?? 1024;
  const frame = ethernetIPv4({ src: FILLER_SRC, dst: FILLER_DST, proto: 17, srcPort: 9, dstPort: 9, payloadLength: 12 });
  const w = new PcapWriter({ linkType: 1 });
  const tsSec = 1_700_000_001 + Math.floor(o.packets / 1_000_000);
  for (let k = 0; k < fillerPackets; k++) w.add(frame, { tsSec, tsFrac: k });
  appendFileSync(o.file, w.toBuffer().subarray(24));
  return { file: o.file, truth, fillerPackets };
}

/** Options of captureTruth. */
export interface TruthOptions {
  /** Primitives of the key (default src_host, dst_host). */
  aggregate?: FlowPrimitive[];
  /**
   * Count bytes as pmacctd's sfprobe reports a sampled frame's length and sfacctd counts it:
   * the Ethernet frame plus a 4-byte FCS (IP length + 18, + 22 with one 802.1Q tag).
   * Default false: IP length, as otelacct and the NetFlow exporters count.
   */
  sflowFrameLength?: boolean;
}

const PORTS: Record<number, [number, number]> = { 6: [40000, 443], 17: [40000, 53] };

/**
 * The capture's truth per key (see the module comment): bytes = IP length (IPv4 total length,
 * 40 + IPv6 payload length), as otelacct counts. Ports of ICMP/ICMPv6 pairs are 0 0, as otelacct
 * keys them (exporters put the ICMP type and code in the destination port: see docs/flow-oracles.md).
 */
export function captureTruth(capture: FlowCapture, options: TruthOptions = {}): Map<string, FlowCounters> {
  const aggregate = options.aggregate ?? ['src_host', 'dst_host'];
  const { plan, packets, bytes } = capture.truth;
  const out = new Map<string, FlowCounters>();
  const a4 = new Uint8Array(4);
  const a16 = new Uint8Array(16);
  const text4 = (v: number): string => {
    new DataView(a4.buffer).setUint32(0, v);
    return formatIPv4(a4, 0);
  };
  const text6 = (g: Uint16Array): string => {
    for (let k = 0; k < 8; k++) new DataView(a16.buffer).setUint16(2 * k, g[k]);
    return formatIPv6(a16, 0);
  };
  for (let i = 0; i < packets.length; i++) {
    if (packets[i] === 0) continue;
    const f = plan.fill(i);
    const ports = PORTS[f.proto] ?? [0, 0];
    const values = aggregate.map((p) => {
      switch (p) {
        case 'src_host': return f.v6 ? text6(f.src6) : text4(f.src4);
        case 'dst_host': return f.v6 ? text6(f.dst6) : text4(f.dst4);
        case 'proto': return String(f.proto);
        case 'src_port': return String(ports[0]);
        case 'dst_port': return String(ports[1]);
        case 'vlan': return String(f.vlan);
      }
    });
    const key = values.join(' ');
    const extra = options.sflowFrameLength === true ? (f.vlan !== 0 ? 22 : 18) * packets[i] : 0;
    const prev = out.get(key) ?? { bytes: 0, packets: 0 };
    out.set(key, { bytes: prev.bytes + bytes[i] + extra, packets: prev.packets + packets[i] });
  }
  return out;
}

/**
 * sfacctd's totals keyed "src dst vlan" (aggregate src_host, dst_host, vlan; renormalize off)
 * turned into what otelacct counts from the same samples, keyed "src dst": bytes less the frame
 * overhead sfprobe reports (18 per packet, 22 with a VLAN tag: Ethernet header and FCS; exact for
 * frames without Ethernet padding, as the generated captures' are), then bytes and packets times
 * `rate` (each sample scaled by its sampling rate, as otelacct does; sfacctd's own renormalisation
 * uses an effective rate instead, see docs/flow-oracles.md).
 */
export function sflowIpTotals(sfacctd: Map<string, FlowCounters>, rate = 1): Map<string, FlowCounters> {
  const out = new Map<string, FlowCounters>();
  for (const [k, c] of sfacctd) {
    const [src, dst, vlan] = k.split(' ');
    if (vlan === undefined) throw new Error(`sflowIpTotals: key "${k}" is not "src dst vlan"`);
    const key = `${src} ${dst}`;
    const bytes = (c.bytes - c.packets * (vlan === '0' ? 18 : 22)) * rate;
    const prev = out.get(key) ?? { bytes: 0, packets: 0 };
    out.set(key, { bytes: prev.bytes + bytes, packets: prev.packets + c.packets * rate });
  }
  return out;
}

/** `m` without the filler pair's keys (those starting with FILLER_KEY). */
export function withoutFiller(m: Map<string, FlowCounters>): Map<string, FlowCounters> {
  return new Map([...m].filter(([k]) => !k.startsWith(FILLER_KEY)));
}

/** Sum of bytes and packets of a totals map. */
export function sumCounters(m: Map<string, FlowCounters>): FlowCounters {
  let bytes = 0;
  let packets = 0;
  for (const c of m.values()) {
    bytes += c.bytes;
    packets += c.packets;
  }
  return { bytes, packets };
}

/**
 * Lines describing every key where `actual` and `expected` differ (missing, extra, other
 * counts), at most `limit` of them plus a count of the rest; empty when they are equal.
 */
export function diffTotals(actual: Map<string, FlowCounters>, expected: Map<string, FlowCounters>, limit = 10): string[] {
  const out: string[] = [];
  let more = 0;
  const note = (line: string): void => {
    if (out.length < limit) out.push(line);
    else more++;
  };
  for (const [k, e] of expected) {
    const a = actual.get(k);
    if (a === undefined) note(`${k}: missing (expected ${e.bytes} bytes, ${e.packets} packets)`);
    else if (a.bytes !== e.bytes || a.packets !== e.packets) note(`${k}: ${a.bytes} bytes, ${a.packets} packets; expected ${e.bytes}, ${e.packets}`);
  }
  for (const [k, a] of actual) if (!expected.has(k)) note(`${k}: unexpected (${a.bytes} bytes, ${a.packets} packets)`);
  if (more > 0) out.push(`... and ${more} more`);
  return out;
}

/**
 * Standard deviations of sfacctd's renormalised totals (bytes in sflowFrameLength units, and
 * packets) over the capture's truth packets when each packet is sampled independently with
 * probability 1/rate: Var = (rate − 1) · Σ size² for bytes, (rate − 1) · packets for packets.
 * pmacctd's sampling (a random skip between samples) varies no more than that. Sizes are read
 * from the pcap's record headers (wire length + 4, the frame_length sfprobe reports).
 */
export function samplingSigma(capture: FlowCapture, rate: number): FlowCounters {
  const b = readFileSync(capture.file);
  let squares = 0;
  let n = 0;
  for (let at = 24; at + 16 <= b.length && n < capture.truth.totalPackets; n++) {
    const frame = b.readUInt32LE(at + 12) + 4;
    squares += frame * frame;
    at += 16 + b.readUInt32LE(at + 8);
  }
  return { bytes: Math.sqrt((rate - 1) * squares), packets: Math.sqrt((rate - 1) * n) };
}

/**
 * Per-pair totals ("src dst") of an otelacct (the CLI, its real listener and decoders, the
 * accountant) collecting sFlow or NetFlow/IPFIX on a loopback port from `datagrams`, read from
 * /metrics once it has accounted `expectedPackets` packets. Its configuration is written in `dir`.
 */
export async function otelacctFlowTotals(dir: string, kind: 'sflow' | 'netflow', datagrams: readonly Uint8Array[],
  expectedPackets: number): Promise<Map<string, FlowCounters>> {
  const m = await otelacctFlowMetrics(dir, kind, datagrams, expectedPackets);
  const bytes = sumBy(m, 'otelacct_traffic_bytes_total', ['source_address', 'destination_address']);
  const packets = sumBy(m, 'otelacct_traffic_packets_total', ['source_address', 'destination_address']);
  return new Map([...bytes].map(([k, b]) => [k.replace(',', ' '), { bytes: b, packets: packets.get(k) ?? 0 }]));
}

/** As otelacctFlowTotals, but the whole /metrics exposition (parseExposition's map) once it has accounted `expectedPackets`. */
export async function otelacctFlowMetrics(dir: string, kind: 'sflow' | 'netflow', datagrams: readonly Uint8Array[],
  expectedPackets: number): Promise<Map<string, number>> {
  const port = await new Promise<number>((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const config = join(dir, `otelacct-${kind}.yaml`);
  writeFileSync(config, ['aggregations:', '  - name: traffic', '    dimensions: [source.address, destination.address]',
    'flow:', kind === 'sflow' ? `  sflow: {enabled: true, host: 127.0.0.1, port: ${port}}` : `  netflow: {enabled: true, host: 127.0.0.1, ports: [${port}]}`, ''].join('\n'));
  const child = startOtelacct(['-c', config, '--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web']);
  try {
    const log = new OutputWatch(child);
    const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
    await log.line(/"collecting flows"/);
    await replay(datagrams, port);
    // Done when it has accounted every packet.
    let last = new Map<string, number>();
    const m = await waitFor('otelacct to account every sampled packet', async () => {
      last = parseExposition(await (await fetch(url)).text());
      return sumBy(last, 'otelacct_traffic_packets_total', []).get('') === expectedPackets ? last : undefined;
    }, 10_000).catch((err: unknown) => {
      const flow = [...last].filter(([k]) => k.startsWith('otelacct_flow') || k.startsWith('otelacct_traffic_packets')).slice(0, 20);
      throw new Error(`${String(err)} (expected ${expectedPackets} packets)\n${flow.map(([k, v]) => `${k} ${v}`).join('\n')}\n${log.text.slice(-2000)}`);
    });
    return m;
  } finally {
    await stop(child);
  }
}

/**
 * otelacct's NetFlow/IPFIX decoder alone on `datagrams`: renormalised totals per `keyOf(record)`,
 * the sampling rates seen, and its problems (malformed datagrams and lost datagrams and records).
 */
export function netflowDecoderTotals(datagrams: readonly Uint8Array[], keyOf: (r: SeenRecord) => string) {
  const sink = new FlowRecorder();
  const stats = new FlowStats();
  const decoder = new NetflowDecoder(sink, stats, { templateTimeout: 1800, samplingRate: () => 1 });
  for (const d of datagrams) decoder.datagram(d, d.length, 0, 1e6);
  const totals = new Map<string, FlowCounters>();
  for (const r of sink.records) {
    const key = keyOf(r);
    const c = totals.get(key) ?? { bytes: 0, packets: 0 };
    totals.set(key, { bytes: c.bytes + r.bytes * r.samplingRate, packets: c.packets + r.packets * r.samplingRate });
  }
  const problems = stats.get(0, FlowCounter.MALFORMED) + stats.get(0, FlowCounter.LOST_RECORDS) + stats.get(0, FlowCounter.LOST_DATAGRAMS);
  return { totals, rates: new Set(sink.records.map((r) => r.samplingRate)), problems };
}
