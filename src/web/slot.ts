import { AddressSums, NO_SERVICE, OTHER_SERVICE, type Address } from './address-sums.ts';
import type { HostFilter } from './host-filter.ts';
import type { EntrySink } from './live-view.ts';
import { PairSums } from './pair-sums.ts';
import { serviceLabel } from './service-names.ts';
import type { ServiceRate, Slot } from './slot-types.ts';

export type { DirectionSplit, HostRate, PairRate, RemoteRate, ScopeTotals, ServiceRate, Slot } from './slot-types.ts';

/** How many services a host or pair row lists. */
const ROW_SERVICES = 3;

/** A host or remote talker row being listed (built at the close, for the rows considered only). */
interface Listed { row: number; text: string; in: number; out: number }

/** A peer of a filtered host, listed among the remote talkers (see #remotesOf). */
interface Peer extends Listed { address: Address | undefined }

/**
 * Per-host, per-pair, per-remote and per-service byte sums of the interval being accumulated.
 * Holds at most `maxTracked` hosts, as many pairs and as many remote talkers (services: at most
 * 65536 × protocols, in practice tens); bytes of any more go to the `other` sums. The sums live
 * in typed arrays allocated once (AddressSums, PairSums) and reused every interval: adding a
 * drained entry allocates nothing; text and objects are made at the close for listed rows.
 */
export class SlotAccumulator implements EntrySink {
  readonly hosts: AddressSums;
  readonly remotes: AddressSums;
  readonly pairs: PairSums;
  /** Bytes by service code: `#serviceBytes[i]` for code `#serviceCodes[i]`, in first-seen order. */
  readonly #serviceIndex = new Map<number, number>();
  readonly #serviceCodes: number[] = [];
  #serviceBytes = new Float64Array(64);
  /** Bytes by Direction code (0 unused). */
  readonly directions = new Float64Array(5);
  readonly #networkName: (remote: Address, net: number) => string | undefined;

  /** `networkName` names a remote talker's network (networks file); called for listed remotes only. */
  constructor(maxTracked: number, networkName: (remote: Address, net: number) => string | undefined = () => undefined) {
    this.hosts = new AddressSums(maxTracked);
    this.remotes = new AddressSums(maxTracked, false);
    this.pairs = new PairSums(maxTracked);
    this.#networkName = networkName;
  }

  host(id: number, keys: Uint32Array, at: number, v6: boolean, inBytes: number, outBytes: number, service: number): void {
    this.hosts.add(id, keys, at, v6, 0, inBytes, outBytes, service);
  }

  remote(id: number, keys: Uint32Array, at: number, v6: boolean, len: number, inBytes: number, outBytes: number, net: number): void {
    this.remotes.add(id, keys, at, v6, len, inBytes, outBytes, NO_SERVICE, net);
  }

  pair(id: number, keys: Uint32Array, fromAt: number, toAt: number, v6: boolean, bytes: number, fromLocal: boolean, toLocal: boolean, service: number): void {
    this.pairs.add(id, keys, fromAt, toAt, v6, bytes, fromLocal, toLocal, service);
  }

