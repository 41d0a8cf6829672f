/**
 * Fuzzing the file readers: random pcap / pcapng files (file-builder.ts), half of them corrupted
 * afterwards (truncated, bytes overwritten, a record or block length rewritten, the file header
 * damaged, garbage appended), read by `readCaptureFile` with a random chunk size into a fuzzed
 * Accountant. Checks: the read resolves, or rejects with a CaptureFileError whose message is one
 * line starting with the path and whose stats count exactly the packets delivered; every packet
 * wholly before the first damaged byte is delivered exactly as written (bytes, lengths, link
 * type, interface name); an undamaged file is read to its end; a file truncated inside a record
 * is an error and one truncated between records is not; and the FuzzAccounting sums.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureFileError, readCaptureFile, type CaptureFileStats } from '../../src/capture/capture-file.ts';
import type { PacketSink } from '../../src/capture/packet-sink.ts';
import type { InProcessRead } from './cli-fuzz.ts';
import { type BuiltFile, FileBuilder, type FileBlock } from './file-builder.ts';
import { FuzzAccounting, FuzzFailure } from './fuzz-accounting.ts';
import { Prng } from '../support/prng.ts';

/** File-level damage, by index. */
export const CORRUPTION_NAMES: readonly string[] = ['none', 'truncated', 'bytes overwritten', 'length field', 'file header', 'garbage appended'];
const CHUNK_SIZES = [16, 64, 100, 512, 4096, 65536, 1 << 20];

/** What the file fuzzer read. */
export class FileCounts {
  files = 0;
  readonly byFormat = { pcap: 0, pcapng: 0 };
  readonly byCorruption = new Array<number>(CORRUPTION_NAMES.length).fill(0);
  /** Reads that resolved. */
  resolved = 0;
  /** CaptureFileError messages with the path cut and numbers as N → count. */
  readonly errors = new Map<string, number>();
  packets = 0;
}

/** A sink that checks delivered packets against the expected ones, then accounts them. */
class CheckingSink implements PacketSink {
  delivered = 0;
  /** First mismatch, reported after the read (a sink must not throw). */
  problem: string | undefined;
  expected: FileBlock[] = [];
  names: (i: number) => string = String;
  readonly #fa: FuzzAccounting;

  constructor(fa: FuzzAccounting) {
    this.#fa = fa;
  }

  packet(data: Uint8Array, offset: number, capLen: number, wireLen: number, linkType: number, ifIndex: number): void {
    const e = this.expected[this.delivered];
    if (e !== undefined && this.problem === undefined) {
      const same = e.bytes!.length === capLen && e.wireLen === wireLen && e.linkType === linkType && e.name === this.names(ifIndex)
        && Buffer.compare(Buffer.from(data.buffer, data.byteOffset + offset, capLen), e.bytes!) === 0;
      if (!same) {
        this.problem = `packet ${this.delivered} delivered as (captured ${capLen}, wire ${wireLen}, link type ${linkType}, ` +
          `interface "${this.names(ifIndex)}"), written as (captured ${e.bytes!.length}, wire ${e.wireLen}, link type ${e.linkType}, interface "${e.name}")`;
      }
    }
    this.delivered++;
    this.#fa.t.accountant.packet(data, offset, capLen, wireLen, linkType, ifIndex);
  }
}

/** One seeded file fuzz run over a scratch directory. */
export class FileFuzz {
  readonly counts = new FileCounts();
  readonly #seed: number;
  readonly #rng: Prng;
  readonly #builder: FileBuilder;
  readonly #dir: string;
  readonly #fa = new FuzzAccounting({ internalTraffic: 'both', samplingRate: 1, maxFlows: 4096 });
  #fed = 0;

  constructor(seed: number, dir: string) {
    this.#seed = seed;
    this.#rng = new Prng(seed);
    this.#builder = new FileBuilder(this.#rng);
    this.#dir = dir;
  }

