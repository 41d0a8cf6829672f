import { NetflowKeyTable } from './netflow-key-table.ts';
import { type CompiledTemplate, sameDefinition } from './netflow-template.ts';

/** Templates held at most, all exporters together. */
export const MAX_TEMPLATES = 16384;
/** Templates held at most per exporter (all its observation domains / source ids). */
export const MAX_TEMPLATES_PER_EXPORTER = 2048;

/** Outcome of TemplateCache.put. */
export const PutResult = { ADDED: 0, REFRESHED: 1, REPLACED: 2, FULL: 3 } as const;

/**
 * NetFlow v9 and IPFIX templates per (exporter, observation domain / source id, template id),
 * v9 and IPFIX apart. A template expires `timeoutMs` after it was last received (0: never);
 * an expired template is dropped when looked up or swept. Bounded: MAX_TEMPLATES in all and
 * MAX_TEMPLATES_PER_EXPORTER per exporter; a new template past a cap is refused (FULL) after
 * the exporter's expired templates were swept, so one exporter cannot push out the others'.
 */
export class TemplateCache {
  readonly #table = new NetflowKeyTable(MAX_TEMPLATES);
  readonly #templates: Array<CompiledTemplate | null> = new Array(MAX_TEMPLATES).fill(null);
  readonly #seenMs = new Float64Array(MAX_TEMPLATES);
  #perExporter = new Int32Array(64);
  readonly #timeoutMs: number;
  #sweptMs = -Infinity;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.#table.size;
  }

  /** Templates held for `exporter`. */
  count(exporter: number): number {
    return exporter < this.#perExporter.length ? this.#perExporter[exporter] : 0;
  }

  /** The template, or null when unknown or expired at `nowMs` (then it is dropped). */
  get(exporter: number, domain: number, id: number, nowMs: number): CompiledTemplate | null {
    const e = this.#table.find(exporter, domain, id);
    if (e < 0) return null;
    if (this.#expired(e, nowMs)) {
      this.#drop(e);
      return null;
    }
    return this.#templates[e];
  }

  /**
   * When the held template for the key was defined by exactly `data[offset .. offset+length)`,
   * marks it received at `nowMs` and returns true (a refresh: nothing to compile).
   */
  refreshIfSame(exporter: number, domain: number, id: number, data: Uint8Array, offset: number, length: number, nowMs: number): boolean {
    const e = this.#table.find(exporter, domain, id);
    if (e < 0) return false;
    const t = this.#templates[e];
    if (t === null || !sameDefinition(t.definition, data, offset, length)) return false;
    this.#seenMs[e] = nowMs;
    return true;
  }

  /** Stores `t` for the key (replacing what was there), received at `nowMs`. */
  put(exporter: number, domain: number, id: number, t: CompiledTemplate, nowMs: number): number {
    const known = this.#table.find(exporter, domain, id);
    if (known >= 0) {
      this.#templates[known] = t;
      this.#seenMs[known] = nowMs;
      return PutResult.REPLACED;
    }
    if (this.count(exporter) >= MAX_TEMPLATES_PER_EXPORTER || this.#table.size >= MAX_TEMPLATES) {
      // At most once a second: a flood of new template ids must not walk the cache each time.
      if (nowMs - this.#sweptMs < 1000) return PutResult.FULL;
      this.#sweptMs = nowMs;
      this.sweep(nowMs);
      if (this.count(exporter) >= MAX_TEMPLATES_PER_EXPORTER || this.#table.size >= MAX_TEMPLATES) return PutResult.FULL;
    }
    const e = this.#table.insert(exporter, domain, id);
    if (e < 0) return PutResult.FULL;
    this.#templates[e] = t;
    this.#seenMs[e] = nowMs;
    if (exporter >= this.#perExporter.length) {
      let n = this.#perExporter.length;
      while (n <= exporter) n *= 2;
      const next = new Int32Array(n);
      next.set(this.#perExporter);
      this.#perExporter = next;
    }
    this.#perExporter[exporter]++;
    return PutResult.ADDED;
  }

  /** Withdraws one template (IPFIX template withdrawal); false when it was not held. */
  withdraw(exporter: number, domain: number, id: number): boolean {
    const e = this.#table.find(exporter, domain, id);
    if (e < 0) return false;
    this.#drop(e);
    return true;
  }

  /**
   * Withdraws every template (`options` false) or every options template (true) of (exporter,
   * domain) whose key id has `idBits` above bit 15 (the IPFIX "withdraw all" of RFC 7011 §8.1).
   * Walks the cache.
   */
  withdrawAll(exporter: number, domain: number, idBits: number, options: boolean): void {
    const table = this.#table;
    for (let e = 0; e < table.capacity; e++) {
      if (table.used(e) && table.key(e, 0) === exporter && table.key(e, 1) === domain >>> 0
        && (table.key(e, 2) & ~0xffff) === idBits && this.#templates[e]?.options === options) this.#drop(e);
    }
  }

  /** Drops expired templates (of `exporter` only when given). Walks the cache: call seldom. */
  sweep(nowMs: number, exporter = -1): void {
    if (this.#timeoutMs <= 0) return;
    const table = this.#table;
    for (let e = 0; e < table.capacity; e++) {
      if (table.used(e) && (exporter < 0 || table.key(e, 0) === exporter) && this.#expired(e, nowMs)) this.#drop(e);
    }
  }

  #expired(e: number, nowMs: number): boolean {
    return this.#timeoutMs > 0 && nowMs - this.#seenMs[e] > this.#timeoutMs;
  }

  #drop(e: number): void {
    this.#perExporter[this.#table.key(e, 0)]--;
    this.#templates[e] = null;
    this.#table.remove(e);
  }
}
