/** One configuration key of the schema, flattened. */
export interface Leaf {
  /** Dotted key, e.g. `capture.interfaces`. */
  key: string;
  doc: string;
  default: unknown;
  env?: string;
  arg?: string;
  /** Allowed values, when the format is a list. */
  allowed?: readonly unknown[];
}

/** Flattens a convict schema into its keys, in declaration order. */
export function leaves(node: Record<string, unknown>, prefix = ''): Leaf[] {
  const out: Leaf[] = [];
  for (const [name, value] of Object.entries(node)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const v = value as Record<string, unknown>;
    if (v && typeof v === 'object' && 'doc' in v && 'default' in v) {
      out.push({
        key, doc: String(v.doc), default: v.default,
        env: v.env as string | undefined, arg: v.arg as string | undefined,
        allowed: Array.isArray(v.format) ? v.format : undefined,
      });
    } else if (v && typeof v === 'object') {
      out.push(...leaves(v, key));
    }
  }
  return out;
}
