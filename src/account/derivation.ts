import { DERIVE_MIN_PACKETS, namedSides } from './accountant-options.ts';
import type { AggregationSpec } from './aggregation-spec.ts';
import { KeyWord } from './flow-key.ts';
import { KEY_WORDS, type FlowTable } from './flow-table.ts';
import type { KeyAdder } from './key-adder.ts';
import { Direction, lookupAddress, PacketContext } from './packet-context.ts';

/** What a Derivation adds to: the accountant's bytes of local-to-local packets. */
export interface InternalBytes {
  internalBytes: number;
}

/**
 * Derived aggregations (see Accountant): which aggregation each is derived from, the per-packet
 * path's mode for the current flush interval (everything per packet, or sources only), and the
 * counting of a source table's entries into the tables derived from it (`derive`). Nothing here
 * allocates per entry.
 */
export class Derivation {
  /** Indices of the aggregations counted per packet. */
  readonly perPacket: readonly number[];
  /** Indices of the aggregations others derive from, each after the one it derives from. */
  readonly sources: readonly number[];
  /** Per aggregation, those derived from it. */
  readonly derivedOf: readonly (readonly number[])[];
  /** Per aggregation, the NamedSides bits of those derived from it. */
  readonly namedBelow: readonly number[];
  /**
   * The pair aggregation whose entries count internalBytes when the per-packet path does not
   * classify the direction (-1: it does).
   */
  readonly internalFrom: number;
  /**
   * This flush interval counts every aggregation per packet: nothing is derived, or every source
   * table counts its derived aggregations directly (the per-packet path is then the plain one).
   */
  everyPacket: boolean;
  /** The per-packet path classifies the direction (else only derive() and direct counting do). */
  classify: boolean;
  /** The named-network look-ups of the per-packet path now (those of the aggregations counted per packet, or all in everyPacket). */
  namedNow: number;
  readonly #named: number;
  readonly #namedAll: number;
  readonly #specs: readonly AggregationSpec[];
  readonly #derivedFrom: readonly number[];
  readonly #tables: readonly FlowTable[];
  readonly #keys: KeyAdder;
  readonly #totals: InternalBytes;
  readonly #samplingRate: number;
  readonly #keepPort: Uint8Array | undefined;
  /** The packet's context and fields while a full table is derived (deriveFull). */
  readonly #savedCtx = new PacketContext();
  readonly #savedFlow = new Uint32Array(5);
  /** Side A and B addresses of a local/remote entry while it is derived. */
  readonly #a = new Uint32Array(4);
  readonly #b = new Uint32Array(4);
  /** A flow-table entry's key while it is derived. */
  readonly #key = new Uint32Array(KEY_WORDS);

  /**
   * `from`: per aggregation, the one it is derived from or -1 (derivationSources); `tables`: the
   * accountant's flow tables; `totals` receives internal bytes counted from entries.
   */
  constructor(specs: readonly AggregationSpec[], from: readonly number[], tables: readonly FlowTable[], keys: KeyAdder,
    totals: InternalBytes, samplingRate: number, keepPort: Uint8Array | undefined) {
    this.#specs = specs;
    this.#derivedFrom = from;
    this.#tables = tables;
    this.#keys = keys;
    this.#totals = totals;
    this.#samplingRate = samplingRate;
    this.#keepPort = keepPort;
    const all = specs.map((_, i) => i);
    const depth = (i: number): number => (from[i] < 0 ? 0 : 1 + depth(from[i]));
    this.perPacket = all.filter((i) => from[i] < 0);
    this.derivedOf = all.map((i) => all.filter((j) => from[j] === i));
    this.namedBelow = all.map((i) => namedSides(this.derivedOf[i].map((j) => specs[j])));
    this.sources = all.filter((i) => this.derivedOf[i].length > 0).sort((i, j) => depth(i) - depth(j) || i - j);
    // Without per-packet aggregations that need the direction, only the derivations classify it;
    // internalBytes is then counted from the first per-packet pair aggregation's entries.
    const needsDirection = this.perPacket.some((i) => specs[i].wantsLocal);
    this.internalFrom = needsDirection ? -1 : this.perPacket.find((i) => specs[i].pairForm && this.derivedOf[i].length > 0) ?? -1;
    this.classify = this.internalFrom < 0;
    this.everyPacket = this.sources.length === 0;
    this.#named = namedSides(specs.filter((_, i) => from[i] < 0));
    this.#namedAll = namedSides(specs);
    this.namedNow = this.#named;
  }

  /** See Accountant.derive. */
  derive(minKeys: number): void {
    for (let n = 0; n < this.sources.length; n++) {
      const i = this.sources[n];
      const table = this.#tables[i];
      if (!table.derived && table.size >= minKeys) this.#deriveTable(i, table);
    }
  }

