import { fieldKind, Kind, KIND_COUNT, PRECEDENCE, V9Scope, VARIABLE_LENGTH } from './netflow-fields.ts';

/** Most fields a template may have (RFC limits it only by the set length); more: BAD_TEMPLATE. */
export const MAX_TEMPLATE_FIELDS = 256;

/**
 * A NetFlow v9 / IPFIX (options) template compiled once into a read plan: for each Kind the
 * template carries, where its field is and how long it is. Records are read through the plan
 * with no allocation. Immutable once built; a changed template is a new CompiledTemplate.
 */
export class CompiledTemplate {
  /** An options template (its data records carry sampler information, not flows). */
  readonly options: boolean;
  /** The template record's bytes as received (from template id on), to recognise a refresh. */
  readonly definition: Uint8Array;
  /** Fixed record length, or the minimum (each variable-length field counted as 1) when `variable`. */
  readonly recordLength: number;
  /** Has IPFIX variable-length fields: offsets are computed per record into `fieldOffsets`. */
  readonly variable: boolean;
  /** Bit (1 << kind) for every Kind in the plan. */
  readonly kinds: number;
  /** Plan entries: kind, offset in the record (fixed) or field index (variable), length. */
  readonly planKind: Uint8Array;
  readonly planPos: Int32Array;
  readonly planLength: Int32Array;
  /** Variable templates: every field's length (VARIABLE_LENGTH marks variable) and a scratch of offsets. */
  readonly fieldLengths: Int32Array;
  readonly fieldOffsets: Int32Array;

  constructor(options: boolean, definition: Uint8Array, lengths: Int32Array, kinds: Int32Array) {
    this.options = options;
    this.definition = definition;
    const n = lengths.length;
    let variable = false;
    let recordLength = 0;
    for (let i = 0; i < n; i++) {
      if (lengths[i] === VARIABLE_LENGTH) { variable = true; recordLength += 1; } else recordLength += lengths[i];
    }
    this.variable = variable;
    this.recordLength = recordLength;
    // Last occurrence of each kind wins, as nfacctd's OTPL_LAST.
    const last = new Int32Array(KIND_COUNT).fill(-1);
    for (let i = 0; i < n; i++) if (kinds[i] !== Kind.NONE) last[kinds[i]] = i;
    let count = 0;
    let mask = 0;
    for (let k = 1; k < KIND_COUNT; k++) if (last[k] >= 0) { count++; mask |= 1 << k; }
    this.kinds = mask;
    this.planKind = new Uint8Array(count);
    this.planPos = new Int32Array(count);
    this.planLength = new Int32Array(count);
    let j = 0;
    for (let k = 1; k < KIND_COUNT; k++) {
      const f = last[k];
      if (f < 0) continue;
      let offset = 0;
      for (let i = 0; i < f; i++) offset += lengths[i];
      this.planKind[j] = k;
      this.planPos[j] = variable ? f : offset;
      this.planLength[j] = lengths[f];
      j++;
    }
    this.fieldLengths = variable ? lengths : new Int32Array(0);
    this.fieldOffsets = new Int32Array(variable ? n : 0);
  }

  has(kind: number): boolean {
    return (this.kinds & (1 << kind)) !== 0;
  }
}

/** Reusable scratch of the template parser: the fields of one template record. */
export class TemplateFields {
  count = 0;
  scopeCount = 0;
  readonly ies = new Int32Array(MAX_TEMPLATE_FIELDS);
  readonly lengths = new Int32Array(MAX_TEMPLATE_FIELDS);
  readonly enterprise = new Uint8Array(MAX_TEMPLATE_FIELDS);
}

/**
 * Compiles the fields parsed into `f` (scope fields first, `f.scopeCount` of them) into a
 * template; `definition` is kept for refresh comparison. Returns null for a template no record
 * can be read with (total length 0). Allocates: called per new or changed template only.
 */
export function compileTemplate(f: TemplateFields, ipfix: boolean, options: boolean, definition: Uint8Array): CompiledTemplate | null {
  const n = f.count;
  const lengths = new Int32Array(n);
  const kinds = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const ie = f.ies[i];
    const len = f.lengths[i];
    lengths[i] = len;
    total += len === VARIABLE_LENGTH && ipfix ? 1 : len;
    if (f.enterprise[i] === 1) continue;
    if (!ipfix && i < f.scopeCount) {
      // v9 scope field types are their own number space (RFC 3954 §6.1).
      if (ie === V9Scope.SYSTEM) kinds[i] = Kind.SCOPE_SYSTEM;
      continue;
    }
    kinds[i] = fieldKind(ie, ipfix ? len : (len === VARIABLE_LENGTH ? 0 : len));
  }
  if (!ipfix) for (let i = 0; i < n; i++) if (lengths[i] === VARIABLE_LENGTH) lengths[i] = VARIABLE_LENGTH + 1;
  if (total === 0) return null;
  for (const p of PRECEDENCE) {
    for (const ie of p.ies) {
      let found = false;
      for (let i = 0; i < n; i++) {
        if (f.ies[i] !== ie || f.enterprise[i] === 1 || (!ipfix && i < f.scopeCount)) continue;
        const len = lengths[i];
        if (len >= 1 && len <= 8) { kinds[i] = p.kind; found = true; }
      }
      if (found) break;
    }
  }
  return new CompiledTemplate(options, definition, lengths, kinds);
}

/** True when `data[offset .. offset+length)` equals `definition`. */
export function sameDefinition(definition: Uint8Array, data: Uint8Array, offset: number, length: number): boolean {
  if (definition.length !== length) return false;
  for (let i = 0; i < length; i++) if (definition[i] !== data[offset + i]) return false;
  return true;
}

