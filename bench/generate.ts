/**
 * Input generators of the benchmark (bench/run.ts), built on the project's pcap writer and frame
 * builders (test/support). Everything is a function of the options and the seed: two runs with
 * the same flags write byte-identical files.
 *
 *   node bench/generate.ts traffic --out FILE [--packets N] [--flows N] [--seed N] [--ipv6-share F] [--vlan-share F]
 *   node bench/generate.ts scan --out FILE_OR_FIFO [--sources N]
 *
 * `traffic`: Ethernet frames of `flows` flows (IPv4 or IPv6; TCP 80 %, UDP 18 %, ICMP 2 %; a
 * share of the flows behind one 802.1Q tag), each packet one of four IP sizes (40/60 %, 140,
 * 576, 1440 bytes for IPv4 TCP), flows picked with a skew (a few heavy flows, a long tail).
 * `scan`: `sources` packets of 40 IP bytes (IPv4 TCP SYN-sized), each from a different source
 * address (10.0.0.0 upwards) to one destination; it may write to a FIFO (the writer then blocks
 * until the reader opens it), so the 10M-packet scan never needs its 540 MB on disk.
 */
import { parseArgs } from 'node:util';
import { ethernetIPv4, ethernetIPv6, type PacketSpec } from '../test/support/frames.ts';
import { PcapWriter } from '../test/support/pcap-writer.ts';
import { Prng } from '../test/support/prng.ts';

/** LINKTYPE_ETHERNET. */
const ETHERNET = 1;
/** First timestamp written (seconds since the epoch). */
const BASE_SECONDS = 1_700_000_000;


/** Options of writeTraffic. */
export interface TrafficOptions {
  /** Output pcap path. */
  file: string;
  packets: number;
  flows: number;
  seed: number;
  /** Share of flows (0..1) that are IPv6. */
  ipv6Share: number;
  /** Share of flows (0..1) carried in an 802.1Q VLAN. */
  vlanShare: number;
}

/** What a generated file holds, for checking every tool's totals against. */
export interface TrafficTotals {
  packets: number;
  /** IP bytes (IPv4 total length, IPv6 40 + payload length), as otelacct and pmacct count. */
  ipBytes: number;
  /** Bytes of frames (what libpcap and tcpdump see). */
  frameBytes: number;
  /** "src,dst" → IP bytes and packets. */
  pairs: Map<string, { bytes: number; packets: number }>;
}

/** TCP payload lengths of the four size classes, and how often each is picked (cumulative). */
const PAYLOADS = [0, 100, 536, 1400];
const SIZE_CUMULATIVE = [0.6, 0.7, 0.8, 1];

interface Flow {
  src: string;
  dst: string;
  /** One Ethernet frame per size class. */
  frames: Uint8Array[];
  /** IP length of each frame. */
  ipLengths: number[];
  packets: number;
  bytes: number;
}

function v4(prng: Prng, first: number): string {
  return `${first}.${prng.int(256)}.${prng.int(256)}.${1 + prng.int(254)}`;
}

function v6(prng: Prng, prefix: string): string {
  const w = (): string => prng.int(65536).toString(16);
  return `${prefix}:${w()}:${w()}::${(1 + prng.int(65535)).toString(16)}`;
}

function makeFlow(prng: Prng, o: TrafficOptions): Flow {
  const ipv6 = prng.unit() < o.ipv6Share;
  const vlan = prng.unit() < o.vlanShare ? [1 + prng.int(4094)] : undefined;
  const r = prng.unit();
  const proto = r < 0.8 ? 6 : r < 0.98 ? 17 : ipv6 ? 58 : 1;
  const src = ipv6 ? v6(prng, '2001:db8') : v4(prng, 10);
  const dst = ipv6 ? v6(prng, '2001:db8:ffff') : v4(prng, 198);
  const spec: PacketSpec = {
    src, dst, proto, vlan, srcPort: 1024 + prng.int(64000), dstPort: [80, 443, 53, 123, 8080][prng.int(5)],
  };
  // UDP and ICMP headers are 12 bytes shorter than TCP's; keep the same IP sizes roughly.
  const extra = proto === 6 ? 0 : 12;
  const frames = PAYLOADS.map((p) => (ipv6 ? ethernetIPv6 : ethernetIPv4)({ ...spec, payloadLength: p + extra }));
  const link = 14 + (vlan ? 4 : 0);
  return { src, dst, frames, ipLengths: frames.map((f) => f.length - link), packets: 0, bytes: 0 };
}

/**
 * Writes the mixed-traffic pcap described in the file comment and returns its totals.
 * Memory: four frames per flow (about 2.3 KB per flow), not per packet.
 */
