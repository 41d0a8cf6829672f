/**
 * Builds random pcap and pcapng files with the project's writers (test/support) from generated,
 * mutated frames, and records where every record / block starts and what a correct reader must
 * deliver for it. pcap: either byte order, µs or ns, random snaplen, FCS bits in the link-type
 * field, any link type. pcapng: 1–3 sections of either byte order, 0–3 interfaces each (any link
 * type, snaplen, if_name or none), enhanced / simple / obsolete packet blocks, comments, and
 * custom, name-resolution, statistics and unknown blocks in between.
 */
import { LinkType } from '../../src/decode/link-type.ts';
import { PcapNgWriter, PcapWriter } from '../support/pcap-writer.ts';
import { BuiltFrame } from './built-frame.ts';
import { FrameGenerator, LINK_SHAPES } from './frame-generator.ts';
import { FuzzFrame, Mutator } from './mutator.ts';
import type { Prng } from '../support/prng.ts';

/** One record (pcap) or block (pcapng) of a built file. */
export interface FileBlock {
  /** Byte range of the record / block in the file. */
  start: number;
  end: number;
  /** For a packet: the bytes a reader must deliver (undefined for other blocks). */
  bytes?: Uint8Array;
  wireLen?: number;
  linkType?: number;
  /** Interface name the reader must register the packet under. */
  name?: string;
  /** Set when the block is invalid by construction (a reader must stop at it). */
  invalid?: string;
}

/** A built file: its bytes and its blocks in file order. */
export interface BuiltFile {
  format: 'pcap' | 'pcapng';
  bytes: Buffer;
  blocks: FileBlock[];
}

const ODD_LINK_TYPES = [2, 10, 50, 105, 127, 192, 204, 0xffff];
/** if_name values: plain, repeated across sections, unusual characters, none. */
const IF_NAMES = ['eth0', 'eth1', 'any', 'wlan0', 'fuzz\u00e9', 'a b', '', undefined, undefined];
const SHB_LENGTH = 56; // the writer's SHB: 28 + shb_userappl "otelacct test writer" + opt_endofopt

const pad4 = (n: number): number => (n + 3) & ~3;
const optionLength = (text: string | undefined): number => (text === undefined ? 0 : 8 + pad4(Buffer.byteLength(text)));

/** Builds random files; one instance per fuzz run. */
export class FileBuilder {
  readonly #rng: Prng;
  readonly #gen: FrameGenerator;
  readonly #mut: Mutator;
  readonly #f = new BuiltFrame();
  readonly #ff = new FuzzFrame();

  constructor(rng: Prng) {
    this.#rng = rng;
    this.#gen = new FrameGenerator(rng);
    this.#mut = new Mutator(rng);
    this.#mut.linkTypeMutations = false;
    this.#mut.validShare = 0.5;
  }

  /** A random link type: mostly one otelacct decodes. */
  linkType(): number {
    const rng = this.#rng;
    return rng.chance(0.85) ? rng.pick(LINK_SHAPES).linkType : rng.chance(0.5) ? rng.pick(ODD_LINK_TYPES) : rng.int(0x10000);
  }

  /** A frame for `linkType` (any generated frame when otelacct does not decode it), mutated or not. */
  frame(linkType: number): FuzzFrame {
    const shape = LINK_SHAPES.findIndex((s) => s.linkType === linkType);
    this.#gen.build(this.#f, shape);
    this.#mut.mutate(this.#f, this.#ff);
    return this.#ff;
  }

  /** A classic pcap file of `maxPackets` packets at most, named `name` (its interface name). */
  pcap(name: string, maxPackets: number): BuiltFile {
    const rng = this.#rng;
    const linkType = this.linkType();
    const snaplen = rng.chance(0.7) ? 262144 : rng.range(1, 2000);
    const fcsBits = rng.chance(0.1) ? 0x14000000 : 0;
    const w = new PcapWriter({ linkType: (linkType | fcsBits) >>> 0, snaplen, nanoseconds: rng.chance(0.3), bigEndian: rng.chance(0.4) });
    const blocks: FileBlock[] = [{ start: 0, end: 24 }];
    let at = 24;
    for (let n = rng.int(maxPackets + 1); n > 0; n--) {
      const ff = this.frame(linkType);
      const data = ff.buf.subarray(ff.offset, ff.offset + ff.capLen);
      const wireLen = ff.wireLen >>> 0;
      w.add(data, { wireLength: wireLen });
      const capLen = Math.min(ff.capLen, snaplen);
      blocks.push({ start: at, end: at + 16 + capLen, bytes: data.slice(0, capLen), wireLen: Math.max(wireLen, capLen), linkType, name });
      at += 16 + capLen;
    }
    return { format: 'pcap', bytes: w.toBuffer(), blocks };
  }

