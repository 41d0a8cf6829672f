import { CaptureFileError } from './capture-file-error.ts';
import { MAX_RECORD_SIZE } from './chunked-file.ts';
import {
  blockName, EPB_TYPE, IDB_TYPE, minBlockLength, PB_TYPE, readInterfaceDescription, readSectionHeader,
  SectionInterfaces, sectionByteOrder, SHB_TYPE, SPB_TYPE,
} from './pcapng-section.ts';
import { nextChunk, type ReadContext, u16, u32 } from './read-context.ts';

/** Smallest block: type, total length, trailing total length. */
const MIN_BLOCK = 12;

/**
 * Reads a pcapng file from its first byte (a section header block), delivering the packets of
 * enhanced (EPB), simple (SPB) and obsolete packet blocks to `ctx.sink` straight out of the chunk
 * buffer. Sections may differ in byte order; interface ids are per section and are mapped to
 * InterfaceRegistry indexes when their IDB is read. Other blocks (name resolution, statistics,
 * decryption secrets, custom, unknown) are skipped. An SPB belongs to interface 0 and its captured
 * length is min(original length, block data space, IDB snaplen if nonzero). Wire lengths below
 * the captured length are raised to it.
 *
 * Throws CaptureFileError — after delivering every complete packet before it — on a truncated
 * block, a block length that is < 12, not a multiple of 4, above 64 MiB, too small for its type
 * or unequal to the trailing copy, a bad byte-order magic or version, an interface id with no IDB
 * in its section, or a captured length beyond the block.
 */
export async function readPcapng(ctx: ReadContext): Promise<void> {
  const { file, sink, stats } = ctx;
  const ifs = new SectionInterfaces();
  let le = true;
  let packets = 0;
  let bytes = 0;
  for (;;) {
    const buf = file.buf;
    const end = file.end;
    let pos = file.start;
    let need = MIN_BLOCK;
    try {
      while (end - pos >= MIN_BLOCK) {
        const type = u32(buf, pos, le);
        const blockLe: boolean = type === SHB_TYPE ? sectionByteOrder(ctx, buf, pos) : le;
        const len = u32(buf, pos + 4, blockLe);
        if ((len & 3) !== 0 || len > MAX_RECORD_SIZE || len < minBlockLength(type)) {
          throw badLength(ctx, type, len, file.base + pos);
        }
        need = len;
        if (end - pos < len) break;
        if (u32(buf, pos + len - 4, blockLe) !== len) {
          throw new CaptureFileError(file.path, `${blockName(type)} trailing length ${
            u32(buf, pos + len - 4, blockLe)} differs from its length ${len}`, file.base + pos + len - 4);
        }
        let capLen: number;
        let wireLen: number;
        let id = 0;
        let data = pos + 28;
        if (type === EPB_TYPE || type === PB_TYPE) {
          id = type === EPB_TYPE ? u32(buf, pos + 8, le) : u16(buf, pos + 8, le);
          capLen = u32(buf, pos + 20, le);
          wireLen = u32(buf, pos + 24, le);
          if (id >= ifs.indexes.length) throw badInterface(ctx, type, id, ifs, file.base + pos + 8);
          if (capLen > len - 32) {
            throw new CaptureFileError(file.path, `${blockName(type)} captured length ${capLen} exceeds its block ` +
              `data space ${len - 32}`, file.base + pos + 20);
          }
        } else if (type === SPB_TYPE) {
          if (ifs.indexes.length === 0) throw badInterface(ctx, type, 0, ifs, file.base + pos);
          wireLen = u32(buf, pos + 8, le);
          const snaplen = ifs.snaplens[0];
          capLen = Math.min(wireLen, len - 16, snaplen === 0 ? len : snaplen);
          data = pos + 12;
        } else {
          if (type === SHB_TYPE) {
            readSectionHeader(ctx, ifs, buf, pos, blockLe);
            le = blockLe;
          } else if (type === IDB_TYPE) {
            readInterfaceDescription(ctx, ifs, buf, pos, len, le);
          }
          pos += len;
          need = MIN_BLOCK;
          continue;
        }
        sink.packet(buf, data, capLen, wireLen > capLen ? wireLen : capLen, ifs.linkTypes[id], ifs.indexes[id]);
        packets++;
        bytes += capLen;
        pos += len;
        need = MIN_BLOCK;
      }
    } finally {
      stats.packets = packets;
      stats.capturedBytes = bytes;
    }
    if (!(await nextChunk(ctx, pos, need, 'block'))) return;
  }
}

function badLength(ctx: ReadContext, type: number, len: number, at: number): CaptureFileError {
  const min = minBlockLength(type);
  const problem = len < min ? `is below the minimum ${min}`
    : (len & 3) !== 0 ? 'is not a multiple of 4'
      : `exceeds the maximum ${MAX_RECORD_SIZE} (64 MiB)`;
  return new CaptureFileError(ctx.file.path, `${blockName(type)} length ${len} ${problem}`, at + 4);
}

function badInterface(ctx: ReadContext, type: number, id: number, ifs: SectionInterfaces,
  at: number): CaptureFileError {
  const count = ifs.indexes.length;
  return new CaptureFileError(ctx.file.path, `${blockName(type)} refers to interface ${id} but section ${
    ifs.sections} declares ${count} interface${count === 1 ? '' : 's'}`, at);
}
