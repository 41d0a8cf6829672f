/**
 * Maps flow exporters (the source address of their datagrams) to small integers, so that
 * decoders and flow keys carry a number, not a string. Looked up once per datagram, never per
 * record. Index 0 is the first exporter seen.
 */
export class ExporterRegistry {
  readonly #names: string[] = [];
  readonly #byAddress = new Map<string, number>();
  readonly #max: number;

  /** At most `max` exporters (65536 at most: keys carry 16 bits); past it, -1. */
  constructor(max = 65536) {
    this.#max = Math.min(max, 65536);
  }

  /** Index of the exporter at `address` (as node's dgram reports it), registering it; -1 when full. */
  id(address: string): number {
    const known = this.#byAddress.get(address);
    if (known !== undefined) return known;
    if (this.#names.length >= this.#max) return -1;
    const index = this.#names.length;
    // IPv4-mapped IPv6 (a dual-stack socket) is shown as the IPv4 address it is.
    this.#names.push(address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);
    this.#byAddress.set(address, index);
    return index;
  }

  /** The exporter's address, or `exporter<index>` if none was registered. */
  name(index: number): string {
    return this.#names[index] ?? `exporter${index}`;
  }

  get size(): number {
    return this.#names.length;
  }
}
