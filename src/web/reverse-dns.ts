import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Limits of ReverseDns; the defaults are what otelacct runs with (tests shorten them). */
export interface ReverseDnsOptions {
  /** DNS servers (`192.0.2.53`, `[2001:db8::53]:5353`); empty: the system's (/etc/resolv.conf). */
  servers: readonly string[];
  /** Most lookups started per second (web.reverseDnsRate). */
  perSecond: number;
  /** Most lookups waiting for an answer at once. */
  maxInFlight?: number;
  /** Most addresses waiting to be looked up; more are dropped (asked again when next shown). */
  maxQueued?: number;
  /** Most names (and known failures) remembered; the least recently used goes first. */
  maxEntries?: number;
  /** How long a name is remembered (ms). */
  ttlMs?: number;
  /** How long "no name" (NXDOMAIN, timeout, refused) is remembered (ms). */
  negativeTtlMs?: number;
  /** Per-try timeout (ms) and tries per lookup, as node:dns Resolver takes them. */
  timeoutMs?: number;
  tries?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

interface Entry { name: string | null; expires: number }

/** Counters of the lookups, for tests and the page's note. */
export interface ReverseDnsStats {
  lookups: number;
  answered: number;
  failed: number;
  /** Addresses not queued because the queue was full. */
  dropped: number;
  cached: number;
  inFlight: number;
  queued: number;
}

/**
 * Reverse DNS names for the live page: asynchronous PTR lookups through a node:dns Resolver,
 * remembered in a bounded LRU cache with a TTL (failures too, for a shorter time), started at
 * most `perSecond` a second and `maxInFlight` at once from a bounded queue. Only the page asks,
 * for the addresses it shows, at flush time: never on the packet path. `name()` never waits: an
 * address is shown by its number until its name has arrived.
 */
export class ReverseDns {
  readonly #resolver: Resolver;
  readonly #cache = new Map<string, Entry>();
  readonly #queue = new Set<string>();
  readonly #inFlight = new Set<string>();
  readonly #now: () => number;
  readonly #o: Required<Omit<ReverseDnsOptions, 'now' | 'servers'>>;
  #tokens: number;
  #refilled: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly stats: ReverseDnsStats = { lookups: 0, answered: 0, failed: 0, dropped: 0, cached: 0, inFlight: 0, queued: 0 };

  constructor(o: ReverseDnsOptions) {
    this.#o = {
      perSecond: o.perSecond, maxInFlight: o.maxInFlight ?? 8, maxQueued: o.maxQueued ?? 256, maxEntries: o.maxEntries ?? 4096,
      ttlMs: o.ttlMs ?? 3_600_000, negativeTtlMs: o.negativeTtlMs ?? 300_000, timeoutMs: o.timeoutMs ?? 2000, tries: o.tries ?? 2,
    };
    this.#now = o.now ?? Date.now;
    this.#resolver = new Resolver({ timeout: this.#o.timeoutMs, tries: this.#o.tries });
    if (o.servers.length > 0) setServers(this.#resolver, o.servers);
    this.#tokens = this.#o.perSecond;
    this.#refilled = this.#now();
  }

  /**
   * The name of `address` if one is known now (else undefined), asking for it in the background
   * when it is neither known nor known to have none. Not an address: undefined, nothing asked.
   */
  name(address: string): string | undefined {
    const e = this.#cache.get(address);
    if (e !== undefined) {
      if (e.expires > this.#now()) {
        // Most recently used last: Map keeps insertion order.
        this.#cache.delete(address);
        this.#cache.set(address, e);
        return e.name ?? undefined;
      }
      this.#cache.delete(address);
    }
    if (this.#closed || this.#inFlight.has(address) || this.#queue.has(address) || isIP(address) === 0) return undefined;
    if (this.#queue.size >= this.#o.maxQueued) this.stats.dropped++;
    else this.#queue.add(address);
    this.#pump();
    return undefined;
  }

  /** Stops asking; answers still on their way are dropped. */
  close(): void {
    this.#closed = true;
    this.#queue.clear();
    clearTimeout(this.#timer);
    this.#resolver.cancel();
  }

  /** Starts what the rate and in-flight limits allow; schedules itself for the rest. */
  #pump(): void {
    const now = this.#now();
    const o = this.#o;
    this.#tokens = Math.min(o.perSecond, this.#tokens + ((now - this.#refilled) * o.perSecond) / 1000);
    this.#refilled = now;
    for (const address of this.#queue) {
      if (this.#tokens < 1 || this.#inFlight.size >= o.maxInFlight) break;
      this.#tokens -= 1;
      this.#queue.delete(address);
      this.#lookup(address);
    }
    this.#count();
    if (this.#queue.size > 0 && this.#timer === undefined && this.#inFlight.size < o.maxInFlight) {
      const wait = Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / o.perSecond));
      this.#timer = setTimeout(() => { this.#timer = undefined; this.#pump(); }, wait);
      this.#timer.unref();
    }
  }

  #lookup(address: string): void {
    this.#inFlight.add(address);
    this.stats.lookups++;
    this.#resolver.reverse(address).then(
      (names) => this.#done(address, names.length > 0 ? names[0].replace(/\.$/, '').slice(0, 253) : null),
      () => this.#done(address, null),
    );
  }

  #done(address: string, name: string | null): void {
    this.#inFlight.delete(address);
    if (this.#closed) return;
    if (name === null) this.stats.failed++;
    else this.stats.answered++;
    this.#cache.set(address, { name, expires: this.#now() + (name === null ? this.#o.negativeTtlMs : this.#o.ttlMs) });
    while (this.#cache.size > this.#o.maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
    this.#pump();
  }

  #count(): void {
    this.stats.cached = this.#cache.size;
    this.stats.inFlight = this.#inFlight.size;
    this.stats.queued = this.#queue.size;
  }
}

/**
 * Hands `servers` to the resolver; one it refuses (the configuration check lets none through,
 * this is its backstop) is an Error of one line naming web.reverseDnsServers, not a TypeError.
 */
function setServers(resolver: Resolver, servers: readonly string[]): void {
  for (const s of servers) {
    try {
      new Resolver().setServers([s]);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new Error(`web.reverseDnsServers: ${JSON.stringify(s)} is not a DNS server the resolver accepts (${code})`, { cause: err });
    }
  }
  resolver.setServers([...servers]);
}
