import { CaptureFileError } from './capture-file-error.ts';
import { errorText, nextChunk, type ReadContext, u32, u32be, u32le } from './read-context.ts';

/** Size of the classic pcap file header. */
const FILE_HEADER = 24;
/** Size of a classic pcap per-packet record header. */
const RECORD_HEADER = 16;
/** Largest captured length accepted in a record: 256 KiB (libpcap's MAXIMUM_SNAPLEN). */
export const MAX_PCAP_CAPLEN = 0x40000;

/**
 * Reads a classic pcap file (magic a1b2c3d4 or a1b23c4d, either byte order) from its first byte,
 * delivering every record to `ctx.sink` straight out of the chunk buffer. The file's single
 * interface is registered as `ctx.fileName`; the link type is the low 16 bits of the header's
 * network field (the upper bits carry FCS information). Wire lengths below the captured length
 * are raised to it. Throws CaptureFileError on a truncated header or record, an unsupported
 * version, or a captured length above 256 KiB — after delivering every complete record before it.
 */
export async function readPcap(ctx: ReadContext): Promise<void> {
  const { file, sink, stats } = ctx;
  if (file.available < FILE_HEADER && !(await file.refillAhead(FILE_HEADER))) {
    throw new CaptureFileError(file.path, 'truncated pcap file header', 0,
      `need ${FILE_HEADER} bytes, ${file.available} left`);
  }
  const head = file.buf;
  const le = head[0] === 0xd4 || head[0] === 0x4d;
  const major = le ? head[4] | (head[5] << 8) : (head[4] << 8) | head[5];
  const minor = le ? head[6] | (head[7] << 8) : (head[6] << 8) | head[7];
  if (major !== 2) {
    throw new CaptureFileError(file.path, `unsupported pcap version ${major}.${minor} (expected 2.x)`, 4);
  }
  const linkType = u32(head, 20, le) & 0xffff;
  ctx.onLinkType?.(linkType, !le);
  const ifIndex = registerInterface(ctx);
  file.start = FILE_HEADER;

  let packets = 0;
  let bytes = 0;
  for (;;) {
    const buf = file.buf;
    const end = file.end;
    let pos = file.start;
    let need = RECORD_HEADER;
    while (end - pos >= RECORD_HEADER) {
      const capLen = le ? u32le(buf, pos + 8) : u32be(buf, pos + 8);
      if (capLen > MAX_PCAP_CAPLEN) {
        stats.packets = packets;
        stats.capturedBytes = bytes;
        throw new CaptureFileError(file.path,
          `corrupt packet record: captured length ${capLen} exceeds ${MAX_PCAP_CAPLEN}`, file.base + pos);
      }
      need = RECORD_HEADER + capLen;
      if (end - pos < need) break;
      const wireLen = le ? u32le(buf, pos + 12) : u32be(buf, pos + 12);
      sink.packet(buf, pos + RECORD_HEADER, capLen, wireLen > capLen ? wireLen : capLen, linkType, ifIndex);
      packets++;
      bytes += capLen;
      pos += need;
      need = RECORD_HEADER;
    }
    stats.packets = packets;
    stats.capturedBytes = bytes;
    if (!(await nextChunk(ctx, pos, need, 'packet record'))) return;
  }
}

function registerInterface(ctx: ReadContext): number {
  try {
    return ctx.interfaces.register(ctx.fileName);
  } catch (err) {
    throw new CaptureFileError(ctx.file.path, `cannot register interface ${JSON.stringify(ctx.fileName)}`, 0, errorText(err),
      { cause: err });
  }
}
