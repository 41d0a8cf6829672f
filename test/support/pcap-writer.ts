import { writeFileSync } from 'node:fs';
import { ByteOutput } from './byte-output.ts';

export { PcapNgWriter } from './pcapng-writer.ts';
export type { PcapNgInterface, PcapNgPacketOptions } from './pcapng-writer.ts';

/** Options of PcapWriter. */
export interface PcapWriterOptions {
  /** Written as the header's 32-bit network field: a LINKTYPE_*, optionally with FCS bits above 16. */
  linkType: number;
  /** Header snaplen (default 262144); longer frames are written truncated to it. */
  snaplen?: number;
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds (a1b2c3d4). */
  nanoseconds?: boolean;
  /** Write big-endian (default little-endian). */
  bigEndian?: boolean;
  /** Stream to this file (in 1 MiB writes; call close()) instead of building in memory. */
  file?: string;
  /** Header major version (default 2; anything else is for corrupt-file tests). */
  versionMajor?: number;
}

/** Per-packet options of PcapWriter.add. */
export interface PcapPacketOptions {
  /** Original length on the wire (default: the frame's length). */
  wireLength?: number;
  /** Timestamp seconds (default 1700000000). */
  tsSec?: number;
  /** Timestamp µs or ns (default: the packet's index). */
  tsFrac?: number;
  /** Captured length written in the record header, without changing the bytes written (for corrupt files). */
  capturedLengthField?: number;
}

/**
 * Writes a classic pcap file, in memory (`toBuffer()`, `writeTo(path)`) or streaming to
 * `options.file` (then `close()`). Records are written as given: no validation, so tests can build
 * corrupt files too.
 */
export class PcapWriter {
  readonly #out: ByteOutput;
  readonly #le: boolean;
  readonly #snaplen: number;
  #count = 0;

  constructor(options: PcapWriterOptions) {
    this.#out = new ByteOutput(options.file);
    this.#le = options.bigEndian !== true;
    this.#snaplen = options.snaplen ?? 262144;
    const out = this.#out;
    out.u32(options.nanoseconds === true ? 0xa1b23c4d : 0xa1b2c3d4, this.#le);
    out.u16(options.versionMajor ?? 2, this.#le);
    out.u16(4, this.#le);
    out.u32(0, this.#le);
    out.u32(0, this.#le);
    out.u32(this.#snaplen, this.#le);
    out.u32(options.linkType, this.#le);
  }

  /** Packets added so far. */
  get count(): number {
    return this.#count;
  }

  /** Appends one record holding `frame` (truncated to the snaplen; wire length = frame length). */
  add(frame: Uint8Array, options: PcapPacketOptions = {}): this {
    const out = this.#out;
    const capLen = Math.min(frame.length, this.#snaplen);
    out.u32(options.tsSec ?? 1_700_000_000, this.#le);
    out.u32(options.tsFrac ?? this.#count % 1_000_000, this.#le);
    out.u32(options.capturedLengthField ?? capLen, this.#le);
    out.u32(options.wireLength ?? frame.length, this.#le);
    out.bytes(frame, 0, capLen);
    out.maybeFlush();
    this.#count++;
    return this;
  }

  /** The file built so far (in-memory mode). */
  toBuffer(): Buffer {
    return this.#out.toBuffer();
  }

  /** Writes the file built so far to `path` (in-memory mode). */
  writeTo(path: string): void {
    writeFileSync(path, this.toBuffer());
  }

  /** Finishes a streaming writer. */
  close(): void {
    this.#out.close();
  }
}
