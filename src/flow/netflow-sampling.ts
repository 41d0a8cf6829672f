import { NetflowKeyTable } from './netflow-key-table.ts';

/** Sampler entries held at most, all exporters together. */
export const MAX_SAMPLERS = 16384;

/**
 * Sampling rates learnt from NetFlow v9 / IPFIX options data, per (exporter, observation domain
 * / source id, sampler id), plus exporter-wide entries (v9 options scoped to the System, as
 * nfacctd's global status entries). Sampler id 0 stands for "no sampler id" (options that
 * describe the whole domain), as in nfacctd. Entries expire like templates (`timeoutMs` after
 * they were last received, 0: never). When MAX_SAMPLERS are held and none expired, new samplers
 * are not learnt (their records fall back to the configured rate).
 */
export class SamplerTable {
  readonly #table = new NetflowKeyTable(MAX_SAMPLERS);
  readonly #rate = new Float64Array(MAX_SAMPLERS);
  readonly #seenMs = new Float64Array(MAX_SAMPLERS);
  readonly #timeoutMs: number;
  #sweptMs = -Infinity;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.#table.size;
  }

  /** Records `rate` (0: the options said nothing usable) for the sampler; `global`: for every domain. */
  set(exporter: number, domain: number, global: boolean, samplerId: number, rate: number, nowMs: number): void {
    const a = global ? exporter | 0x10000 : exporter;
    const b = global ? 0 : domain;
    let e = this.#table.find(a, b, samplerId);
    if (e < 0) {
      if (this.#table.size >= MAX_SAMPLERS && nowMs - this.#sweptMs >= 1000) {
        this.#sweptMs = nowMs;
        this.sweep(nowMs);
      }
      e = this.#table.insert(a, b, samplerId);
      if (e < 0) return;
    }
    this.#rate[e] = rate;
    this.#seenMs[e] = nowMs;
  }

  /** Rate of the sampler in the domain, else the exporter-wide one; 0 when unknown. */
  rate(exporter: number, domain: number, samplerId: number, nowMs: number): number {
    let e = this.#table.find(exporter, domain, samplerId);
    if (e >= 0 && this.#live(e, nowMs)) return this.#rate[e];
    e = this.#table.find(exporter | 0x10000, 0, samplerId);
    if (e >= 0 && this.#live(e, nowMs)) return this.#rate[e];
    return 0;
  }

  /** Drops expired entries. Walks the table: call seldom. */
  sweep(nowMs: number): void {
    if (this.#timeoutMs <= 0) return;
    for (let e = 0; e < MAX_SAMPLERS; e++) if (this.#table.used(e) && !this.#live(e, nowMs)) this.#table.remove(e);
  }

  #live(e: number, nowMs: number): boolean {
    return this.#timeoutMs <= 0 || nowMs - this.#seenMs[e] <= this.#timeoutMs;
  }
}