  /**
   * Source table `i` is full or one key short of it (the packet in the context, two keys for a
   * local-to-local packet counted for both hosts, may find no room): its entries are derived
   * now, so that this packet and the next ones, counted directly, follow them in the derived
   * tables, as they would per packet. The packet's context and fields are kept.
   */
  deriveFull(i: number, table: FlowTable): void {
    const keys = this.#keys;
    const saved = this.#savedCtx;
    saved.copyFrom(keys.ctx);
    const protocol = keys.protocol;
    const vlan = keys.vlan;
    this.#savedFlow.set(keys.flow);
    this.#deriveTable(i, table);
    keys.ctx.copyFrom(saved);
    keys.ctx.classify = this.classify;
    keys.protocol = protocol;
    keys.vlan = vlan;
    keys.flow.set(this.#savedFlow);
  }

  #deriveTable(i: number, table: FlowTable): void {
    const ctx = this.#keys.ctx;
    ctx.classify = true;
    table.derived = true;
    if (!table.direct) {
      if (this.#specs[i].pairForm) {
        for (let e = 0; e < table.size; e++) this.#derivePair(i, table, e);
      } else {
        for (let e = 0; e < table.size; e++) this.#deriveLocal(i, table, e);
      }
    }
    // Only a table counted per packet switches (a derived one receives whole entries). Packets
    // per entry, unscaled (a flow record counts as its packets: more than one add, never fewer).
    if (this.#derivedFrom[i] < 0) {
      let packets = 0;
      for (let e = 0; e < table.size; e++) packets += table.packets[e];
      table.direct = packets < DERIVE_MIN_PACKETS * this.#samplingRate * table.size;
      this.#setMode();
    }
    ctx.classify = this.classify;
    this.#keys.flowSet = true;
  }

  /** Chooses the per-packet path for the next packets from the source tables' modes. */
  #setMode(): void {
    let every = true;
    for (let n = 0; n < this.sources.length; n++) every &&= this.#tables[this.sources[n]].direct;
    this.everyPacket = every;
    this.classify = every || this.internalFrom < 0;
    this.namedNow = every ? this.#namedAll : this.#named;
  }

  /** Counts entry `e` of pair table `table` (aggregation `i`) in the aggregations derived from it, as its packets would have been. */
  #derivePair(i: number, table: FlowTable, e: number): void {
    const k = this.#key;
    const keys = this.#keys;
    const ctx = keys.ctx;
    table.expand(e, k);
    ctx.v6 = (k[KeyWord.PROTO] & 0xff) === 6;
    for (let w = 0; w < 4; w++) {
      ctx.src[w] = k[KeyWord.A + w];
      ctx.dst[w] = k[KeyWord.B + w];
    }
    const ports = k[KeyWord.PORTS];
    ctx.derive(ports >>> 16, ports & 0xffff, keys.tables, this.namedBelow[i], this.#keepPort);
    const iface = keys.fromKey(k);
    const bytes = table.bytes[e];
    const packets = table.packets[e];
    if (i === this.internalFrom && ctx.direction === Direction.INTERNAL) this.#totals.internalBytes += bytes;
    const derived = this.derivedOf[i];
    for (let n = 0; n < derived.length; n++) keys.count(this.#specs[derived[n]], this.#tables[derived[n]], iface, bytes, packets);
  }

  /**
   * Counts entry `e` of local/remote table `table` (aggregation `i`: keeps the local address and
   * the direction) in the aggregations derived from it: one entry each, same sides and direction.
   */
  #deriveLocal(i: number, table: FlowTable, e: number): void {
    const k = this.#key;
    const keys = this.#keys;
    table.expand(e, k);
    const v6 = (k[KeyWord.PROTO] & 0xff) === 6;
    keys.ctx.v6 = v6;
    const a = this.#a;
    const b = this.#b;
    for (let w = 0; w < 4; w++) {
      a[w] = k[KeyWord.A + w];
      b[w] = k[KeyWord.B + w];
    }
    const direction = (k[KeyWord.PROTO] >>> 16) & 0xff;
    const ports = k[KeyWord.PORTS];
    const iface = keys.fromKey(k);
    const bytes = table.bytes[e];
    const packets = table.packets[e];
    const named = keys.tables.named;
    const derived = this.derivedOf[i];
    for (let n = 0; n < derived.length; n++) {
      const spec = this.#specs[derived[n]];
      const out = this.#tables[derived[n]];
      if (direction === Direction.TRANSIT) {
        keys.addTransit(spec, out, iface, bytes, packets);
      } else {
        const aNet = named !== undefined && spec.aNet ? lookupAddress(named, a, v6) : -1;
        const bNet = named !== undefined && spec.bNet ? lookupAddress(named, b, v6) : -1;
        keys.add(spec, out, a, aNet, ports >>> 16, b, bNet, ports & 0xffff, direction, iface, bytes, packets);
      }
    }
  }
}