  service(code: number, bytes: number): void {
    let i = this.#serviceIndex.get(code);
    if (i === undefined) {
      i = this.#serviceCodes.length;
      this.#serviceIndex.set(code, i);
      this.#serviceCodes.push(code);
      if (i === this.#serviceBytes.length) {
        const grown = new Float64Array(2 * i);
        grown.set(this.#serviceBytes);
        this.#serviceBytes = grown;
      }
      this.#serviceBytes[i] = 0;
    }
    this.#serviceBytes[i] += bytes;
  }

  direction(code: number, bytes: number): void {
    this.directions[code] += bytes;
  }

  clear(): void {
    this.hosts.clear();
    this.remotes.clear();
    this.pairs.clear();
    this.#serviceIndex.clear();
    this.#serviceCodes.length = 0;
    this.directions.fill(0);
  }

  /** The top `n` hosts, pairs, remote talkers and services matching `filter`, as rates over `seconds` (call at the close). */
  select(filter: HostFilter, n: number, seconds: number, withServices: boolean): Omit<Slot, 'end' | 'seconds' | 'bytes' | 'packets' | 'bps' | 'pps' | 'directions' | 'health' | 'names'> {
    const rate = (bytes: number) => Math.round((bytes * 8) / seconds);
    const H = this.hosts;
    const P = this.pairs;
    const hostRows = rows(H.size, filter.all ? undefined : (r) => filter.matches(H.text(r)));
    const hostIn = (r: number) => H.in[r];
    const hostOut = (r: number) => H.out[r];
    const kept = new Set([...topBy(hostRows, n, hostIn), ...topBy(hostRows, n, hostOut), ...topBy(hostRows, n, (r) => H.in[r] + H.out[r])]);
    let otherIn = H.untrackedIn;
    let otherOut = H.untrackedOut;
    for (let r = 0; r < H.size; r++) {
      if (!kept.has(r)) { otherIn += H.in[r]; otherOut += H.out[r]; }
    }
    const pairRows = rows(P.size, filter.all ? undefined : (r) => filter.matches(P.oriented(r).a) || filter.matches(P.oriented(r).b));
    const topPairs = topBy(pairRows, n, (r) => P.xy[r] + P.yx[r]);
    let otherPairs = P.untracked;
    for (let r = 0; r < P.size; r++) otherPairs += P.xy[r] + P.yx[r];
    for (const r of topPairs) otherPairs -= P.xy[r] + P.yx[r];

    const remotes = this.#remotesOf(filter, hostRows);
    const topRemotes = topBy(remotes, n, (x) => x.in + x.out);
    const remoteSum = { in: this.remotes.untrackedIn, out: this.remotes.untrackedOut };
    if (!filter.all) remoteSum.in = remoteSum.out = 0;
    for (const x of remotes) { remoteSum.in += x.in; remoteSum.out += x.out; }
    for (const x of topRemotes) { remoteSum.in -= x.in; remoteSum.out -= x.out; }

    let scope: Slot['scope'] = null;
    if (!filter.all) {
      let inB = 0;
      let outB = 0;
      for (const r of hostRows) { inB += H.in[r]; outB += H.out[r]; }
      const R = this.remotes;
      for (let r = 0; r < R.size; r++) if (filter.matches(R.text(r))) { inB += R.in[r]; outB += R.out[r]; }
      scope = { inBytes: inB, outBytes: outB, inBps: rate(inB), outBps: rate(outB) };
    }
    const services = withServices ? this.#servicesOf(filter, hostRows, pairRows) : undefined;
    const topServices = services ? topBy(services, n, ([, b]) => b) : [];
    let otherServices = 0;
    if (services) for (const [, b] of services) otherServices += b;
    for (const [, b] of topServices) otherServices -= b;
    return {
      scope,
      hosts: [...kept].sort((x, y) => H.in[y] + H.out[y] - (H.in[x] + H.out[x]) || (H.text(x) < H.text(y) ? -1 : 1))
        .map((r) => ({ host: H.text(r), inBytes: H.in[r], outBytes: H.out[r], inBps: rate(H.in[r]), outBps: rate(H.out[r]), ...rowServices(H.services?.has(r) ? H.services.entries(r) : undefined) })),
      otherHosts: { inBytes: otherIn, outBytes: otherOut },
      pairs: topPairs.map((r) => {
        const p = P.oriented(r);
        return { a: p.a, b: p.b, abBytes: p.ab, baBytes: p.ba, abBps: rate(p.ab), baBps: rate(p.ba), ...rowServices(P.services?.has(r) ? P.services.entries(r) : undefined) };
      }),
      otherPairs,
      remotes: topRemotes.map((x) => {
        const network = this.#networkOf(x);
        return { remote: x.text, ...(network !== undefined ? { network } : {}), inBytes: x.in, outBytes: x.out, inBps: rate(x.in), outBps: rate(x.out) };
      }),
      otherRemotes: { inBytes: remoteSum.in, outBytes: remoteSum.out },
      services: services ? topServices.map(([code, b]) => ({ ...serviceOf(code), bytes: b, bps: rate(b) })) : null,
      otherServices,
    };
  }

  #networkOf(x: Listed | Peer): string | undefined {
    if ('address' in x) return x.address && this.#networkName(x.address, -1);
    return this.#networkName(this.remotes.address(x.row), this.remotes.net[x.row]);
  }

