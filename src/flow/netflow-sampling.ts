import { FairKeyTable } from './fair-key-table.ts';

/** Sampler entries held at most, all exporters together. */
export const MAX_SAMPLERS = 16384;
/** Samplers of an exporter that another exporter's new ones never evict (FairKeyTable's `protect`). */
export const PROTECTED_SAMPLERS = 256;

/**
 * Sampling rates learnt from NetFlow v9 / IPFIX options data, per (exporter, observation domain
 * / source id, sampler id), plus exporter-wide entries (v9 options scoped to the System, as
 * nfacctd's global status entries). Sampler id 0 stands for "no sampler id" (options that
 * describe the whole domain), as in nfacctd. Entries expire like templates (`timeoutMs` after
 * they were last received, 0: never). At most MAX_SAMPLERS, shared fairly as templates are
 * (FairKeyTable, PROTECTED_SAMPLERS): a sampler that cannot be learnt (a newcomer refused) is
 * counted by the caller and its records fall back to the configured rate.
 */
export class SamplerTable {
  readonly #table: FairKeyTable;
  readonly #rate = new Float64Array(MAX_SAMPLERS);

  constructor(timeoutMs: number) {
    this.#table = new FairKeyTable(MAX_SAMPLERS, PROTECTED_SAMPLERS, timeoutMs);
  }

  get size(): number {
    return this.#table.size;
  }

  /** After set() returned true: the exporter whose sampler was evicted to make room, else -1. */
  get evicted(): number {
    return this.#table.evictedOwner;
  }

  /**
   * Records `rate` (0: the options said nothing usable) for the sampler; `global`: for every
   * domain. False when it could not be learnt (the table is full and the exporter holds none).
   */
  set(exporter: number, domain: number, global: boolean, samplerId: number, rate: number, nowMs: number): boolean {
    const table = this.#table;
    const a = global ? exporter | 0x10000 : exporter;
    const b = global ? 0 : domain;
    table.evictedOwner = -1;
    let e = table.find(a, b, samplerId);
    if (e >= 0) table.touch(e, nowMs, true);
    else {
      e = table.insert(exporter, a, b, samplerId, nowMs);
      if (e < 0) return false;
    }
    this.#rate[e] = rate;
    return true;
  }

  /** Rate of the sampler in the domain, else the exporter-wide one; 0 when unknown. */
  rate(exporter: number, domain: number, samplerId: number, nowMs: number): number {
    const table = this.#table;
    let e = table.find(exporter, domain, samplerId);
    if (e >= 0 && !table.expired(e, nowMs)) return this.#rate[e];
    e = table.find(exporter | 0x10000, 0, samplerId);
    if (e >= 0 && !table.expired(e, nowMs)) return this.#rate[e];
    return 0;
  }

  /** Drops expired entries. Walks the table: call seldom. */
  sweep(nowMs: number): void {
    this.#table.sweep(nowMs);
  }
}