  /** A pcapng file of about `maxPackets` packets at most; unnamed interfaces become `<name>#<n>`. */
  pcapng(name: string, maxPackets: number): BuiltFile {
    const rng = this.#rng;
    const blocks: FileBlock[] = [];
    const w = new PcapNgWriter({ bigEndian: rng.chance(0.4) });
    let at = 0;
    const block = (length: number, b: Omit<FileBlock, 'start' | 'end'> = {}): void => {
      blocks.push({ start: at, end: at + length, ...b });
      at += length;
    };
    block(SHB_LENGTH);
    const sections = rng.chance(0.7) ? 1 : rng.range(2, 3);
    for (let s = 0; s < sections; s++) {
      if (s > 0) {
        w.addSection({ bigEndian: rng.chance(0.4) });
        block(SHB_LENGTH);
      }
      const ifs: { linkType: number; snaplen: number; name: string }[] = [];
      for (let i = rng.chance(0.05) ? 0 : rng.range(1, 3); i > 0; i--) {
        const linkType = this.linkType();
        const snaplen = rng.chance(0.7) ? 0 : rng.range(1, 3000);
        const ifName = rng.pick(IF_NAMES);
        w.addInterface({ linkType, snaplen, name: ifName });
        block(20 + optionLength(ifName));
        ifs.push({ linkType, snaplen, name: ifName === undefined || ifName === '' ? `${name}#${ifs.length}` : ifName });
      }
      for (let n = rng.int(Math.ceil(maxPackets / sections) + 1); n > 0; n--) {
        const r = rng.int(100);
        if (r < 10) {
          this.#otherBlock(w, block);
          continue;
        }
        const id = ifs.length === 0 ? 0 : rng.int(ifs.length);
        const iface = ifs[id] ?? { linkType: LinkType.ETHERNET, snaplen: 0, name: '' };
        const ff = this.frame(iface.linkType);
        const data = ff.buf.subarray(ff.offset, ff.offset + ff.capLen);
        const wireLen = ff.wireLen >>> 0;
        const invalid = ifs.length === 0 ? 'packet in a section without interfaces' : undefined;
        if (r < 25 && (ifs.length === 0 || id === 0)) {
          w.addSimplePacket(data, wireLen);
          const written = iface.snaplen === 0 ? data.length : Math.min(data.length, iface.snaplen);
          const space = pad4(written);
          const capLen = Math.min(wireLen, space, iface.snaplen === 0 ? space : iface.snaplen);
          const bytes = new Uint8Array(capLen);
          bytes.set(data.subarray(0, Math.min(capLen, written)));
          block(16 + space, { bytes, wireLen: Math.max(wireLen, capLen), linkType: iface.linkType, name: iface.name, invalid });
          continue;
        }
        const capLen = iface.snaplen === 0 ? data.length : Math.min(data.length, iface.snaplen);
        const comment = rng.chance(0.1) ? 'fuzz comment \u2713' : undefined;
        const obsolete = r < 35;
        if (obsolete) w.addObsoletePacket(id, data, { wireLength: wireLen });
        else w.addEnhancedPacket(id, data, { wireLength: wireLen, comment });
        block(32 + pad4(capLen) + (obsolete ? 0 : optionLength(comment)), {
          bytes: data.slice(0, capLen), wireLen: Math.max(wireLen, capLen), linkType: iface.linkType, name: iface.name, invalid,
        });
      }
    }
    const bytes = w.toBuffer();
    if (bytes.length !== at) throw new Error(`file builder: computed ${at} bytes, the writer wrote ${bytes.length}`);
    return { format: 'pcapng', bytes, blocks };
  }

  /** A block readers skip: custom, name resolution, interface statistics, or unknown. */
  #otherBlock(w: PcapNgWriter, block: (length: number) => void): void {
    const rng = this.#rng;
    const body = new Uint8Array(rng.int(64));
    rng.fill(body, 0, body.length);
    const r = rng.int(4);
    if (r === 0) {
      w.addCustomBlock(body);
      block(12 + pad4(4 + body.length));
    } else {
      const unknown = rng.range(7, 0x7fffffff);
      w.addBlock(r === 1 ? 4 : r === 2 ? 5 : unknown === 0x0a0d0d0a ? 7 : unknown, body);
      block(12 + pad4(body.length));
    }
  }
}
