import { createHash, randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseAddressWords } from '../account/ip-text.ts';
import { BcryptVerifier } from './bcrypt-verifier.ts';

/** What BasicAuth.check decided: serve, 401, 429 (client throttled) or 503 (verifier queue full). */
export type AuthResult = 'ok' | 'denied' | 'throttled' | 'busy';

/** Limits of BasicAuth (defaults in BASIC_AUTH_LIMITS). */
export interface BasicAuthLimits {
  /** Verified credentials remembered (LRU). */
  cacheSize: number;
  /** Failures from one client within `windowMs` after which it is refused until the window ends. */
  failures: number;
  windowMs: number;
  /** Clients whose failures are tracked (the oldest is forgotten first). */
  clients: number;
  /** Checks waiting per client, and in all. */
  queuePerClient: number;
  queueTotal: number;
}

export const BASIC_AUTH_LIMITS: BasicAuthLimits = {
  cacheSize: 64, failures: 10, windowMs: 60_000, clients: 4096, queuePerClient: 2, queueTotal: 8,
};

const BCRYPT_CHARS = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Checks HTTP basic-auth credentials against bcrypt hashes without letting bcrypt's cost (tens to
 * hundreds of ms of CPU, on purpose) reach the capture's event loop or tell user names apart:
 *
 * - bcrypt runs on one worker thread (BcryptVerifier), at most one check at a time, a bounded
 *   queue served round-robin per client; a full queue answers 503 at once.
 * - An unknown user is checked against a dummy hash of the configured users' highest cost, the
 *   same path and about the same time as a wrong password of a known user.
 * - A client (IPv4 address, or IPv6 /64) with `failures` failures in `windowMs` is answered 429
 *   without a check until that window ends.
 * - Credentials that passed are remembered by a SHA-256 of user, password and hash in a small
 *   LRU, as the Prometheus exporter toolkit does: Prometheus repeats the same credentials every
 *   scrape, and a remembered one is answered at once, before the throttle (so an attacker on
 *   Prometheus' own address cannot lock it out). Only verified credentials enter; the cost is that
 *   a memory dump holds SHA-256 (fast to brute-force) instead of only bcrypt of those passwords.
 */
export class BasicAuth {
  readonly #users: ReadonlyMap<string, string>;
  readonly #dummy: string;
  readonly #limits: BasicAuthLimits;
  readonly #verifier: BcryptVerifier;
  readonly #ok = new Map<string, true>();
  readonly #failures = new Map<string, { count: number; since: number }>();
  /** Checks in progress by credential key: a browser's parallel first requests share one. */
  readonly #pending = new Map<string, Promise<boolean | undefined>>();
  /** What happened so far, for tests and self-telemetry. */
  readonly stats = { cached: 0, checked: 0, throttled: 0, busy: 0 };

  constructor(users: ReadonlyMap<string, string>, limits: Partial<BasicAuthLimits> = {}) {
    this.#users = users;
    this.#limits = { ...BASIC_AUTH_LIMITS, ...limits };
    this.#verifier = new BcryptVerifier({ perClient: this.#limits.queuePerClient, total: this.#limits.queueTotal });
    let cost = 4;
    for (const hash of users.values()) cost = Math.max(cost, Number(hash.split('$')[2]));
    // A well-formed hash no password matches (salt and digest random): bcrypt runs in full.
    let tail = '';
    for (let i = 0; i < 53; i++) tail += BCRYPT_CHARS[randomInt(64)];
    this.#dummy = `$2b$${String(cost).padStart(2, '0')}$${tail}`;
  }

  /** Decides on the request's credentials. Never rejects. */
  async check(req: IncomingMessage): Promise<AuthResult> {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return 'denied'; // no credentials: the browser's first request, not a failure
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    const known = this.#users.get(user);
    const hash = known ?? this.#dummy;
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
    if (known !== undefined && this.#ok.has(key)) {
      this.#ok.delete(key);
      this.#ok.set(key, true);
      this.stats.cached++;
      return 'ok';
    }
    const client = clientKey(req.socket.remoteAddress);
    const now = performance.now();
    const f = this.#failures.get(client);
    if (f && now - f.since >= this.#limits.windowMs) this.#failures.delete(client);
    else if (f && f.count >= this.#limits.failures) {
      this.stats.throttled++;
      return 'throttled';
    }
    let check = this.#pending.get(key);
    if (check === undefined) {
      check = this.#verifier.verify(client, password, hash);
      this.#pending.set(key, check);
      void check.then(() => this.#pending.delete(key));
    }
    const verified = await check;
    if (verified === undefined) {
      this.stats.busy++;
      return 'busy';
    }
    this.stats.checked++;
    if (verified && known !== undefined) {
      if (this.#ok.size >= this.#limits.cacheSize) this.#ok.delete(this.#ok.keys().next().value!);
      this.#ok.set(key, true);
      return 'ok';
    }
    this.#fail(client, now);
    return 'denied';
  }

  /** Stops the verifier's worker. */
  close(): void {
    this.#verifier.close();
  }

  #fail(client: string, now: number): void {
    const f = this.#failures.get(client);
    if (f) {
      f.count++;
      return;
    }
    if (this.#failures.size >= this.#limits.clients) this.#failures.delete(this.#failures.keys().next().value!);
    this.#failures.set(client, { count: 1, since: now });
  }
}

/** The throttling key of a peer address: IPv4 as is, IPv6 by its /64 (one subscriber's). */
function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = address.startsWith('::ffff:') ? address.slice(7) : address;
  const a = parseAddressWords(mapped);
  if (a === undefined || a.version === 4) return mapped;
  return `${a.words[0].toString(16)}:${a.words[1].toString(16)}::/64`;
}
