import { canonicalAddress } from '../config/ip-address.ts';
import { quote } from '../config/quote.ts';
import { readLimited, sizeText } from '../config/read-limited.ts';

/** Largest interface names file read: 64 MiB. */
export const MAX_INTERFACE_NAMES_BYTES = 64 << 20;

/**
 * Longest interface name, in UTF-8 bytes: 255, the size limit of SNMP's ifName / ifDescr
 * (DisplayString, RFC 2863), where the names come from. Names become attribute values of every
 * series of the interface: a longer one is a mistake in the file.
 */
export const MAX_INTERFACE_NAME_BYTES = 255;

/** Bit marking an interface-name key word as a name id (else it holds the ifIndex). */
export const NAME_BIT = 0x80000000;

/** A names file that cannot be used: one line naming the file, the line and the problem. */
export class InterfaceNamesError extends Error {
  override name = 'InterfaceNamesError';
}

/**
 * Interface names by id, shared by every names file loaded (SIGHUP reloads): append-only, so a
 * series keyed by a name id keeps its name after the file changes. Bounded by the distinct names
 * ever loaded.
 */
export class InterfaceNameTable {
  readonly #names: string[] = [];
  readonly #ids = new Map<string, number>();

  id(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#names.length;
      this.#names.push(name);
      this.#ids.set(name, id);
    }
    return id;
  }

  name(id: number): string {
    return this.#names[id] ?? '';
  }
}

/** The text of an interface-name key word (flow-key.ts): the mapped name, else the ifIndex. */
export function interfaceNameText(table: InterfaceNameTable, word: number): string {
  return (word & NAME_BIT) !== 0 ? table.name(word & 0x7fffffff) : String(word);
}

/**
 * One loaded names file: (exporter address, ifIndex) → name, as pmacct users keep them for
 * nfacctd/sfacctd. Lines (`#` starts a comment):
 *
 *     192.0.2.1    514   xe-0/0/1          exporter, ifIndex, name (the rest of the line)
 *     *            1     uplink            any exporter without an entry of its own
 *     ip=192.0.2.1 ifindex=515 name=xe-0/0/2   the same as key=value (pmacct map style;
 *                                              in=/out= and set_label= are accepted too)
 *
 * Looked up per flow record (`word`): exporters are numbered at run time (ExporterRegistry), so
 * entries are resolved into a typed hash the first time an exporter id is seen; after that a
 * lookup allocates nothing.
 */
export class InterfaceNames {
  /** Entries: exporter address ('*' for any) → ifIndex → name id. */
  readonly #byExporter: Map<string, Map<number, number>>;
  readonly #addressOf: (exporter: number) => string;
  /** Open addressing: key (exporter + 1, 0 for '*') and ifIndex → name id + 1. */
  #kExp = new Uint32Array(64);
  #kIf = new Uint32Array(64);
  #val = new Int32Array(64);
  #used = 0;
  #resolved = 0;
  readonly size: number;

  constructor(byExporter: Map<string, Map<number, number>>, addressOf: (exporter: number) => string) {
    this.#byExporter = byExporter;
    this.#addressOf = addressOf;
    let n = 0;
    for (const m of byExporter.values()) n += m.size;
    this.size = n;
    const any = byExporter.get('*');
    if (any) for (const [ifIndex, id] of any) this.#insert(0, ifIndex, id);
  }

  /**
   * Writes the key word for `ifIndex` of `exporter` into `out[at]`: NAME_BIT | name id if mapped,
   * else the ifIndex (31 bits). Written, not returned: a word above 2^30 returned from a call
   * would be boxed in a heap number, once per record.
   */
  write(exporter: number, ifIndex: number, out: Uint32Array, at: number): void {
    if (exporter >= this.#resolved) this.#resolve(exporter);
    let v = this.#find(exporter + 1, ifIndex);
    if (v < 0) v = this.#find(0, ifIndex);
    out[at] = v >= 0 ? NAME_BIT | v : ifIndex & 0x7fffffff;
  }

  #find(exp: number, ifIndex: number): number {
    const mask = this.#kExp.length - 1;
    let slot = hash(exp, ifIndex) & mask;
    for (;;) {
      const v = this.#val[slot];
      if (v === 0) return -1;
      if (this.#kExp[slot] === exp && this.#kIf[slot] === ifIndex) return v - 1;
      slot = (slot + 1) & mask;
    }
  }

  /** Resolves every exporter id up to `exporter` (once per new exporter). */
  #resolve(exporter: number): void {
    for (let e = this.#resolved; e <= exporter; e++) {
      const entries = this.#byExporter.get(canonicalAddress(this.#addressOf(e)) ?? '');
      if (entries) for (const [ifIndex, id] of entries) this.#insert(e + 1, ifIndex, id);
    }
    this.#resolved = exporter + 1;
  }

