import { isIP, SocketAddress } from 'node:net';
import { formatAddressWords, networkWords, parseAddressWords } from '../account/ip-text.ts';

/**
 * The one text of an IP address, so that every spelling of one address compares equal: IPv4 as
 * a dotted quad; IPv6 lower case and compressed (`2001:DB8:0:0::0001` → `2001:db8::1`), a zone
 * index dropped; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, `::FFFF:C000:201`) as the IPv4
 * address it is, as the flow listener reports an IPv4 source reaching a dual-stack socket.
 * Undefined for anything node:net does not take as an address (IPv4 with leading zeros, which
 * some parsers read as octal, included). Load-time only: allocates.
 */
export function canonicalAddress(text: string): string | undefined {
  const family = isIP(text);
  if (family === 0) return undefined;
  if (family === 4) return text;
  let a: string;
  try {
    a = new SocketAddress({ address: text, family: 'ipv6' }).address;
  } catch {
    return undefined;
  }
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** A CIDR prefix in its one text (canonicalPrefix). */
export interface CanonicalPrefix {
  /** canonicalAddress of the address part. */
  address: string;
  family: 4 | 6;
  length: number;
}

/**
 * `ADDRESS/LENGTH` with the address as canonicalAddress writes it; an IPv4-mapped IPv6 prefix of
 * /96 or longer (`::ffff:192.0.2.0/120`) as the IPv4 prefix it covers (`192.0.2.0/24`).
 * Undefined when the text is not an address with a decimal length (no leading zero) in range.
 */
export function canonicalPrefix(text: string): CanonicalPrefix | undefined {
  const m = /^([^/\s]+)\/(0|[1-9]\d{0,2})$/.exec(text);
  if (m === null) return undefined;
  const family = isIP(m[1]);
  let length = Number(m[2]);
  if (family === 0 || length > (family === 4 ? 32 : 128)) return undefined;
  const address = canonicalAddress(m[1]);
  if (address === undefined) return undefined;
  if (family === 6 && isIP(address) === 4) {
    // Mapped: only a /96 or longer is an IPv4 prefix; a shorter one stays IPv6 (BlockList
    // matches IPv4 sources against it through their mapped form).
    if (length < 96) return { address: `::ffff:${address}`, family: 6, length };
    length -= 96;
    return { address, family: 4, length };
  }
  return { address, family: family as 4 | 6, length };
}

/** The network address of prefix `p` (its address with every host bit cleared), as canonicalAddress writes it. */
export function networkText(p: CanonicalPrefix): string {
  const a = parseAddressWords(p.address);
  if (a === undefined) return p.address;
  const net = formatAddressWords({ version: a.version, words: networkWords(a.words, p.length) });
  return canonicalAddress(net) ?? net;
}
