import { addressText, copyAddress, RowIndex, sameWords, ServiceLists } from './address-sums.ts';

/** One pair row as the page lists it: `a` first (see PairSums.oriented), bytes each way. */
export interface OrientedPair { row: number; a: string; b: string; ab: number; ba: number; aAt: 'x' | 'y' }

/**
 * Bytes per address pair of the interval being accumulated, both directions in one row. Holds at
 * most `max` pairs; the bytes of any more go to `untracked`. Typed arrays allocated once and
 * reused every interval; adding an entry formats no text and allocates nothing.
 *
 * A row keeps its two addresses as first seen (x, y) with whether each is local; the page's
 * orientation (a = the local side when exactly one side is local, else the lesser text) is
 * decided when the row is listed, so no text is needed to add bytes.
 */
export class PairSums {
  readonly index: RowIndex;
  readonly x: Uint32Array;
  readonly y: Uint32Array;
  readonly version: Uint8Array;
  /** Bit 0: x is local, bit 1: y is local. */
  readonly local: Uint8Array;
  /** Bytes x sent to y, and y to x. */
  readonly xy: Float64Array;
  readonly yx: Float64Array;
  readonly services: ServiceLists | undefined;
  untracked = 0;
  readonly #text: Array<OrientedPair | undefined> = [];

  constructor(max: number, withServices = true) {
    this.index = new RowIndex(max);
    this.x = new Uint32Array(max * 4);
    this.y = new Uint32Array(max * 4);
    this.version = new Uint8Array(max);
    this.local = new Uint8Array(max);
    this.xy = new Float64Array(max);
    this.yx = new Float64Array(max);
    this.services = withServices ? new ServiceLists(max) : undefined;
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * Adds `bytes` sent from the address at `keys[fromAt]` to the one at `keys[toAt]` (`id`: the
   * same whatever the order) to their row, a new row, or `untracked` when `max` are tracked.
   */
  add(id: number, keys: Uint32Array, fromAt: number, toAt: number, v6: boolean, bytes: number, fromLocal: boolean, toLocal: boolean, service: number): void {
    const ix = this.index;
    const v = v6 ? 6 : 4;
    let slot = ix.start(id);
    for (let r = ix.row(slot); r >= 0; r = ix.row(slot)) {
      if (ix.same(slot, id) && this.version[r] === v) {
        if (sameWords(this.x, r, keys, fromAt, v6) && sameWords(this.y, r, keys, toAt, v6)) {
          this.xy[r] += bytes;
          this.services?.add(r, service, bytes);
          return;
        }
        if (sameWords(this.y, r, keys, fromAt, v6) && sameWords(this.x, r, keys, toAt, v6)) {
          this.yx[r] += bytes;
          this.services?.add(r, service, bytes);
          return;
        }
      }
      slot = ix.next(slot);
    }
    if (ix.size >= ix.max) {
      this.untracked += bytes;
      return;
    }
    const r = ix.put(slot, id);
    copyAddress(this.x, r, keys, fromAt, v6);
    copyAddress(this.y, r, keys, toAt, v6);
    this.version[r] = v;
    this.local[r] = (fromLocal ? 1 : 0) | (toLocal ? 2 : 0);
    this.xy[r] = bytes;
    this.yx[r] = 0;
    this.services?.add(r, service, bytes);
  }

  /** Row `r` as the page lists it (texts formatted once per interval). */
  oriented(r: number): OrientedPair {
    let p = this.#text[r];
    if (p === undefined) {
      const v6 = this.version[r] === 6;
      const x = addressText(this.x, r, v6);
      const y = addressText(this.y, r, v6);
      const xLocal = (this.local[r] & 1) !== 0;
      const yLocal = (this.local[r] & 2) !== 0;
      const xFirst = xLocal !== yLocal ? xLocal : x <= y;
      p = xFirst ? { row: r, a: x, b: y, ab: this.xy[r], ba: this.yx[r], aAt: 'x' } : { row: r, a: y, b: x, ab: this.yx[r], ba: this.xy[r], aAt: 'y' };
      this.#text[r] = p;
    }
    return p;
  }

  clear(): void {
    this.services?.clear(this.index.size);
    this.index.clear();
    this.#text.length = 0;
    this.untracked = 0;
  }
}