  #insert(exp: number, ifIndex: number, id: number): void {
    if ((this.#used + 1) * 2 > this.#kExp.length) this.#grow();
    const mask = this.#kExp.length - 1;
    let slot = hash(exp, ifIndex) & mask;
    while (this.#val[slot] !== 0) {
      if (this.#kExp[slot] === exp && this.#kIf[slot] === ifIndex) break;
      slot = (slot + 1) & mask;
    }
    if (this.#val[slot] === 0) this.#used++;
    this.#kExp[slot] = exp;
    this.#kIf[slot] = ifIndex;
    this.#val[slot] = id + 1;
  }

  #grow(): void {
    const [e, f, v] = [this.#kExp, this.#kIf, this.#val];
    this.#kExp = new Uint32Array(e.length * 2);
    this.#kIf = new Uint32Array(e.length * 2);
    this.#val = new Int32Array(e.length * 2);
    this.#used = 0;
    for (let i = 0; i < e.length; i++) if (v[i] !== 0) this.#insert(e[i], f[i], v[i] - 1);
  }
}

function hash(exp: number, ifIndex: number): number {
  let h = Math.imul(exp ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ ifIndex ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Parses a names file's text. Throws InterfaceNamesError naming `file`, the line and the problem.
 */
export function parseInterfaceNames(text: string, file: string, table: InterfaceNameTable): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  // A NUL byte: a binary file (an image, a capture) given by mistake; say so rather than quote it.
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new InterfaceNamesError(`${file}: line ${text.slice(0, nul).split('\n').length}: a NUL byte: not a text file`);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*/, '').trim();
    if (line === '') continue;
    const where = `${file}: line ${i + 1}`;
    let exporter: string; let ifText: string; let name: string;
    if (line.includes('=')) {
      const kv = new Map<string, string>();
      for (const part of line.split(/\s+/)) {
        const eq = part.indexOf('=');
        if (eq <= 0) throw new InterfaceNamesError(`${where}: ${quote(part)} is not key=value (keys: ip, ifindex, in, out, name, set_label)`);
        kv.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
      }
      exporter = kv.get('ip') ?? '*';
      ifText = kv.get('ifindex') ?? kv.get('in') ?? kv.get('out') ?? '';
      name = kv.get('name') ?? kv.get('set_label') ?? '';
      if (ifText === '' || name === '') throw new InterfaceNamesError(`${where}: needs ifindex= (or in=/out=) and name= (or set_label=)`);
    } else {
      const m = /^(\S+)\s+(\S+)\s+(.+)$/.exec(line);
      if (!m) throw new InterfaceNamesError(`${where}: expected "EXPORTER IFINDEX NAME" (EXPORTER an IP address or *), got ${quote(line)}`);
      [, exporter, ifText, name] = m;
    }
    const address = exporter === '*' ? '*' : canonicalAddress(exporter.replace(/\/(32|128)$/, ''));
    if (address === undefined) throw new InterfaceNamesError(`${where}: exporter ${quote(exporter)} is not an IP address or *`);
    if (!/^\d{1,10}$/.test(ifText) || Number(ifText) > 0x7fffffff) throw new InterfaceNamesError(`${where}: ifIndex ${quote(ifText)} is not an integer from 0 to 2147483647`);
    const trimmed = name.trim();
    // C0 and C1 control characters (tab, escape, ...): a name is printable text.
    if (/[\u0000-\u001f\u007f-\u009f]/.test(trimmed)) {
      throw new InterfaceNamesError(`${where}: name ${quote(trimmed)} has a control character`);
    }
    const bytes = Buffer.byteLength(trimmed, 'utf8');
    if (bytes > MAX_INTERFACE_NAME_BYTES) {
      throw new InterfaceNamesError(`${where}: name ${quote(trimmed)} is ${bytes} bytes long (at most ${MAX_INTERFACE_NAME_BYTES}, SNMP ifName's limit)`);
    }
    let entries = out.get(address);
    if (!entries) out.set(address, (entries = new Map()));
    entries.set(Number(ifText), table.id(trimmed));
  }
  return out;
}

/** Reads and parses a names file (InterfaceNamesError on any problem, one line). */
export function loadInterfaceNames(file: string, table: InterfaceNameTable, addressOf: (exporter: number) => string): InterfaceNames {
  let text: string;
  try {
    text = readLimited(file, MAX_INTERFACE_NAMES_BYTES).toString('utf8');
  } catch (err) {
    const msg = (err as Error).message;
    throw new InterfaceNamesError(`flow.interfaceNamesFile ${file}: ${msg.startsWith('larger') ? `larger than ${sizeText(MAX_INTERFACE_NAMES_BYTES)}` : msg}`, { cause: err });
  }
  return new InterfaceNames(parseInterfaceNames(text, `flow.interfaceNamesFile ${file}`, table), addressOf);
}
