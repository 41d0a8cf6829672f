/** An address (or prefix) kept for comparison: plain fields, no typed array per address. */
export interface Address { v: number; len: number; w0: number; w1: number; w2: number; w3: number }

/** Most services one host or pair keeps per interval; the rest are summed under OTHER_SERVICE. */
export const MAX_SERVICES = 16;
/** Service code of the bytes of services past MAX_SERVICES. */
export const OTHER_SERVICE = -1;
/** Service code meaning "no service known for this entry" (the aggregation keeps no ports). */
export const NO_SERVICE = -2;

/** Bytes by service code (service-names.ts) of one host or pair in one interval. */
export type ServiceBytes = Map<number, number>;

/** Adds `bytes` of service `code` to `map` (created on first use); returns the map. */
export function addService(map: ServiceBytes | undefined, code: number, bytes: number): ServiceBytes | undefined {
  if (code === NO_SERVICE) return map;
  const m = map ?? new Map<number, number>();
  const key = m.has(code) || m.size < MAX_SERVICES ? code : OTHER_SERVICE;
  m.set(key, (m.get(key) ?? 0) + bytes);
  return m;
}

/** Copies the address of `keys` at `at` (IPv6: 4 words); `len` tells prefixes of one address apart (0: an address). */
export function addressWords(keys: Uint32Array, at: number, v6: boolean, len = 0): Address {
  return { v: v6 ? 6 : 4, len, w0: keys[at], w1: v6 ? keys[at + 1] : 0, w2: v6 ? keys[at + 2] : 0, w3: v6 ? keys[at + 3] : 0 };
}

export function sameAddress(w: Address, keys: Uint32Array, at: number, v6: boolean, len = 0): boolean {
  if (w.v !== (v6 ? 6 : 4) || w.len !== len || w.w0 !== keys[at]) return false;
  return !v6 || (w.w1 === keys[at + 1] && w.w2 === keys[at + 2] && w.w3 === keys[at + 3]);
}

/** One address's bytes in (received by it, or from a remote to us) and out in one interval. */
export interface AddressSum {
  text: string;
  in: number;
  out: number;
  w: Address;
  /** Networks-file entry of the address (-1: none, or not looked up). */
  net: number;
  services: ServiceBytes | undefined;
}

/**
 * In and out bytes per address (or prefix) of the interval being accumulated: local hosts, or
 * remote talkers. Holds at most `max` addresses; the bytes of any more go to the untracked sums
 * (memory stays bounded under an address scan). A known address is found by its hash without
 * formatting its text, and a hash that is absent proves the address is not tracked.
 */
export class AddressSums {
  readonly byText = new Map<string, AddressSum>();
  untrackedIn = 0;
  untrackedOut = 0;
  readonly #byId = new Map<number, AddressSum>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /**
   * Adds the bytes to the address hashing to `id` at `keys[at]` if it is tracked (or to the
   * untracked sums when no more can be): true. False: call add() with its text.
   */
  known(id: number, keys: Uint32Array, at: number, v6: boolean, len: number, inBytes: number, outBytes: number, service: number): boolean {
    const s = this.#byId.get(id);
    if (s !== undefined) {
      if (!sameAddress(s.w, keys, at, v6, len)) return false;
      s.in += inBytes;
      s.out += outBytes;
      s.services = addService(s.services, service, inBytes + outBytes);
      return true;
    }
    if (this.byText.size < this.#max) return false;
    this.untrackedIn += inBytes;
    this.untrackedOut += outBytes;
    return true;
  }

  add(text: string, inBytes: number, outBytes: number, id: number, keys: Uint32Array, at: number, v6: boolean, len: number, service: number, net = -1): void {
    let s = this.byText.get(text);
    if (s === undefined) {
      if (this.byText.size >= this.#max) {
        this.untrackedIn += inBytes;
        this.untrackedOut += outBytes;
        return;
      }
      s = { text, in: 0, out: 0, w: addressWords(keys, at, v6, len), net, services: undefined };
      this.byText.set(text, s);
      if (!this.#byId.has(id)) this.#byId.set(id, s);
    }
    s.in += inBytes;
    s.out += outBytes;
    s.services = addService(s.services, service, inBytes + outBytes);
  }

  clear(): void {
    this.byText.clear();
    this.#byId.clear();
    this.untrackedIn = 0;
    this.untrackedOut = 0;
  }
}
