/**
 * A list of network prefixes held column-wise in typed arrays, as PrefixTrie is built from and
 * keeps them: a million prefixes cost ~22 bytes each plus their distinct names, instead of an
 * object, an array and a string apiece (~500 MB for a full BGP table). Names are interned: every
 * prefix of `AS65500` shares one string. Columns can be moved to another thread (parts()/fromParts).
 */

/** The columns as plain data (structured-clonable; `transfer` lists their buffers). */
export interface PrefixColumnParts {
  count: number;
  versions: Uint8Array;
  lengths: Uint8Array;
  words: Uint32Array;
  nameIds: Uint32Array;
  names: string[];
}

export class PrefixColumns {
  #count = 0;
  #versions: Uint8Array;
  #lengths: Uint8Array;
  /** Four words per prefix (IPv4: word 0, the rest 0). */
  #words: Uint32Array;
  #nameIds: Uint32Array;
  readonly #names: string[];
  readonly #nameIndex = new Map<string, number>();

  constructor(capacity = 64) {
    this.#versions = new Uint8Array(capacity);
    this.#lengths = new Uint8Array(capacity);
    this.#words = new Uint32Array(capacity * 4);
    this.#nameIds = new Uint32Array(capacity);
    this.#names = [];
  }

  /** Columns over existing arrays (fromParts, and PrefixTrie on the receiving thread). */
  static fromParts(p: PrefixColumnParts): PrefixColumns {
    const c = new PrefixColumns(0);
    c.#count = p.count;
    c.#versions = p.versions;
    c.#lengths = p.lengths;
    c.#words = p.words;
    c.#nameIds = p.nameIds;
    for (const name of p.names) c.#names.push(name); // (a spread of a million names would overflow the stack)
    return c;
  }

  /** Number of prefixes. */
  get count(): number {
    return this.#count;
  }

  /** Appends a prefix; words w1..w3 are 0 for IPv4. Values are stored as given (PrefixTrie checks them). */
  push(version: 4 | 6, w0: number, w1: number, w2: number, w3: number, length: number, name: string): void {
    const i = this.#count;
    if (i === this.#versions.length) this.#grow();
    this.#versions[i] = version;
    this.#lengths[i] = length;
    this.#words[i * 4] = w0;
    this.#words[i * 4 + 1] = w1;
    this.#words[i * 4 + 2] = w2;
    this.#words[i * 4 + 3] = w3;
    let id = this.#nameIndex.get(name);
    if (id === undefined) {
      id = this.#names.length;
      this.#names.push(ownString(name));
      this.#nameIndex.set(name, id);
    }
    this.#nameIds[i] = id;
    this.#count = i + 1;
  }

  version(i: number): 4 | 6 {
    return this.#versions[i] as 4 | 6;
  }

  length(i: number): number {
    return this.#lengths[i];
  }

  /** Word k (0..3) of prefix i. */
  word(i: number, k: number): number {
    return this.#words[i * 4 + k];
  }

  name(i: number): string {
    return this.#names[this.#nameIds[i]];
  }

  /** The columns for a postMessage; `transfer` lists the buffers to move (unused capacity included). */
  parts(): { parts: PrefixColumnParts; transfer: ArrayBuffer[] } {
    const parts: PrefixColumnParts = {
      count: this.#count, versions: this.#versions, lengths: this.#lengths, words: this.#words, nameIds: this.#nameIds, names: this.#names,
    };
    return { parts, transfer: [parts.versions.buffer, parts.lengths.buffer, parts.words.buffer, parts.nameIds.buffer] as ArrayBuffer[] };
  }

  #grow(): void {
    const cap = Math.max(64, this.#versions.length * 2);
    const grow = <T extends Uint8Array | Uint32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.#versions = grow(this.#versions, cap);
    this.#lengths = grow(this.#lengths, cap);
    this.#words = grow(this.#words, cap * 4);
    this.#nameIds = grow(this.#nameIds, cap);
  }
}

/**
 * `s` in a string of its own: V8 makes a slice of 13 or more characters a view into its source,
 * and a name sliced out of a 1 MiB piece of the file would keep that whole piece alive.
 */
function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