export function writeTraffic(o: TrafficOptions): TrafficTotals {
  const prng = new Prng(o.seed);
  const flows: Flow[] = [];
  for (let i = 0; i < o.flows; i++) flows.push(makeFlow(prng, o));
  const writer = new PcapWriter({ linkType: ETHERNET, file: o.file });
  let ipBytes = 0;
  let frameBytes = 0;
  for (let i = 0; i < o.packets; i++) {
    const r = prng.unit();
    const flow = flows[Math.floor(r * r * o.flows)];
    const s = prng.unit();
    let size = 0;
    while (s >= SIZE_CUMULATIVE[size]) size++;
    const frame = flow.frames[size];
    writer.add(frame, { tsSec: BASE_SECONDS + Math.floor(i / 1_000_000), tsFrac: i % 1_000_000 });
    flow.packets++;
    flow.bytes += flow.ipLengths[size];
    ipBytes += flow.ipLengths[size];
    frameBytes += frame.length;
  }
  writer.close();
  const pairs = new Map<string, { bytes: number; packets: number }>();
  for (const f of flows) {
    if (f.packets === 0) continue;
    const key = `${f.src},${f.dst}`;
    const prev = pairs.get(key) ?? { bytes: 0, packets: 0 };
    pairs.set(key, { bytes: prev.bytes + f.bytes, packets: prev.packets + f.packets });
  }
  return { packets: o.packets, ipBytes, frameBytes, pairs };
}

/** IP length of every scan packet (20-byte IPv4 header + 20-byte TCP header). */
export const SCAN_PACKET_BYTES = 40;
/** Destination of every scan packet. */
export const SCAN_DESTINATION = '192.0.2.1';

/**
 * Writes `sources` 40-byte IPv4 TCP packets, the i-th from source address 10.0.0.0 + i (so up to
 * 2^24 distinct sources stay in 10/8; beyond, the addresses continue into 11/8 and up) to
 * SCAN_DESTINATION. The frame is built once; per packet only the source address and the IPv4
 * header and TCP checksums are patched.
 */
export function writeScan(file: string, sources: number): void {
  const frame = ethernetIPv4({ src: '10.0.0.0', dst: SCAN_DESTINATION, proto: 6, srcPort: 40000, dstPort: 443 });
  const ip = 14;
  const view = new DataView(frame.buffer);
  // Checksum sums without the source address words, to patch per packet.
  view.setUint16(ip + 10, 0);
  view.setUint16(ip + 36, 0);
  let base = 0;
  for (let i = 0; i < 20; i += 2) if (i !== 12 && i !== 14) base += view.getUint16(ip + i);
  let tcpBase = 6 + 20 + view.getUint16(ip + 16) + view.getUint16(ip + 18);
  for (let i = 20; i < 40; i += 2) tcpBase += view.getUint16(ip + i);
  const fold = (sum: number): number => {
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    return ~sum & 0xffff;
  };
  const writer = new PcapWriter({ linkType: ETHERNET, file });
  const first = 10 << 24;
  for (let i = 0; i < sources; i++) {
    const addr = (first + i) >>> 0;
    view.setUint32(ip + 12, addr);
    const words = (addr >>> 16) + (addr & 0xffff);
    view.setUint16(ip + 10, fold(base + words));
    view.setUint16(ip + 36, fold(tcpBase + words));
    writer.add(frame, { tsSec: BASE_SECONDS + Math.floor(i / 1_000_000), tsFrac: i % 1_000_000 });
  }
  writer.close();
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      packets: { type: 'string', default: '2000000' },
      flows: { type: 'string', default: '4096' },
      seed: { type: 'string', default: '1' },
      'ipv6-share': { type: 'string', default: '0.2' },
      'vlan-share': { type: 'string', default: '0.1' },
      sources: { type: 'string', default: '10000000' },
    },
  });
  if (values.out === undefined) throw new Error('generate: --out FILE is required');
  if (positionals[0] === 'scan') {
    writeScan(values.out, Number(values.sources));
  } else if (positionals[0] === 'traffic') {
    const totals = writeTraffic({
      file: values.out, packets: Number(values.packets), flows: Number(values.flows), seed: Number(values.seed),
      ipv6Share: Number(values['ipv6-share']), vlanShare: Number(values['vlan-share']),
    });
    process.stdout.write(`${JSON.stringify({ packets: totals.packets, ipBytes: totals.ipBytes, frameBytes: totals.frameBytes, pairs: totals.pairs.size })}\n`);
  } else {
    throw new Error(`generate: first argument must be "traffic" or "scan", got "${positionals[0] ?? ''}"`);
  }
}

if (import.meta.main) main();
