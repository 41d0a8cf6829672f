/**
 * The networks file: the file pmacct's `networks_file` reads, plus an otelacct form that names
 * each network. One entry per line:
 *
 *   192.168.95.0/24                      pmacct  <net>/<len>                    name "192.168.95.0/24"
 *   65500,192.168.1.0/24                 pmacct  <origin AS>,<net>              name "AS65500"
 *   64512_65500,192.168.1.0/24           pmacct  <peer AS>_<origin AS>,<net>    name "AS65500"
 *   10.0.0.1,65500,192.168.1.0/24        pmacct  <next-hop>,<[peer_]origin>,<net>  name "AS65500"
 *   CustID#1,,,192.168.1.0/24            pmacct  <label>,[<next-hop>],[<[peer_]origin>],<net>  name "CustID#1"
 *   10.20.0.0/16  customer-a  # note     otelacct <net>/<len> <name>           name "customer-a"
 *
 * Lines starting with `!` (pmacct) or `#` and blank lines are ignored; a `#` after whitespace
 * starts a trailing comment (a `#` inside a word is text: pmacct labels may contain it). What
 * remains is a pmacct line if it contains a comma, else an otelacct line. A byte order mark at the
 * start and CRLF line ends are accepted. A network without a name or AS is named by its canonical
 * text (`2001:db8::/32`). Next-hops and peer ASes are checked, then dropped.
 */
import { readLimited } from '../config/read-limited.ts';
import { formatAddressWords, networkWords, parseAddressWords } from './ip-text.ts';
import { fastLine, MAX_AS, MAX_NETWORK_NAME_LENGTH, NAME, type Sink } from './networks-fast-line.ts';
import { PrefixColumns } from './prefix-columns.ts';
import { type PrefixEntry, PrefixTrie } from './prefix-trie.ts';

export { MAX_NETWORK_NAME_LENGTH };

/** Largest networks file read: 256 MiB (5 million lines of 50 characters; /dev/zero is refused). */
export const MAX_NETWORKS_FILE_BYTES = 256 << 20;

/** Most lines a networks file may have (comments and blank lines included). */
export const MAX_NETWORKS_FILE_LINES = 5_000_000;
const LABEL = /^[!-+\--~]+$/; // printable ASCII except space and comma
const AS_FIELD = /^(?:(\d{1,10})_)?(\d{1,10})$/;

/**
 * A networks file could not be read or has a bad line. The message is one line:
 * `<path>:<line>: "<offending text>": <problem>` for a bad line, `<path>: cannot read (<code>)`
 * (with the fs error as cause) when the file cannot be read. Constructed like Error.
 */
export class NetworksFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NetworksFileError';
  }
}

/** Longest offending text quoted in a message. */
const MAX_QUOTED = 160;