  /**
   * Remote talkers for `filter`: all of them, or those matching it plus the remote sides of the
   * pairs of matching local hosts (a host clicked shows whom it talks to).
   */
  #remotesOf(filter: HostFilter, hostRows: number[]): Array<Listed | Peer> {
    const R = this.remotes;
    const listed = (r: number): Listed => ({ row: r, text: R.text(r), in: R.in[r], out: R.out[r] });
    if (filter.all) {
      // Only rows that can make the top are built (topBy skips non-positive scores too).
      const out: Listed[] = [];
      for (let r = 0; r < R.size; r++) if (R.in[r] + R.out[r] > 0) out.push(listed(r));
      return out;
    }
    const out = new Map<string, Listed | Peer>();
    for (let r = 0; r < R.size; r++) if (filter.matches(R.text(r))) out.set(R.text(r), listed(r));
    if (hostRows.length === 0) return [...out.values()];
    const H = this.hosts;
    const local = new Set(hostRows.map((r) => H.text(r)));
    const allHosts = new Set<string>();
    for (let r = 0; r < H.size; r++) allHosts.add(H.text(r));
    const P = this.pairs;
    for (let r = 0; r < P.size; r++) {
      const p = P.oriented(r);
      if (!local.has(p.a) || local.has(p.b) || allHosts.has(p.b) || out.has(p.b)) continue;
      // A peer of a matching host, by address (even where the page-wide list rolls remotes up).
      const words = p.aAt === 'x' ? P.y : P.x;
      const w = r * 4;
      const address: Address = { v: P.version[r], len: 0, w0: words[w], w1: words[w + 1], w2: words[w + 2], w3: words[w + 3] };
      out.set(p.b, { row: -1, text: p.b, in: p.ba, out: p.ab, address });
    }
    return [...out.values()];
  }

  /** [code, bytes] by service for `filter`: all, else those of the matching hosts (or pairs) when they keep services. */
  #servicesOf(filter: HostFilter, hostRows: number[], pairRows: number[]): Array<[number, number]> {
    const all = (): Array<[number, number]> => this.#serviceCodes.map((code, i) => [code, this.#serviceBytes[i]]);
    if (filter.all) return all();
    const H = this.hosts.services;
    const P = this.pairs.services;
    const from = H && hostRows.some((r) => H.has(r)) ? { lists: H, rows: hostRows } : P && pairRows.some((r) => P.has(r)) ? { lists: P, rows: pairRows } : undefined;
    if (from === undefined) return all();
    const sum = new Map<number, number>();
    for (const r of from.rows) for (const [code, b] of from.lists.entries(r)) sum.set(code, (sum.get(code) ?? 0) + b);
    return [...sum];
  }
}

/** Rows 0..size-1 (those passing `keep`, when given). */
function rows(size: number, keep: ((r: number) => boolean) | undefined): number[] {
  const out: number[] = [];
  for (let r = 0; r < size; r++) if (keep === undefined || keep(r)) out.push(r);
  return out;
}

/** The service fields of a code (OTHER_SERVICE: `other`). */
function serviceOf(code: number): Pick<ServiceRate, 'service' | 'transport' | 'port'> {
  if (code === OTHER_SERVICE) return { service: 'other', transport: '', port: 0 };
  const l = serviceLabel(code);
  return { service: l.name, transport: l.transport, port: l.port };
}

/** `{ services }` of a row: its top ROW_SERVICES service names, or nothing when none are known. */
function rowServices(m: Array<[number, number]> | undefined): { services?: string[] } {
  if (m === undefined) return {};
  return { services: topBy(m, ROW_SERVICES, ([, b]) => b).map(([code]) => serviceOf(code).service) };
}

/**
 * The `n` items of highest positive `score`, highest first (ties: first seen first). O(items × n)
 * at worst, O(items) when most items score below the current n-th: fine for n in the tens.
 */
export function topBy<T>(items: Iterable<T>, n: number, score: (item: T) => number): T[] {
  const top: T[] = [];
  const scores: number[] = [];
  for (const item of items) {
    const s = score(item);
    if (!(s > 0) || (top.length === n && s <= scores[n - 1])) continue;
    let i = top.length === n ? n - 1 : top.length;
    while (i > 0 && scores[i - 1] < s) {
      top[i] = top[i - 1];
      scores[i] = scores[i - 1];
      i--;
    }
    top[i] = item;
    scores[i] = s;
  }
  return top;
}