  /**
   * Builds, damages (or not), writes and reads one file; throws FuzzFailure when a check fails.
   * Returns the file's path, a label for messages and what the read gave (for the CLI comparison).
   */
  async one(maxPackets = 40): Promise<{ path: string; label: string; read: InProcessRead }> {
    const rng = this.#rng;
    const pcapng = rng.chance(0.5);
    const path = join(this.#dir, pcapng ? 'fuzz.pcapng' : 'fuzz.pcap');
    const file = pcapng ? this.#builder.pcapng('fuzz.pcapng', maxPackets) : this.#builder.pcap('fuzz.pcap', maxPackets);
    const corruption = rng.chance(0.5) ? rng.range(1, CORRUPTION_NAMES.length - 1) : 0;
    const { bytes, firstBad } = this.#corrupt(file, corruption);
    writeFileSync(path, bytes);
    const label = `seed ${this.#seed}, file ${this.counts.files} (${file.format}, ${file.blocks.length} blocks, ${bytes.length} bytes, damage "${CORRUPTION_NAMES[corruption]}" from byte ${firstBad})`;

    const intact = file.blocks.filter((b) => b.end <= firstBad);
    const firstInvalid = intact.findIndex((b) => b.invalid !== undefined);
    const good = (firstInvalid < 0 ? intact : intact.slice(0, firstInvalid)).filter((b) => b.bytes !== undefined);
    const sink = new CheckingSink(this.#fa);
    sink.expected = good;
    sink.names = (i) => this.#fa.t.interfaces.name(i);
    const fedBefore = this.#fed;
    const a = this.#fa.t.accountant;
    const before = { bytes: a.totalBytes, internalBytes: a.internalBytes, packets: a.totalPackets, decodeErrors: [...a.decodeErrors] };
    let stats: CaptureFileStats | undefined;
    let error: CaptureFileError | undefined;
    try {
      stats = await readCaptureFile(path, sink, this.#fa.t.interfaces, {
        chunkSize: rng.pick(CHUNK_SIZES),
        onChunk: rng.chance(0.5) ? undefined : () => {
          if (this.#fa.filling()) this.#fa.checkAndFlush(fedBefore + sink.delivered, `${label}, mid-file`, false);
          return Promise.resolve();
        },
      });
    } catch (err) {
      if (!(err instanceof CaptureFileError)) throw new FuzzFailure(`${label}: readCaptureFile threw ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      error = err;
    }
    this.#fed += sink.delivered;
    const read: InProcessRead = {
      error: error?.message, frames: sink.delivered, bytes: a.totalBytes - before.bytes, internalBytes: a.internalBytes - before.internalBytes,
      packets: a.totalPackets - before.packets, decodeErrors: [...a.decodeErrors].map((n, i) => n - before.decodeErrors[i]),
    };
    if (sink.problem !== undefined) throw new FuzzFailure(`${label}: ${sink.problem}`);
    if (sink.delivered < good.length) throw new FuzzFailure(`${label}: ${sink.delivered} packets delivered, ${good.length} lie before the damage`);
    const clean = firstBad === Infinity && file.blocks.every((b) => b.invalid === undefined);
    if (clean && (error !== undefined || sink.delivered !== good.length)) {
      throw new FuzzFailure(`${label}: undamaged file read as ${sink.delivered}/${good.length} packets${error ? `, error: ${error.message}` : ''}`);
    }
    if (firstBad === Infinity && !clean && error === undefined) {
      throw new FuzzFailure(`${label}: the file holds an invalid block (${file.blocks.find((b) => b.invalid)?.invalid}) yet was read without an error`);
    }
    if (corruption === 1 && firstInvalid < 0) {
      const atBoundary = bytes.length > 0 && file.blocks.some((b) => b.end === bytes.length);
      if (atBoundary !== (error === undefined)) {
        throw new FuzzFailure(`${label}: truncated ${atBoundary ? 'between' : 'inside'} records, yet ${error ? `error: ${error.message}` : 'no error'}`);
      }
    }
    if (error !== undefined) this.#checkError(error, path, sink.delivered, label);
    else if (stats!.packets !== sink.delivered || stats!.format !== file.format) {
      throw new FuzzFailure(`${label}: stats ${JSON.stringify(stats)} but ${sink.delivered} packets delivered`);
    }
    this.#fa.checkAndFlush(this.#fed, label, this.counts.files % 8 === 0);
    const c = this.counts;
    c.files++;
    c.byFormat[file.format]++;
    c.byCorruption[corruption]++;
    c.packets += sink.delivered;
    if (error === undefined) c.resolved++;
    return { path, label, read };
  }

  #checkError(error: CaptureFileError, path: string, delivered: number, label: string): void {
    const m = error.message;
    if (m.includes('\n') || m.includes('\r') || !m.startsWith(`${path}: `) || m.length > 300) {
      throw new FuzzFailure(`${label}: CaptureFileError message is not one clear line: ${JSON.stringify(m)}`);
    }
    if (error.stats !== undefined ? error.stats.packets !== delivered : delivered !== 0) {
      throw new FuzzFailure(`${label}: error stats ${JSON.stringify(error.stats)} but ${delivered} packets delivered (${m})`);
    }
    const kind = m.slice(path.length + 2).replace(/ \(.*\)$/, '').replace(/\b(0x[0-9a-f]+|\d+)\b/g, 'N');
    this.counts.errors.set(kind, (this.counts.errors.get(kind) ?? 0) + 1);
  }

  /** Applies damage `kind` to a copy of the file; returns it and the first damaged byte (Infinity: none). */
  #corrupt(file: BuiltFile, kind: number): { bytes: Buffer; firstBad: number } {
    const rng = this.#rng;
    const bytes = Buffer.from(file.bytes);
    const blocks = file.blocks;
    const poke = (at: number, n: number): number => {
      if (at >= bytes.length) return Infinity;
      rng.fill(bytes, at, Math.min(at + n, bytes.length));
      return at;
    };
    switch (kind) {
      case 0:
        return { bytes, firstBad: Infinity };
      case 1: {
        const b = rng.pick(blocks);
        const cut = rng.chance(0.7) ? rng.range(b.start, b.end) : rng.int(bytes.length + 1);
        return { bytes: bytes.subarray(0, cut), firstBad: cut };
      }
      case 2: {
        let first = Infinity;
        for (let n = rng.range(1, 4); n > 0; n--) {
          const b = rng.pick(blocks);
          const at = rng.chance(0.7) ? b.start + rng.int(Math.min(32, b.end - b.start)) : rng.int(bytes.length);
          first = Math.min(first, poke(at, 1));
        }
        return { bytes, firstBad: first };
      }
      case 3: {
        const b = rng.pick(blocks);
        const at = file.format === 'pcap' ? b.start + (b.start === 0 ? 16 : 8) : rng.pick([b.start + 4, b.end - 4, b.start + 20, b.start + 8]);
        if (at + 4 > b.end) return { bytes, firstBad: Infinity };
        const v = rng.pick([0, 1, 7, 12, 13, 31, 32, 0x40001, 0x4000000, 0x4000004, 0xffffffff, rng.next(), (b.end - b.start) + rng.range(-8, 8)]);
        const le = rng.chance(0.5);
        if (le) bytes.writeUInt32LE(v >>> 0, at);
        else bytes.writeUInt32BE(v >>> 0, at);
        return { bytes, firstBad: Buffer.compare(bytes.subarray(at, at + 4), file.bytes.subarray(at, at + 4)) === 0 ? Infinity : at };
      }
      case 4:
        return { bytes, firstBad: poke(rng.int(Math.min(24, bytes.length)), rng.range(1, 4)) };
      default: {
        const extra = Buffer.alloc(rng.range(1, 40));
        rng.fill(extra, 0, extra.length);
        return { bytes: Buffer.concat([bytes, extra]), firstBad: bytes.length };
      }
    }
  }
}
