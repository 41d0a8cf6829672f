import { BlockList, isIP } from 'node:net';
import { canonicalPrefix } from '../config/ip-address.ts';

/**
 * Maps flow exporters (the source address of their datagrams) to small integers, so that
 * decoders and flow keys carry a number, not a string. Looked up once per datagram, never per
 * record. Index 0 is the first exporter seen.
 */
export class ExporterRegistry {
  readonly #names: string[] = [];
  readonly #byAddress = new Map<string, number>();
  readonly #max: number;
  readonly #allowed: BlockList | undefined;

  /**
   * At most `max` exporters (65536 at most: keys carry 16 bits); past it, -1. With `allowed`
   * (CIDR prefixes, flow.allowedExporters; checked by the configuration), only sources in them
   * get an id: others are -1 too, and nothing is kept for them.
   */
  constructor(max = 65536, allowed: readonly string[] = []) {
    this.#max = Math.min(max, 65536);
    if (allowed.length > 0) {
      const list = new BlockList();
      for (const text of allowed) {
        // An IPv4-mapped prefix becomes the IPv4 prefix it covers: sources are matched as IPv4.
        const p = canonicalPrefix(text);
        if (p === undefined) throw new Error(`flow.allowedExporters: ${JSON.stringify(text)} is not a CIDR prefix`);
        list.addSubnet(p.address, p.length, p.family === 6 ? 'ipv6' : 'ipv4');
      }
      this.#allowed = list;
    }
  }

  /**
   * Index of the exporter at `address` (as node's dgram reports it, IPv4 without `::ffff:`),
   * registering it; -1 when full or not allowed (a source not allowed is checked again at each
   * of its datagrams: nothing is kept for it).
   */
  id(address: string): number {
    const known = this.#byAddress.get(address);
    if (known !== undefined) return known;
    if (this.#names.length >= this.#max || !this.#isAllowed(address)) return -1;
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

  #isAllowed(address: string): boolean {
    const allowed = this.#allowed;
    if (allowed === undefined) return true;
    const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    const family = isIP(a);
    return family !== 0 && allowed.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }
}
