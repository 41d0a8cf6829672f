import { BlockList, isIP } from 'node:net';

/** Longest filter text accepted; longer input is cut (it comes from a URL). */
export const MAX_FILTER_LENGTH = 100;

/**
 * The page's host filter, from the text an operator typed: an address (`192.0.2.7`,
 * `2001:db8::1`), a CIDR prefix (`10.20.0.0/16`, `2001:db8::/32`) matching the addresses inside
 * it, or anything else as a case-insensitive substring of the address text (`10.20.`, `:beef`).
 * The empty filter matches everything.
 */
export class HostFilter {
  /** The filter as given (trimmed, cut to MAX_FILTER_LENGTH); '' for none. */
  readonly text: string;
  /** What the filter means, for the page: "prefix 10.20.0.0/16", "text “10.20.”" or "". */
  readonly description: string;
  readonly #prefix: BlockList | undefined;
  readonly #needle: string;

  constructor(text: string) {
    this.text = text.trim().slice(0, MAX_FILTER_LENGTH);
    this.#needle = this.text.toLowerCase();
    const m = /^([0-9a-fA-F:.]+)(?:\/(\d{1,3}))?$/.exec(this.text);
    const family = m ? isIP(m[1]) : 0;
    const bits = m?.[2] === undefined ? (family === 6 ? 128 : 32) : Number(m[2]);
    if (m && family !== 0 && bits <= (family === 6 ? 128 : 32)) {
      this.#prefix = new BlockList();
      this.#prefix.addSubnet(m[1], bits, family === 6 ? 'ipv6' : 'ipv4');
      this.description = `prefix ${m[1]}/${bits}`;
    } else {
      this.description = this.text === '' ? '' : `text "${this.text}"`;
    }
  }

  /** True when the filter is empty. */
  get all(): boolean {
    return this.text === '';
  }

  /** Does address text `host` (as the page shows it) pass the filter? */
  matches(host: string): boolean {
    if (this.text === '') return true;
    if (this.#prefix) {
      const family = isIP(host);
      return family !== 0 && this.#prefix.check(host, family === 6 ? 'ipv6' : 'ipv4');
    }
    return host.toLowerCase().includes(this.#needle);
  }
}
