import { Kind, KIND_COUNT, VARIABLE_LENGTH } from './netflow-fields.ts';
import type { CompiledTemplate } from './netflow-template.ts';

/**
 * Reads data records through a compiled template's plan into `values` (indexed by Kind; IPv6
 * address kinds hold the address's offset in the datagram). Only the kinds of the template are
 * written: check CompiledTemplate.has before using a value. No allocation, no exception.
 */
export class RecordReader {
  readonly values = new Float64Array(KIND_COUNT);

  /**
   * Reads the record starting at `offset` (the set ends at `end`); returns where it ends, or -1
   * when it does not fit in the set (including an IPFIX variable-length field running past it).
   */
  read(data: Uint8Array, offset: number, end: number, t: CompiledTemplate): number {
    const kinds = t.planKind;
    const pos = t.planPos;
    const lengths = t.planLength;
    const values = this.values;
    const n = kinds.length;
    if (!t.variable) {
      const recordEnd = offset + t.recordLength;
      if (recordEnd > end) return -1;
      for (let i = 0; i < n; i++) {
        const k = kinds[i];
        const p = offset + pos[i];
        values[k] = k === Kind.SRC6 || k === Kind.DST6 ? p : readUint(data, p, lengths[i]);
      }
      return recordEnd;
    }
    // RFC 7011 §7: a variable-length field is preceded by its length in one octet, or by 255 and
    // the length in two octets.
    const fieldLengths = t.fieldLengths;
    const offsets = t.fieldOffsets;
    let p = offset;
    for (let f = 0; f < fieldLengths.length; f++) {
      let len = fieldLengths[f];
      if (len === VARIABLE_LENGTH) {
        if (p >= end) return -1;
        len = data[p++];
        if (len === 255) {
          if (p + 2 > end) return -1;
          len = (data[p] << 8) | data[p + 1];
          p += 2;
        }
      }
      offsets[f] = p;
      p += len;
      if (p > end) return -1;
    }
    for (let i = 0; i < n; i++) {
      const k = kinds[i];
      const q = offsets[pos[i]];
      values[k] = k === Kind.SRC6 || k === Kind.DST6 ? q : readUint(data, q, lengths[i]);
    }
    return p;
  }
}

/** Unsigned big-endian integer of `length` (0..8) bytes at `p` (8 bytes: exact up to 2^53). */
export function readUint(data: Uint8Array, p: number, length: number): number {
  switch (length) {
    case 1: return data[p];
    case 2: return (data[p] << 8) | data[p + 1];
    case 4: return ((data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3]) >>> 0;
    case 8: return (((data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3]) >>> 0) * 4294967296
      + (((data[p + 4] << 24) | (data[p + 5] << 16) | (data[p + 6] << 8) | data[p + 7]) >>> 0);
    default: {
      let v = 0;
      for (let i = 0; i < length; i++) v = v * 256 + data[p + i];
      return v;
    }
  }
}

/** The 32-bit big-endian word at `p`. */
export function readU32(data: Uint8Array, p: number): number {
  return ((data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3]) >>> 0;
}

/** The 16-bit big-endian word at `p`. */
export function readU16(data: Uint8Array, p: number): number {
  return (data[p] << 8) | data[p + 1];
}
