import { AddressSums, addService, addressWords, NO_SERVICE, OTHER_SERVICE, sameAddress, type AddressSum, type Address, type ServiceBytes } from './address-sums.ts';
import type { HostFilter } from './host-filter.ts';
import type { EntrySink } from './live-view.ts';
import { serviceLabel } from './service-names.ts';
import type { ServiceRate, Slot } from './slot-types.ts';

export type { DirectionSplit, HostRate, PairRate, RemoteRate, ScopeTotals, ServiceRate, Slot } from './slot-types.ts';

interface PairSum { a: string; b: string; ab: number; ba: number; wa: Address; wb: Address; services: ServiceBytes | undefined }

/** How many services a host or pair row lists. */
const ROW_SERVICES = 3;

/**
 * Per-host, per-pair, per-remote and per-service byte sums of the interval being accumulated.
 * Holds at most `maxTracked` hosts, as many pairs and as many remote talkers (services: at most
 * 65536 × protocols, in practice tens); bytes of any more go to the `other` sums.
 */
export class SlotAccumulator implements EntrySink {
  readonly hosts: AddressSums;
  readonly remotes: AddressSums;
  readonly pairs = new Map<string, PairSum>();
  readonly services = new Map<number, number>();
  /** Bytes by Direction code (0 unused). */
  readonly directions = new Float64Array(5);
  untrackedPairs = 0;
  readonly #max: number;
  readonly #pairById = new Map<number, PairSum>();
  readonly #networkName: (remote: AddressSum) => string | undefined;

  /** `networkName` names a remote talker's network (networks file); called for listed remotes only. */
  constructor(maxTracked: number, networkName: (remote: AddressSum) => string | undefined = () => undefined) {
    this.#max = maxTracked;
    this.hosts = new AddressSums(maxTracked);
    this.remotes = new AddressSums(maxTracked);
    this.#networkName = networkName;
  }

  known(id: number, keys: Uint32Array, at: number, v6: boolean, inBytes: number, outBytes: number, service: number): boolean {
    return this.hosts.known(id, keys, at, v6, 0, inBytes, outBytes, service);
  }

  host(host: string, inBytes: number, outBytes: number, id: number, keys: Uint32Array, at: number, v6: boolean, service: number): void {
    this.hosts.add(host, inBytes, outBytes, id, keys, at, v6, 0, service);
  }

  knownRemote(id: number, keys: Uint32Array, at: number, v6: boolean, len: number, inBytes: number, outBytes: number): boolean {
    return this.remotes.known(id, keys, at, v6, len, inBytes, outBytes, NO_SERVICE);
  }

  remote(text: string, inBytes: number, outBytes: number, id: number, keys: Uint32Array, at: number, v6: boolean, len: number, net: number): void {
    this.remotes.add(text, inBytes, outBytes, id, keys, at, v6, len, NO_SERVICE, net);
  }

