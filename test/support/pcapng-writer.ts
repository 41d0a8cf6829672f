import { writeFileSync } from 'node:fs';
import { ByteOutput } from './byte-output.ts';

/** An interface declared with PcapNgWriter.addInterface. */
export interface PcapNgInterface {
  /** LINKTYPE_* of the interface. */
  linkType: number;
  /** Written as the if_name option when given. */
  name?: string;
  /** IDB snaplen (default 0 = unlimited); longer frames are written truncated to it. */
  snaplen?: number;
}

/** Per-packet options of the PcapNgWriter packet methods. */
export interface PcapNgPacketOptions {
  /** Original length on the wire (default: the frame's length). */
  wireLength?: number;
  /** Timestamp in the interface's units, µs by default (default: the packet's index). */
  timestamp?: number;
  /** Written as an opt_comment option after the packet data (EPB only). */
  comment?: string;
}

const SHB = 0x0a0d0d0a;
const IDB = 1;
const PB = 2;
const SPB = 3;
const EPB = 6;
/** Custom block type that may be copied (skipped by readers that do not know its PEN). */
const CUSTOM = 0x00000bad;

/**
 * Writes a pcapng file, in memory (`toBuffer()`, `writeTo(path)`) or streaming to a file
 * (then `close()`). The constructor writes the first section header; `addSection` starts another
 * one, possibly in the other byte order, whose interface ids start again at 0. Nothing is
 * validated (an EPB may name an undeclared interface), so tests can build corrupt files too.
 */
export class PcapNgWriter {
  readonly #out: ByteOutput;
  #le = true;
  #snaplens: number[] = [];
  #count = 0;

  /** @param options.file stream to this file instead of building in memory */
  constructor(options: { bigEndian?: boolean; file?: string } = {}) {
    this.#out = new ByteOutput(options.file);
    this.addSection({ bigEndian: options.bigEndian ?? false });
  }

  /** Packets added so far (all sections). */
  get count(): number {
    return this.#count;
  }

  /** Writes a section header block; interfaces declared before it no longer exist. */
  addSection(options: { bigEndian?: boolean } = {}): this {
    this.#le = options.bigEndian !== true;
    this.#snaplens = [];
    const appl = new TextEncoder().encode('otelacct test writer');
    this.#header(SHB, 16 + optionsLength([appl]));
    this.#out.u32(0x1a2b3c4d, this.#le);
    this.#out.u16(1, this.#le);
    this.#out.u16(0, this.#le);
    this.#out.u32(0xffffffff, this.#le); // section length -1: unknown
    this.#out.u32(0xffffffff, this.#le);
    this.#options([[4, appl]]);
    return this.#trailer(16 + optionsLength([appl]));
  }

  /** Writes an interface description block; returns its id within the current section. */
  addInterface(iface: PcapNgInterface): number {
    const name = iface.name === undefined ? [] : [new TextEncoder().encode(iface.name)];
    const body = 8 + optionsLength(name);
    this.#header(IDB, body);
    this.#out.u16(iface.linkType, this.#le);
    this.#out.u16(0, this.#le);
    this.#out.u32(iface.snaplen ?? 0, this.#le);
    this.#options(name.map((value) => [2, value] as const));
    this.#trailer(body);
    this.#snaplens.push(iface.snaplen ?? 0);
    return this.#snaplens.length - 1;
  }

  /** Writes an enhanced packet block for interface `ifId` of the current section. */
  addEnhancedPacket(ifId: number, frame: Uint8Array, options: PcapNgPacketOptions = {}): this {
    return this.#packet(EPB, ifId, frame, options);
  }

  /** Writes an obsolete packet block (type 2) for interface `ifId` of the current section. */
  addObsoletePacket(ifId: number, frame: Uint8Array, options: PcapNgPacketOptions = {}): this {
    return this.#packet(PB, ifId, frame, { ...options, comment: undefined });
  }

  /** Writes a simple packet block (interface 0) holding `frame`; `origLen` defaults to its length. */
  addSimplePacket(frame: Uint8Array, origLen = frame.length): this {
    const capLen = capture(frame.length, this.#snaplens[0] ?? 0);
    this.#header(SPB, 4 + capLen);
    this.#out.u32(origLen, this.#le);
    this.#data(frame, capLen);
    this.#count++;
    return this.#trailer(4 + capLen);
  }

  /** Writes a block of any type with `body` as its body (padded to 4): custom, NRB, ISB, unknown. */
  addBlock(type: number, body: Uint8Array): this {
    this.#header(type, body.length);
    this.#data(body, body.length);
    return this.#trailer(body.length);
  }

  /** Writes a custom block (type 0xBAD, PEN 32473) that readers must skip. */
  addCustomBlock(payload: Uint8Array = new Uint8Array([1, 2, 3, 4, 5])): this {
    const body = new Uint8Array(4 + payload.length);
    new DataView(body.buffer).setUint32(0, 32473, this.#le);
    body.set(payload, 4);
    return this.addBlock(CUSTOM, body);
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

  #packet(type: number, ifId: number, frame: Uint8Array, options: PcapNgPacketOptions): this {
    const capLen = capture(frame.length, this.#snaplens[ifId] ?? 0);
    const comment = options.comment === undefined ? [] : [new TextEncoder().encode(options.comment)];
    const body = 20 + pad4(capLen) + optionsLength(comment);
    const ts = options.timestamp ?? this.#count;
    this.#header(type, body);
    if (type === PB) {
      this.#out.u16(ifId, this.#le);
      this.#out.u16(0, this.#le);
    } else {
      this.#out.u32(ifId, this.#le);
    }
    this.#out.u32(Math.floor(ts / 2 ** 32), this.#le);
    this.#out.u32(ts % 2 ** 32, this.#le);
    this.#out.u32(capLen, this.#le);
    this.#out.u32(options.wireLength ?? frame.length, this.#le);
    this.#data(frame, capLen);
    this.#options(comment.map((value) => [1, value] as const));
    this.#count++;
    return this.#trailer(body);
  }

  #header(type: number, bodyLength: number): void {
    this.#out.u32(type, this.#le);
    this.#out.u32(12 + pad4(bodyLength), this.#le);
  }

  #data(bytes: Uint8Array, length: number): void {
    this.#out.bytes(bytes, 0, length);
    this.#out.zeros(pad4(length) - length);
  }

  #options(options: ReadonlyArray<readonly [number, Uint8Array]>): void {
    if (options.length === 0) return;
    for (const [code, value] of options) {
      this.#out.u16(code, this.#le);
      this.#out.u16(value.length, this.#le);
      this.#data(value, value.length);
    }
    this.#out.u32(0, this.#le); // opt_endofopt
  }

  #trailer(bodyLength: number): this {
    this.#out.u32(12 + pad4(bodyLength), this.#le);
    this.#out.maybeFlush();
    return this;
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function capture(length: number, snaplen: number): number {
  return snaplen === 0 ? length : Math.min(length, snaplen);
}

/** Bytes taken by an option list holding `values` (each 4 + padded value, then opt_endofopt). */
function optionsLength(values: readonly Uint8Array[]): number {
  if (values.length === 0) return 0;
  return values.reduce((sum, value) => sum + 4 + pad4(value.length), 4);
}
