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
  /** IPv4 prefixes are matched without the BlockList (it parses the text on every call). */
  readonly #net4: number | undefined;
  readonly #mask4: number = 0;
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
      if (family === 4) {
        this.#mask4 = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        this.#net4 = (ipv4Number(m[1]) & this.#mask4) >>> 0;
      }
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
    if (this.#net4 !== undefined) {
      const n = ipv4Number(host);
      return n >= 0 && ((n & this.#mask4) >>> 0) === this.#net4;
    }
    if (this.#prefix) {
      // IPv4 prefixes were matched above, so this one is IPv6: it matches IPv6 hosts only
      // (BlockList would match IPv4 hosts against it as IPv4-mapped: ::/0 matched everything).
      return isIP(host) === 6 && this.#prefix.check(host, 'ipv6');
    }
    return host.toLowerCase().includes(this.#needle);
  }
}

/** The IPv4 address in dotted-quad `text` as a number, or -1 when it is not one. */
function ipv4Number(text: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  return dots === 3 && digits > 0 ? n * 256 + part : -1;
}
