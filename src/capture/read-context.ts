import { CaptureFileError } from './capture-file-error.ts';
import type { CaptureFileStats } from './capture-file-stats.ts';
import type { ChunkedFile } from './chunked-file.ts';
import type { InterfaceRegistry } from './interface-registry.ts';
import type { PacketSink } from './packet-sink.ts';

/** Everything a format reader needs; built once per file by readCaptureFile. */
export interface ReadContext {
  /** The open file, positioned at its first byte with the first chunk already read. */
  readonly file: ChunkedFile;
  readonly sink: PacketSink;
  readonly interfaces: InterfaceRegistry;
  /** Base name of the file, used to name interfaces the file does not name. */
  readonly fileName: string;
  /** Updated by the reader at least after every chunk and before it throws. */
  readonly stats: CaptureFileStats;
  /** Awaited after the packets of every chunk were delivered, before the buffer is reused. */
  readonly onChunk: ((bytesRead: number) => void | Promise<void>) | undefined;
  /**
   * Called with every link type the file declares (pcap header, pcapng IDB) before its packets,
   * and whether the file (pcapng: the section) is big-endian.
   */
  readonly onLinkType: ((linkType: number, bigEndian: boolean) => void) | undefined;
}

/**
 * Ends a chunk: records that the reader consumed up to `pos`, awaits onChunk, and refills the
 * buffer until `need` bytes are unconsumed (ChunkedFile.refillAhead: `file.buf` may be the other
 * buffer now). Resolves false at a clean end of file (nothing left);
 * throws CaptureFileError `truncated <what>` when the file ends inside a record or block.
 */
export async function nextChunk(ctx: ReadContext, pos: number, need: number, what: string): Promise<boolean> {
  const file = ctx.file;
  file.start = pos;
  await ctx.onChunk?.(file.base + file.end);
  if (await file.refillAhead(need)) return true;
  if (file.available === 0) return false;
  throw new CaptureFileError(file.path, `truncated ${what}`, file.base + file.start, `need ${need} bytes, ${file.available} left`);
}

/** Unsigned 32-bit little-endian integer at `p`. */
export function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** Unsigned 32-bit big-endian integer at `p`. */
export function u32be(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** Unsigned 32-bit integer at `p` in the given byte order. */
export function u32(b: Uint8Array, p: number, le: boolean): number {
  return le ? u32le(b, p) : u32be(b, p);
}

/** Unsigned 16-bit integer at `p` in the given byte order. */
export function u16(b: Uint8Array, p: number, le: boolean): number {
  return le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

/** Hexadecimal with 0x prefix and at least `digits` digits (`hex(0xa0d0d0a)` → `0x0a0d0d0a`). */
export function hex(value: number, digits = 8): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}

/** The message of an Error, or the value as a string. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
