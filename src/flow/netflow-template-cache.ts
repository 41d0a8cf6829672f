import { FairKeyTable } from './fair-key-table.ts';
import { type CompiledTemplate, sameDefinition } from './netflow-template.ts';

/** Templates held at most, all exporters together. */
export const MAX_TEMPLATES = 16384;
/**
 * Templates of an exporter that another exporter's new templates never evict (FairKeyTable's
 * `protect`): real routers use tens of templates, a few hundred at most.
 */
export const PROTECTED_TEMPLATES = 256;

/** Outcome of TemplateCache.put; after ADDED, `evicted` names whose template made room. */
export const PutResult = { ADDED: 0, REPLACED: 2, FULL: 3 } as const;

/**
 * NetFlow v9 and IPFIX templates per (exporter, observation domain / source id, template id),
 * v9 and IPFIX apart. A template expires `timeoutMs` after it was last received (0: never);
 * an expired template is dropped when looked up or swept. At most MAX_TEMPLATES in all, shared
 * fairly (FairKeyTable): full, a new template evicts the least recently used (received or
 * looked up) template of the exporter holding the most, when it holds more than
 * PROTECTED_TEMPLATES and at least two more than the newcomer, else one of the newcomer's own;
 * a newcomer holding none is refused (FULL). So flooding exporters cannot keep a router's
 * templates out, nor take the ones it holds.
 */
export class TemplateCache {
  readonly #templates: Array<CompiledTemplate | null> = new Array(MAX_TEMPLATES).fill(null);
  readonly #table: FairKeyTable;

  constructor(timeoutMs: number) {
    this.#table = new FairKeyTable(MAX_TEMPLATES, PROTECTED_TEMPLATES, timeoutMs, (e) => { this.#templates[e] = null; });
  }

  get size(): number {
    return this.#table.size;
  }

  /** After put() returned ADDED: the exporter whose template was evicted to make room, else -1. */
  get evicted(): number {
    return this.#table.evictedOwner;
  }

  /** Templates held for `exporter`. */
  count(exporter: number): number {
    return this.#table.count(exporter);
  }

  /** The template, or null when unknown or expired at `nowMs` (then it is dropped). */
  get(exporter: number, domain: number, id: number, nowMs: number): CompiledTemplate | null {
    const table = this.#table;
    const e = table.find(exporter, domain, id);
    if (e < 0) return null;
    if (table.expired(e, nowMs)) {
      table.remove(e);
      return null;
    }
    table.touch(e, nowMs, false);
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
    this.#table.touch(e, nowMs, true);
    return true;
  }

  /** Stores `t` for the key (replacing what was there), received at `nowMs`; a PutResult. */
  put(exporter: number, domain: number, id: number, t: CompiledTemplate, nowMs: number): number {
    const table = this.#table;
    const known = table.find(exporter, domain, id);
    if (known >= 0) {
      this.#templates[known] = t;
      table.touch(known, nowMs, true);
      return PutResult.REPLACED;
    }
    const e = table.insert(exporter, exporter, domain, id, nowMs);
    if (e < 0) return PutResult.FULL;
    this.#templates[e] = t;
    return PutResult.ADDED;
  }

  /** Withdraws one template (IPFIX template withdrawal); false when it was not held. */
  withdraw(exporter: number, domain: number, id: number): boolean {
    const e = this.#table.find(exporter, domain, id);
    if (e < 0) return false;
    this.#table.remove(e);
    return true;
  }

  /**
   * Withdraws every template (`options` false) or every options template (true) of (exporter,
   * domain) whose key id has `idBits` above bit 15 (the IPFIX "withdraw all" of RFC 7011 §8.1).
   * Walks the exporter's templates.
   */
  withdrawAll(exporter: number, domain: number, idBits: number, options: boolean): void {
    const table = this.#table;
    for (let e = table.first(exporter); e >= 0;) {
      const next = table.after(e);
      if (table.key(e, 1) === domain >>> 0 && (table.key(e, 2) & ~0xffff) === idBits && this.#templates[e]?.options === options) table.remove(e);
      e = next;
    }
  }

  /** Drops expired templates. Walks the cache: call seldom. */
  sweep(nowMs: number): void {
    this.#table.sweep(nowMs);
  }
}
