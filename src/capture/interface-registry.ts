/**
 * Maps interface names to small integer indexes so that the per-packet path carries a number,
 * not a string. Names are registered when a capture opens (live) or when a file declares an
 * interface (pcapng IDB); never per packet. Index 0 is the first registered name.
 */
export class InterfaceRegistry {
  readonly #names: string[] = [];
  readonly #byName = new Map<string, number>();

  /** Returns the index of `name`, registering it on first use. At most 65536 names. */
  register(name: string): number {
    const known = this.#byName.get(name);
    if (known !== undefined) return known;
    if (this.#names.length >= 65536) {
      throw new Error(`interface registry: more than 65536 interfaces (adding ${JSON.stringify(name)})`);
    }
    const index = this.#names.length;
    this.#names.push(name);
    this.#byName.set(name, index);
    return index;
  }

  /** Name registered at `index`, or `if<index>` if none was. */
  name(index: number): string {
    return this.#names[index] ?? `if${index}`;
  }

  /** All registered names in index order. */
  names(): readonly string[] {
    return this.#names;
  }
}
