import { basename } from 'node:path';
import { CaptureFileError } from './capture-file-error.ts';
import type { CaptureFileStats } from './capture-file-stats.ts';
import { ChunkedFile, DEFAULT_CHUNK_SIZE } from './chunked-file.ts';
import type { InterfaceRegistry } from './interface-registry.ts';
import { PacketFilter } from './packet-filter.ts';
import type { PacketSink } from './packet-sink.ts';
import { readPcap } from './pcap-reader.ts';
import { readPcapng } from './pcapng-reader.ts';
import { hex, u32be } from './read-context.ts';

export { CaptureFileError } from './capture-file-error.ts';
export type { CaptureFileStats } from './capture-file-stats.ts';
export { FilterError } from './packet-filter.ts';

/** Options of readCaptureFile. */
export interface ReadCaptureFileOptions {
  /** Size of the reused read buffer in bytes (default 4 MiB); it grows only for a bigger record. */
  chunkSize?: number;
  /**
   * Awaited after the packets of each chunk were delivered and before the buffer is reused
   * (the pipeline flushes here), with the bytes of the file read so far. Errors it throws
   * propagate unchanged.
   */
  onChunk?: (bytesRead: number) => void | Promise<void>;
  /**
   * tcpdump filter expression (`capture.filter`): only the packets it accepts reach the sink,
   * selected exactly as `tcpdump -r FILE EXPR` does (see PacketFilter). Empty: every packet.
   */
  filter?: string;
  /** A descriptor already open on `path` to read instead of opening it (a FIFO); closed at the end. */
  fd?: number;
}

/**
 * Capture file format recognised from the first 4 bytes of a file, or undefined.
 * Classic pcap: a1b2c3d4 (µs) and a1b23c4d (ns), in either byte order; pcapng: 0a0d0d0a.
 */
export function detectFormat(magic: number): CaptureFileStats['format'] | undefined {
  switch (magic) {
    case 0xa1b2c3d4: case 0xd4c3b2a1: case 0xa1b23c4d: case 0x4d3cb2a1: return 'pcap';
    case 0x0a0d0d0a: return 'pcapng';
    default: return undefined;
  }
}

/**
 * Reads the pcap or pcapng file at `path` front to back, calling `sink.packet()` for every packet
 * with a view into one reused chunk buffer (see PacketSink for ownership), and registering the
 * file's interfaces in `interfaces` (pcap: the file's base name; pcapng: each IDB's if_name, else
 * `<base name>#<n>`).
 *
 * @returns packets and captured bytes delivered, and the format detected
 * @throws FilterError when `options.filter` does not compile for a link type of the file (before
 *   any packet of that link type is delivered), or the filter addon is missing
 * @throws CaptureFileError for anything wrong with the file — cannot open or read it, unknown
 *   magic, empty, corrupt or truncated — after delivering every complete packet before the problem;
 *   its `stats` holds what was delivered. Errors thrown by `onChunk` propagate unchanged.
 */
export async function readCaptureFile(path: string, sink: PacketSink, interfaces: InterfaceRegistry,
  options: ReadCaptureFileOptions = {}): Promise<CaptureFileStats> {
  const filter = options.filter?.trim() ? new PacketFilter(options.filter) : undefined;
  const file = ChunkedFile.open(path, options.chunkSize ?? DEFAULT_CHUNK_SIZE, options.fd);
  let stats: CaptureFileStats | undefined;
  try {
    if (!(await file.refillAhead(4))) {
      throw new CaptureFileError(path, file.available === 0 ? 'empty file, not a pcap or pcapng file'
        : `file of ${file.available} bytes is too short to be a pcap or pcapng file`);
    }
    const magic = u32be(file.buf, 0);
    const format = detectFormat(magic);
    if (format === undefined) {
      throw new CaptureFileError(path, `not a pcap or pcapng file (magic ${hex(magic)})`, 0);
    }
    stats = { packets: 0, capturedBytes: 0, format };
    const fileName = basename(path);
    const ctx = {
      file, sink: filter ? filter.wrap(sink) : sink, interfaces, fileName, stats, onChunk: options.onChunk,
      onLinkType: filter ? (linkType: number, bigEndian: boolean) => filter.prepare(linkType, fileName, bigEndian) : undefined,
    };
    await (format === 'pcap' ? readPcap(ctx) : readPcapng(ctx));
    return stats;
  } catch (err) {
    if (err instanceof CaptureFileError && stats !== undefined) err.stats = { ...stats };
    throw err;
  } finally {
    await file.settle();
    file.close();
  }
}
