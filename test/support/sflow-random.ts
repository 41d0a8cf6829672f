import { ethernetIPv4, ethernetIPv6 } from './frames.ts';
import type { Prng } from './prng.ts';
import {
  ifCounters, sflowDatagram, type SflowFlowRecordSpec, type SflowSampleSpec,
} from './sflow-builder.ts';

/**
 * Seeded sFlow traffic for the fuzz test and bench/sflow-decode.ts: valid datagrams from
 * sflow-builder.ts, and mutations of them.
 */

/** Options of randomSflowDatagram. */
export interface RandomSflowOptions {
  agent: string;
  sequence: number;
  uptime: number;
  /** Flow samples in the datagram. */
  samples: number;
  /** Bytes of each frame kept as the sampled header (default 128). */
  headerBytes?: number;
  /** Also vary the kinds: expanded samples, sampled_ipv4/ipv6 records, switch and vendor records, counter samples. */
  mixed?: boolean;
}

/** A generated datagram and where its sequence numbers are (to renumber it in place). */
export interface RandomSflow {
  bytes: Uint8Array;
  /** Offset of the datagram sequence_number. */
  sequenceAt: number;
  /** Offset of each flow sample's sequence_number, and its source index. */
  samples: Array<{ sequenceAt: number; sourceIndex: number }>;
  /** Flow samples that carry a header or an IP record (what a decoder accounts). */
  accountable: number;
}

/**
 * A seeded, valid datagram: flow samples of random IPv4/IPv6 TCP/UDP frames (some VLAN-tagged)
 * between addresses drawn from small pools, 1-in-`rate` sampling, sample sequence numbers from 1.
 */
export function randomSflowDatagram(prng: Prng, o: RandomSflowOptions): RandomSflow {
  const samples: SflowSampleSpec[] = [];
  let accountable = 0;
  for (let i = 0; i < o.samples; i++) {
    const v6 = prng.chance(0.25);
    const spec = {
      src: v6 ? `2001:db8::${prng.int(256).toString(16)}` : `10.${prng.int(4)}.${prng.int(256)}.${prng.int(256)}`,
      dst: v6 ? `2001:db8:1::${prng.int(256).toString(16)}` : `192.168.${prng.int(16)}.${prng.int(256)}`,
      proto: prng.pick([6, 17]), srcPort: prng.range(1024, 65535), dstPort: prng.pick([80, 443, 53, 123]),
      payloadLength: prng.pick([0, 40, 500, 1400]), vlan: prng.chance(0.2) ? [prng.range(1, 4094)] : [],
    };
    const frame = v6 ? ethernetIPv6(spec) : ethernetIPv4(spec);
    const sourceIndex = prng.range(1, 48);
    const rate = prng.pick([256, 512, 1024, 2048]);
    const records: SflowFlowRecordSpec[] = [];
    const kind = o.mixed === true ? prng.int(10) : 0;
    if (kind === 9) {
      samples.push({ kind: 'counters', sequence: 1, sourceIndex, records: [{ enterprise: 0, format: 1,
        data: ifCounters(sourceIndex, prng.int(1e9), prng.int(1e9)) }] });
      continue;
    }
    if (kind === 8) {
      const ip = frame.subarray(spec.vlan.length > 0 ? 18 : 14);
      records.push({ kind: v6 ? 'ipv6' : 'ipv4', length: ip.length, protocol: spec.proto, src: spec.src, dst: spec.dst,
        srcPort: spec.srcPort, dstPort: spec.dstPort } as SflowFlowRecordSpec);
    } else {
      records.push({ kind: 'header', protocol: 1, frameLength: frame.length + 4, stripped: 4,
        header: frame.subarray(0, Math.min(frame.length, o.headerBytes ?? 128)) });
    }
    if (kind >= 6) records.push({ kind: 'switch', srcVlan: prng.range(1, 4094), dstVlan: prng.range(1, 4094) });
    if (kind === 5) records.push({ kind: 'raw', enterprise: 4300, format: 2, data: new Uint8Array(prng.range(0, 12)) });
    const expanded = o.mixed === true && prng.chance(0.2);
    samples.push({ kind: 'flow', expanded, sequence: 1, sourceIndex, samplingRate: rate, samplePool: rate,
      drops: 0, input: expanded ? { format: 0, value: sourceIndex } : sourceIndex,
      output: expanded ? { format: 0, value: 1 } : 1, records });
    accountable++;
  }
  const bytes = sflowDatagram({ agent: o.agent, sequence: o.sequence, uptime: o.uptime, samples });
  // Locate the sequence numbers by walking the layout just written.
  const word = (at: number): number => ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
  let p = word(4) === 1 ? 12 : 24;
  const sequenceAt = p + 4;
  p += 16;
  const located: RandomSflow['samples'] = [];
  for (const s of samples) {
    if (s.kind === 'flow') located.push({ sequenceAt: p + 8, sourceIndex: s.sourceIndex });
    p += 8 + word(p + 4);
  }
  return { bytes, sequenceAt, samples: located, accountable };
}

/** Byte values that steer the decoder into its branches (versions, address types, formats, lengths). */
const INTERESTING_WORDS = [0, 1, 2, 3, 4, 5, 8, 16, 32, 44, 56, 1001, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000,
  0xfffffffc, 0xffffffff];

/**
 * Writes a mutation of `src` into `dst` and returns its length: 1–3 of bit flips, byte
 * replacements, aligned 32-bit words set to values that steer the decoder, truncation, 4-byte
 * insertions or deletions, or random garbage.
 */
export function mutateSflow(prng: Prng, src: Uint8Array, dst: Uint8Array): number {
  let n = Math.min(src.length, dst.length);
  dst.set(src.subarray(0, n));
  const rounds = prng.range(1, 3);
  for (let r = 0; r < rounds; r++) {
    const at = n > 0 ? prng.int(n) : 0;
    switch (prng.int(7)) {
      case 0: if (n > 0) dst[at] ^= 1 << prng.int(8); break;
      case 1: if (n > 0) dst[at] = prng.pick([0, 1, 3, 4, 0x7f, 0x80, 0xff]); break;
      case 2: case 3: {
        const w = at & ~3;
        if (w + 4 <= n) {
          const v = prng.pick(INTERESTING_WORDS);
          dst[w] = v >>> 24; dst[w + 1] = v >>> 16; dst[w + 2] = v >>> 8; dst[w + 3] = v;
        }
        break;
      }
      case 4: n = prng.int(n + 1); break;
      case 5: {
        const w = at & ~3;
        if (prng.chance(0.5) && n + 4 <= dst.length) {
          dst.copyWithin(w + 4, w, n);
          prng.fill(dst, w, w + 4);
          n += 4;
        } else if (w + 4 <= n) {
          dst.copyWithin(w, w + 4, n);
          n -= 4;
        }
        break;
      }
      default: {
        n = prng.range(0, Math.min(dst.length, 1500));
        prng.fill(dst, 0, n);
        if (prng.chance(0.5) && n >= 4) { dst[0] = 0; dst[1] = 0; dst[2] = 0; dst[3] = 5; }
      }
    }
  }
  return n;
}
