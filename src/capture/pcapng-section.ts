import { CaptureFileError } from './capture-file-error.ts';
import type { ReadContext } from './read-context.ts';
import { errorText, hex, u16, u32 } from './read-context.ts';

/** Section header block type (the same in both byte orders). */
export const SHB_TYPE = 0x0a0d0d0a;
/** Interface description block type. */
export const IDB_TYPE = 1;
/** Obsolete packet block type. */
export const PB_TYPE = 2;
/** Simple packet block type. */
export const SPB_TYPE = 3;
/** Enhanced packet block type. */
export const EPB_TYPE = 6;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_IF_NAME = 2;

/** Smallest valid total length of a block of `type` (12 for types without fixed fields). */
export function minBlockLength(type: number): number {
  switch (type) {
    case EPB_TYPE: return 32;
    case SPB_TYPE: return 16;
    case PB_TYPE: return 32;
    case IDB_TYPE: return 20;
    case SHB_TYPE: return 28;
    default: return 12;
  }
}

/** Human-readable block name for error messages (`block type 0x00000bad` when unknown). */
export function blockName(type: number): string {
  switch (type) {
    case SHB_TYPE: return 'section header block';
    case IDB_TYPE: return 'interface description block';
    case PB_TYPE: return 'packet block';
    case SPB_TYPE: return 'simple packet block';
    case EPB_TYPE: return 'enhanced packet block';
    default: return `block type ${hex(type)}`;
  }
}

/**
 * Interfaces declared by the IDBs of the current pcapng section, indexed by interface id.
 * Reset by every section header block; the arrays are read on the per-packet path.
 */
export class SectionInterfaces {
  /** LINKTYPE_* of each interface. */
  linkTypes: number[] = [];
  /** IDB snaplen of each interface (0 = unlimited). */
  snaplens: number[] = [];
  /** InterfaceRegistry index of each interface. */
  indexes: number[] = [];
  /** Number of section header blocks seen so far. */
  sections = 0;

  /** Forgets the previous section's interfaces (called for every SHB). */
  reset(): void {
    this.linkTypes = [];
    this.snaplens = [];
    this.indexes = [];
    this.sections++;
  }
}

/**
 * Byte order of the section header block at `buf[pos]` from its byte-order magic.
 * @returns true for little-endian; throws CaptureFileError if the magic is neither order
 */
export function sectionByteOrder(ctx: ReadContext, buf: Uint8Array, pos: number): boolean {
  const magic = u32(buf, pos + 8, true);
  if (magic === BYTE_ORDER_MAGIC) return true;
  if (u32(buf, pos + 8, false) === BYTE_ORDER_MAGIC) return false;
  throw new CaptureFileError(ctx.file.path,
    `section header block has bad byte-order magic ${hex(u32(buf, pos + 8, false))}`,
    ctx.file.base + pos + 8);
}

/** Checks the version of the complete SHB at `buf[pos]` and starts a new section in `ifs`. */
export function readSectionHeader(ctx: ReadContext, ifs: SectionInterfaces, buf: Uint8Array, pos: number,
  le: boolean): void {
  const major = u16(buf, pos + 12, le);
  if (major !== 1) {
    throw new CaptureFileError(ctx.file.path,
      `unsupported pcapng version ${major}.${u16(buf, pos + 14, le)} (expected 1.x)`, ctx.file.base + pos + 12);
  }
  ifs.reset();
}

/**
 * Reads the complete IDB at `buf[pos]` (total length `len`), registers its interface — named by
 * its if_name option, else `<file name>#<n>` with n its index in the section — and appends it.
 */
export function readInterfaceDescription(ctx: ReadContext, ifs: SectionInterfaces, buf: Buffer, pos: number,
  len: number, le: boolean): void {
  const at = ctx.file.base + pos;
  const n = ifs.indexes.length;
  let name = '';
  const optEnd = pos + len - 4;
  for (let p = pos + 16; p + 4 <= optEnd;) {
    const code = u16(buf, p, le);
    const optLen = u16(buf, p + 2, le);
    if (code === OPT_END) break;
    if (p + 4 + optLen > optEnd) {
      throw new CaptureFileError(ctx.file.path,
        `interface description block option ${code} length ${optLen} overruns the block`, ctx.file.base + p);
    }
    if (code === OPT_IF_NAME) name = buf.toString('utf8', p + 4, p + 4 + optLen).replace(/\0+$/, '');
    p += 4 + ((optLen + 3) & ~3);
  }
  if (name === '') name = `${ctx.fileName}#${n}`;
  let index: number;
  try {
    index = ctx.interfaces.register(name);
  } catch (err) {
    throw new CaptureFileError(ctx.file.path, `cannot register interface ${JSON.stringify(name)}`, at, errorText(err), { cause: err });
  }
  const linkType = u16(buf, pos + 8, le);
  ctx.onLinkType?.(linkType, !le);
  ifs.linkTypes.push(linkType);
  ifs.snaplens.push(u32(buf, pos + 12, le));
  ifs.indexes.push(index);
}