  knownPair(id: number, keys: Uint32Array, fromAt: number, toAt: number, v6: boolean, bytes: number, service: number): boolean {
    const p = this.#pairById.get(id);
    if (p !== undefined) {
      if (sameAddress(p.wa, keys, fromAt, v6) && sameAddress(p.wb, keys, toAt, v6)) p.ab += bytes;
      else if (sameAddress(p.wb, keys, fromAt, v6) && sameAddress(p.wa, keys, toAt, v6)) p.ba += bytes;
      else return false;
      p.services = addService(p.services, service, bytes);
      return true;
    }
    if (this.pairs.size < this.#max) return false;
    this.untrackedPairs += bytes;
    return true;
  }

  pair(a: string, b: string, ab: number, ba: number, id: number, keys: Uint32Array, aAt: number, bAt: number, v6: boolean, service: number): void {
    const key = `${a} ${b}`;
    let p = this.pairs.get(key);
    if (p === undefined) {
      if (this.pairs.size >= this.#max) {
        this.untrackedPairs += ab + ba;
        return;
      }
      p = { a, b, ab: 0, ba: 0, wa: addressWords(keys, aAt, v6), wb: addressWords(keys, bAt, v6), services: undefined };
      this.pairs.set(key, p);
      if (!this.#pairById.has(id)) this.#pairById.set(id, p);
    }
    p.ab += ab;
    p.ba += ba;
    p.services = addService(p.services, service, ab + ba);
  }

  service(code: number, bytes: number): void {
    this.services.set(code, (this.services.get(code) ?? 0) + bytes);
  }

  direction(code: number, bytes: number): void {
    this.directions[code] += bytes;
  }

  clear(): void {
    this.hosts.clear();
    this.remotes.clear();
    this.pairs.clear();
    this.#pairById.clear();
    this.services.clear();
    this.directions.fill(0);
    this.untrackedPairs = 0;
  }

  /** The top `n` hosts, pairs, remote talkers and services matching `filter`, as rates over `seconds`. */
  select(filter: HostFilter, n: number, seconds: number, withServices: boolean): Omit<Slot, 'end' | 'seconds' | 'bytes' | 'packets' | 'bps' | 'pps' | 'directions' | 'health' | 'names'> {
    const rate = (bytes: number) => Math.round((bytes * 8) / seconds);
    const allHosts = [...this.hosts.byText.values()];
    const hosts = filter.all ? allHosts : allHosts.filter((h) => filter.matches(h.text));
    const kept = new Set([...topBy(hosts, n, (h) => h.in), ...topBy(hosts, n, (h) => h.out), ...topBy(hosts, n, (h) => h.in + h.out)]);
    let otherIn = this.hosts.untrackedIn;
    let otherOut = this.hosts.untrackedOut;
    for (const h of allHosts) {
      if (!kept.has(h)) { otherIn += h.in; otherOut += h.out; }
    }
    const pairs = filter.all ? [...this.pairs.values()] : [...this.pairs.values()].filter((p) => filter.matches(p.a) || filter.matches(p.b));
    const topPairs = topBy(pairs, n, (p) => p.ab + p.ba);
    let otherPairs = this.untrackedPairs;
    for (const p of this.pairs.values()) otherPairs += p.ab + p.ba;
    for (const p of topPairs) otherPairs -= p.ab + p.ba;

    const remotes = this.#remotesOf(filter, hosts);
    const topRemotes = topBy(remotes, n, (r) => r.in + r.out);
    const remoteSum = { in: this.remotes.untrackedIn, out: this.remotes.untrackedOut };
    if (!filter.all) remoteSum.in = remoteSum.out = 0;
    for (const r of remotes) { remoteSum.in += r.in; remoteSum.out += r.out; }
    for (const r of topRemotes) { remoteSum.in -= r.in; remoteSum.out -= r.out; }

    let scope: Slot['scope'] = null;
    if (!filter.all) {
      let inB = 0;
      let outB = 0;
      for (const h of hosts) { inB += h.in; outB += h.out; }
      for (const r of this.remotes.byText.values()) if (filter.matches(r.text)) { inB += r.in; outB += r.out; }
      scope = { inBytes: inB, outBytes: outB, inBps: rate(inB), outBps: rate(outB) };
    }
    const services = withServices ? this.#servicesOf(filter, hosts, pairs) : undefined;
    const topServices = services ? topBy(services.entries(), n, ([, b]) => b) : [];
    let otherServices = 0;
    if (services) for (const b of services.values()) otherServices += b;
    for (const [, b] of topServices) otherServices -= b;
    return {
      scope,
      hosts: [...kept].sort((x, y) => y.in + y.out - (x.in + x.out) || (x.text < y.text ? -1 : 1))
        .map((h) => ({ host: h.text, inBytes: h.in, outBytes: h.out, inBps: rate(h.in), outBps: rate(h.out), ...rowServices(h.services) })),
      otherHosts: { inBytes: otherIn, outBytes: otherOut },
      pairs: topPairs.map((p) => ({ a: p.a, b: p.b, abBytes: p.ab, baBytes: p.ba, abBps: rate(p.ab), baBps: rate(p.ba), ...rowServices(p.services) })),
      otherPairs,
      remotes: topRemotes.map((r) => {
        const network = this.#networkName(r);
        return { remote: r.text, ...(network !== undefined ? { network } : {}), inBytes: r.in, outBytes: r.out, inBps: rate(r.in), outBps: rate(r.out) };
      }),
      otherRemotes: { inBytes: remoteSum.in, outBytes: remoteSum.out },
      services: services ? topServices.map(([code, b]) => ({ ...serviceOf(code), bytes: b, bps: rate(b) })) : null,
      otherServices,
    };
  }

  /**
   * Remote talkers for `filter`: all of them, or those matching it plus the remote sides of the
   * pairs of matching local hosts (a host clicked shows whom it talks to).
   */
  #remotesOf(filter: HostFilter, hosts: AddressSum[]): AddressSum[] {
    const all = [...this.remotes.byText.values()];
    if (filter.all) return all;
    const out = new Map<string, AddressSum>();
    for (const r of all) if (filter.matches(r.text)) out.set(r.text, r);
    if (hosts.length === 0) return [...out.values()];
    const local = new Set(hosts.map((h) => h.text));
    for (const p of this.pairs.values()) {
      if (!local.has(p.a) || local.has(p.b) || this.hosts.byText.has(p.b) || out.has(p.b)) continue;
      // A peer of a matching host, by address (even where the page-wide list rolls remotes up).
      out.set(p.b, { text: p.b, in: p.ba, out: p.ab, w: p.wb, net: -1, services: undefined });
    }
    return [...out.values()];
  }

  /** Bytes by service for `filter`: all, else those of the matching hosts (or pairs) when they keep services. */
  #servicesOf(filter: HostFilter, hosts: AddressSum[], pairs: PairSum[]): Map<number, number> {
    if (filter.all) return this.services;
    const sum = new Map<number, number>();
    const from = hosts.some((h) => h.services) ? hosts : pairs.some((p) => p.services) ? pairs : undefined;
    if (from === undefined) return this.services;
    for (const x of from) for (const [code, b] of x.services ?? []) sum.set(code, (sum.get(code) ?? 0) + b);
    return sum;
  }
}

/** The service fields of a code (OTHER_SERVICE: `other`). */
function serviceOf(code: number): Pick<ServiceRate, 'service' | 'transport' | 'port'> {
  if (code === OTHER_SERVICE) return { service: 'other', transport: '', port: 0 };
  const l = serviceLabel(code);
  return { service: l.name, transport: l.transport, port: l.port };
}

/** `{ services }` of a row: its top ROW_SERVICES service names, or nothing when none are known. */
function rowServices(m: ServiceBytes | undefined): { services?: string[] } {
  if (m === undefined) return {};
  return { services: topBy(m.entries(), ROW_SERVICES, ([, b]) => b).map(([code]) => serviceOf(code).service) };
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