/** A problem on the current line (`"<text>": <problem>`); parseNetworks adds path and line. */
class LineProblem extends Error {
  constructor(text: string, problem: string) {
    const quoted = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}...` : text;
    super(`${JSON.stringify(quoted)}: ${problem}`);
  }
}

function parsePrefix(text: string): { version: 4 | 6; words: number[]; length: number } {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddressWords(addrText);
  if (addr === undefined) {
    const zone = addrText.indexOf('%');
    if (zone >= 0 && parseAddressWords(addrText.slice(0, zone)) !== undefined) {
      throw new LineProblem(text, `zone index ${addrText.slice(zone)} is not allowed in a network`);
    }
    throw new LineProblem(text, slash < 0 ? 'not an IPv4 or IPv6 network' : `${JSON.stringify(addrText)} is not an IPv4 or IPv6 address`);
  }
  const max = addr.version === 4 ? 32 : 128;
  if (slash < 0) throw new LineProblem(text, `missing /<prefix length> (${text}/${max} for a single address)`);
  const lengthText = text.slice(slash + 1);
  const length = /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : -1;
  if (length < 0 || length > max) throw new LineProblem(text, `prefix length must be 0..${max} for IPv${addr.version}`);
  // pmacct reads `/08` as 8 (atoi); a zero-padded length is more likely a typo than a style.
  if (lengthText.length > 1 && lengthText.charCodeAt(0) === 48) throw new LineProblem(text, `prefix length ${lengthText} has a leading zero (write /${length})`);
  const words = networkWords(addr.words, length);
  if (words.some((w, k) => w !== addr.words[k])) {
    const net = formatAddressWords({ version: addr.version, words });
    throw new LineProblem(text, `host bits set (did you mean ${net}/${length}?)`);
  }
  return { version: addr.version, words, length };
}

const prefixText = (p: { version: 4 | 6; words: number[]; length: number }): string => `${formatAddressWords(p)}/${p.length}`;

/** The origin AS of `<origin>` or `<peer>_<origin>`, as its name `AS<origin>`. */
function asName(text: string): string {
  const m = AS_FIELD.exec(text);
  if (m === null || (m[1] !== undefined && Number(m[1]) > MAX_AS) || Number(m[2]) > MAX_AS) {
    throw new LineProblem(text, `AS must be <origin AS> or <peer AS>_<origin AS>, decimal 0..${MAX_AS}`);
  }
  return `AS${Number(m[2])}`;
}

function checkNextHop(text: string): void {
  if (parseAddressWords(text) === undefined) throw new LineProblem(text, 'next-hop is not an IPv4 or IPv6 address');
}

function checkName(text: string, what: 'name' | 'label', pattern: RegExp, allowed: string): string {
  if (text.length > MAX_NETWORK_NAME_LENGTH) {
    throw new LineProblem(text, `${what} is longer than ${MAX_NETWORK_NAME_LENGTH} characters (${text.length})`);
  }
  if (!pattern.test(text)) throw new LineProblem(text, `${what} may only contain ${allowed}`);
  return text;
}

/** pmacct's comma-separated forms: [label,][next-hop,][[peer AS_]origin AS,]net/len. */
function parsePmacctLine(line: string): PrefixEntry {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length > 4) {
    throw new LineProblem(line, `too many comma-separated fields (${fields.length}; at most 4: label,next-hop,[peer AS_]origin AS,network)`);
  }
  const [first, second, third] = fields;
  let name: string;
  if (fields.length === 4) {
    name = checkName(first, 'label', LABEL, 'printable ASCII characters other than space and comma');
    if (second !== '') checkNextHop(second);
    if (third !== '') asName(third);
  } else {
    if (fields.length === 3) checkNextHop(first);
    name = asName(fields.length === 3 ? second : first);
  }
  const net = fields[fields.length - 1];
  if (/\s/.test(net)) throw new LineProblem(net, 'unexpected text after the network');
  return { ...parsePrefix(net), name };
}

/** otelacct's form: net/len, optionally a name (comment already removed). */
function parseOtelacctLine(body: string): PrefixEntry {
  const space = body.search(/\s/);
  const prefix = parsePrefix(space < 0 ? body : body.slice(0, space));
  const nameText = space < 0 ? '' : body.slice(space).trim();
  const name = nameText === '' ? prefixText(prefix) : checkName(nameText, 'name', NAME, 'A-Z a-z 0-9 . _ : / - (one word)');
  return { ...prefix, name };
}

/**
 * Parses the text of a networks file (see the module comment) into entries in file order, ready
 * for PrefixTrie.build (where a repeated network's last line wins). `path` is used in messages
 * only. Throws NetworksFileError for the first bad line, or at line 5,000,001 of a longer file.
 */
export function parseNetworks(text: string, path: string): PrefixEntry[] {
  const entries: PrefixEntry[] = [];
  parseLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, path, 0, {
    entry: (e) => entries.push(e),
    v4: (word, length, name, as) => entries.push({ version: 4, words: [word], length, name: as >= 0 ? `AS${as}` : name }),
  });
  return entries;
}

/** A sink appending to `cols`. */
function columnSink(cols: PrefixColumns): Sink {
  // One `AS<n>` string per AS (a BGP table names a million prefixes after ~80,000 ASes): interning
  // it in the columns then hashes a string already hashed.
  const asNames = new Map<number, string>();
  return {
    entry: (e) => cols.push(e.version, e.words[0], e.words[1] ?? 0, e.words[2] ?? 0, e.words[3] ?? 0, e.length, e.name),
    v4: (word, length, name, as) => {
      let n = name;
      if (as >= 0) {
        const known = asNames.get(as);
        if (known === undefined) asNames.set(as, (n = `AS${as}`));
        else n = known;
      }
      cols.push(4, word, 0, 0, 0, length, n);
    },
  };
}

/**
 * Parses the lines of `text` (without a byte order mark), the first being line `lineNumber` + 1,
 * passing each entry to `add`; returns the number of the last line.
 */
function parseLines(text: string, path: string, lineNumber: number, sink: Sink): number {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber++;
    if (lineNumber > MAX_NETWORKS_FILE_LINES) {
      throw new NetworksFileError(`${path}:${lineNumber}: too many lines (at most ${MAX_NETWORKS_FILE_LINES})`);
    }
    const line = text.slice(start, end).trim(); // trim drops the \r of CRLF
    start = end + 1;
    if (line === '' || line.startsWith('!') || line.startsWith('#') || fastLine(line, sink)) continue;
    try {
      const comment = line.search(/\s#/);
      const body = comment < 0 ? line : line.slice(0, comment);
      sink.entry(body.includes(',') ? parsePmacctLine(body) : parseOtelacctLine(body));
    } catch (err) {
      if (err instanceof LineProblem) throw new NetworksFileError(`${path}:${lineNumber}: ${err.message}`);
      throw err;
    }
  }
  return lineNumber;
}

/** Longest line of a networks file, in bytes. */
export const MAX_NETWORKS_FILE_LINE = 1 << 16;
/** Bytes decoded and parsed at a time. */
const CHUNK = 1 << 20;

/**
 * Reads, parses and builds the networks file at `path`. Throws NetworksFileError: for a bad line
 * (see parseNetworks) or `<path>: cannot read (<code>)` with the fs error as cause.
 */
export function loadNetworksFile(path: string): PrefixTrie {
  return PrefixTrie.fromColumns(readColumns(path)); // the file's bytes can go before the build
}

/** The entries of the networks file at `path`, in columns (loadNetworksFile). */
function readColumns(path: string): PrefixColumns {
  let data: Buffer;
  try {
    data = readLimited(path, MAX_NETWORKS_FILE_BYTES);
  } catch (err) {
    throw new NetworksFileError(`${path}: ${(err as Error).message}`, { cause: (err as Error).cause ?? err });
  }
  // Decoded and parsed 1 MiB at a time: a full BGP table is never held as one string.
  const cols = new PrefixColumns(Math.min(MAX_NETWORKS_FILE_LINES, Math.ceil(data.length / 20) + 64)); // lines have ~20 bytes or more
  const sink = columnSink(cols);
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let line = 0;
  for (let at = 0; ; at += CHUNK) {
    const last = at + CHUNK >= data.length;
    let text = rest + decoder.decode(data.subarray(at, Math.min(at + CHUNK, data.length)), { stream: !last });
    if (at === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const cut = last ? text.length : text.lastIndexOf('\n') + 1;
    rest = text.slice(cut);
    line = parseLines(cut === text.length ? text : text.slice(0, cut), path, line, sink);
    if (rest.length > MAX_NETWORKS_FILE_LINE) {
      throw new NetworksFileError(`${path}:${line + 1}: line longer than ${MAX_NETWORKS_FILE_LINE} characters`);
    }
    if (last) break;
  }
  return cols;
}
