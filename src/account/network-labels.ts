import type { PrefixTrie } from './prefix-trie.ts';

/**
 * Stable numbers for named networks, for keys that outlive a networks table. Flow keys hold
 * entry numbers of the table they were built with; a networks-file reload replaces the table, so
 * the cumulative series store keys by labels instead: `nameId << 8 | prefix length` (the length
 * only where the key shows a prefix; two entries with one name are then one series, as their
 * attributes are equal). 0 is "no named network". Names are interned on first use per table
 * entry (one Map look-up per distinct entry, then an array read) and never reused: at most one
 * per distinct name a series ever held.
 */
export class NetworkLabels {
  /** Name of name id i (index 0: none). */
  readonly names: string[] = [''];
  readonly #ids = new Map<string, number>();
  #table: PrefixTrie | undefined;
  /** Table entry → label with its length, 0 where not yet interned. */
  #cache = new Int32Array(0);

  /** The label of entry `entry` (≥ 0) of `table`, with its prefix length when `withLength`. */
  of(table: PrefixTrie, entry: number, withLength: boolean): number {
    if (table !== this.#table) {
      this.#table = table;
      this.#cache = new Int32Array(table.size);
    }
    let label = this.#cache[entry];
    if (label === 0) {
      const { name, length } = table.entry(entry);
      let id = this.#ids.get(name);
      if (id === undefined) {
        id = this.names.length;
        this.names.push(name);
        this.#ids.set(name, id);
      }
      label = (id << 8) | length;
      this.#cache[entry] = label;
    }
    return withLength ? label : label & ~0xff;
  }

  /** The name of `label` (0: none). */
  name(label: number): string {
    return this.names[label >>> 8];
  }
}
