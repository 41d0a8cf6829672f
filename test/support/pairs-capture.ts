/**
 * A seeded, streamed pcap of many distinct address pairs (the per-pair benchmark scenarios of
 * bench/run.ts and the exactness test), with its own per-pair truth in typed arrays indexed by
 * pair (test/support/pair-addresses.ts maps the addresses otelacct prints back to the index).
 *
 * Packets: each packet is a new pair with probability (pairs not yet sent) / (packets left), else
 * a repeat of a pair already sent, picked with a skew towards the earliest (index ⌊r²·seen⌋:
 * a few heavy pairs and a long tail). So every pair appears (when packets ≥ pairs), first
 * appearances are spread over the file, and a scan block's pairs appear as a burst. IP sizes as
 * bench/generate.ts (40/140/576/1440 bytes for TCP, picked 60/10/10/20 %; scans: 40 bytes).
 * Frames are patched from 48 templates (family × VLAN × protocol × size): addresses, VLAN id,
 * and the IPv4 header and TCP/UDP/ICMPv6 checksums updated incrementally, so nothing is
 * allocated per packet and memory is the truth arrays (12 bytes per pair) plus the 1 MiB writer.
 */
import { ethernetIPv4, ethernetIPv6 } from './frames.ts';
import { PairPlan, type PairPlanOptions } from './pair-addresses.ts';
import { PcapWriter } from './pcap-writer.ts';
import { Prng } from './prng.ts';

/** Options of writePairsCapture. */
export interface PairsCaptureOptions extends PairPlanOptions {
  /** Output pcap path. */
  file: string;
  packets: number;
}

/** What a generated file holds. */
export interface PairsTruth {
  plan: PairPlan;
  /** Packets and IP bytes per pair index (0 for pairs never sent). */
  packets: Uint32Array;
  bytes: Float64Array;
  totalPackets: number;
  totalBytes: number;
  frameBytes: number;
  /** Pairs with at least one packet. */
  distinct: number;
}

const ETHERNET = 1;
const BASE_SECONDS = 1_700_000_000;
const PAYLOADS = [0, 100, 536, 1400];
const SIZE_CUMULATIVE = [0.6, 0.7, 0.8, 1];
const PROTOS = [6, 17, 1, 58];

interface Template {
  frame: Uint8Array;
  view: DataView;
  ip: number;
  ipLength: number;
  /** Offset of the L4 checksum whose pseudo-header holds the addresses, or -1. */
  l4Sum: number;
  udp: boolean;
}

function template(v6: boolean, vlan: boolean, proto: number, size: number): Template {
  const extra = proto === 6 ? 0 : 12;
  const spec = { src: v6 ? '::' : '0.0.0.0', dst: v6 ? '::' : '0.0.0.0', proto, srcPort: 40000, dstPort: proto === 17 ? 53 : 443,
    payloadLength: PAYLOADS[size] + extra, vlan: vlan ? [1] : undefined };
  const frame = v6 ? ethernetIPv6(spec) : ethernetIPv4(spec);
  const ip = vlan ? 18 : 14;
  const l4 = ip + (v6 ? 40 : 20);
  const l4Sum = proto === 6 ? l4 + 16 : proto === 17 ? l4 + 6 : proto === 58 ? l4 + 2 : -1;
  return { frame, view: new DataView(frame.buffer), ip, ipLength: frame.length - ip, l4Sum, udp: proto === 17 };
}

/** One's-complement update of a checksum computed over zero addresses by `add` (RFC 1624). */
function patch(view: DataView, at: number, add: number, udp: boolean): void {
  let sum = (~view.getUint16(at) & 0xffff) + add;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  let c = ~sum & 0xffff;
  if (c === 0 && udp) c = 0xffff;
  view.setUint16(at, c);
}

/** Writes the capture described in the module comment and returns its truth. */
export function writePairsCapture(o: PairsCaptureOptions): PairsTruth {
  const plan = new PairPlan(o);
  const templates: Template[] = [];
  for (const v6 of [false, true]) for (const vlan of [false, true]) for (const proto of PROTOS) for (let s = 0; s < 4; s++) templates.push(template(v6, vlan, proto, s));
  const zero = templates.map((t) => t.frame.slice());
  const packets = new Uint32Array(o.pairs);
  const bytes = new Float64Array(o.pairs);
  const prng = new Prng(o.seed ^ 0x3c6ef372);
  const writer = new PcapWriter({ linkType: ETHERNET, file: o.file });
  let newLeft = Math.min(o.pairs, o.packets);
  let seen = 0;
  let totalBytes = 0;
  let frameBytes = 0;
  const ts = { tsSec: 0, tsFrac: 0 };
  for (let k = 0; k < o.packets; k++) {
    let i: number;
    if (seen === 0 || prng.unit() * (o.packets - k) < newLeft) {
      i = seen++;
      newLeft--;
    } else {
      const r = prng.unit();
      i = Math.floor(r * r * seen);
    }
    const f = plan.fill(i);
    let size = 0;
    if (!f.scan) {
      const s = prng.unit();
      while (s >= SIZE_CUMULATIVE[size]) size++;
    }
    const id = ((f.v6 ? 1 : 0) * 2 + (f.vlan !== 0 ? 1 : 0)) * 16 + PROTOS.indexOf(f.proto) * 4 + size;
    const t = templates[id];
    t.frame.set(zero[id]);
    const v = t.view;
    if (f.vlan !== 0) v.setUint16(14, f.vlan);
    let add = 0;
    if (f.v6) {
      for (let g = 0; g < 8; g++) {
        v.setUint16(t.ip + 8 + 2 * g, f.src6[g]);
        v.setUint16(t.ip + 24 + 2 * g, f.dst6[g]);
        add += f.src6[g] + f.dst6[g];
      }
    } else {
      v.setUint32(t.ip + 12, f.src4);
      v.setUint32(t.ip + 16, f.dst4);
      add = (f.src4 >>> 16) + (f.src4 & 0xffff) + (f.dst4 >>> 16) + (f.dst4 & 0xffff);
      patch(v, t.ip + 10, add, false);
    }
    if (t.l4Sum >= 0) patch(v, t.l4Sum, add, t.udp);
    ts.tsSec = BASE_SECONDS + Math.floor(k / 1_000_000);
    ts.tsFrac = k % 1_000_000;
    writer.add(t.frame, ts);
    packets[i]++;
    bytes[i] += t.ipLength;
    totalBytes += t.ipLength;
    frameBytes += t.frame.length;
  }
  writer.close();
  return { plan, packets, bytes, totalPackets: o.packets, totalBytes, frameBytes, distinct: seen };
}
