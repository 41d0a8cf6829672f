import { DERIVE_MIN_PACKETS, namedSides } from './accountant-options.ts';
import { KeyShape, type AggregationSpec } from './aggregation-spec.ts';
import { KeyWord } from './flow-key.ts';
import { KEY_WORDS, STAND_IN, type FlowTable } from './flow-table.ts';
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
   * This flush interval counts every aggregation per packet (`everyList`): nothing is derived, or
   * every source table counted per packet counts its derived aggregations directly (the
   * per-packet path is then the plain one). A chain's last link (per site from per host) still
   * comes from its source's entries.
   */
  everyPacket: boolean;
  /** The aggregations everyPacket counts per packet: all but those derived from a derived one. */
  readonly everyList: readonly number[];
  /** Per aggregation: derived, and others derive from it (per host for per site): everyPacket counts it as a source. */
  readonly chainSource: readonly boolean[];
  /** The per-packet path classifies the direction (else only derive() and direct counting do). */
  classify: boolean;
  /** The named-network look-ups of the per-packet path now (those of the aggregations counted per packet, or all in everyPacket). */
  namedNow: number;
  readonly #named: number;
  /** NamedSides of the aggregations in everyList. */
  readonly #namedAll: number;
  /** The sources counted per packet (whose modes decide everyPacket). */
  readonly #roots: readonly number[];
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
  /** Per aggregation: a per-host table (KeyShape.LOCAL_ADDRESS) all of whose derived ones are per network (LOCAL_NETWORK). */
  readonly #hostToNetwork: readonly boolean[];

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
    this.#hostToNetwork = all.map((i) => specs[i].shape === KeyShape.LOCAL_ADDRESS && this.derivedOf[i].length > 0 &&
      this.derivedOf[i].every((j) => specs[j].shape === KeyShape.LOCAL_NETWORK));
    // Without per-packet aggregations that need the direction, only the derivations classify it;
    // internalBytes is then counted from the first per-packet pair aggregation's entries.
    const needsDirection = this.perPacket.some((i) => specs[i].wantsLocal);
    this.internalFrom = needsDirection ? -1 : this.perPacket.find((i) => specs[i].pairForm && this.derivedOf[i].length > 0) ?? -1;
    this.classify = this.internalFrom < 0;
    this.everyPacket = this.sources.length === 0;
    this.everyList = all.filter((i) => from[i] < 0 || from[from[i]] < 0);
    this.chainSource = all.map((i) => from[i] >= 0 && this.derivedOf[i].length > 0);
    this.#roots = this.sources.filter((i) => from[i] < 0);
    this.#named = namedSides(specs.filter((_, i) => from[i] < 0));
    this.#namedAll = namedSides(this.everyList.map((i) => specs[i]));
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
    // Each loop over the entries is a function of its own: this one stays small, and each loop is
    // compiled once for the one kind of entry it sees (one function holding them all was
    // recompiled at every flush interval that took another branch).
    if (!table.direct) {
      if (this.#hostToNetwork[i]) this.#deriveNetworks(i, table);
      else if (this.#specs[i].pairForm) this.#derivePairs(i, table);
      else this.#deriveLocals(i, table);
    }
    // Only a table counted per packet switches (a derived one receives whole entries). Packets
    // per entry, unscaled (a flow record counts as its packets: more than one add, never fewer).
    if (this.#derivedFrom[i] < 0) {
      table.direct = packetsHeld(table) < DERIVE_MIN_PACKETS * this.#samplingRate * table.size;
      this.#setMode();
    }
    ctx.classify = this.classify;
    this.#keys.flowSet = true;
  }

  /** Chooses the per-packet path for the next packets from the source tables' modes. */
  #setMode(): void {
    let every = true;
    for (let n = 0; n < this.#roots.length; n++) every &&= this.#tables[this.#roots[n]].direct;
    this.everyPacket = every;
    this.classify = every || this.internalFrom < 0;
    this.namedNow = every ? this.#namedAll : this.#named;
  }

  #derivePairs(i: number, table: FlowTable): void {
    for (let e = 0; e < table.size; e++) this.#derivePair(i, table, e);
  }

  #deriveLocals(i: number, table: FlowTable): void {
    for (let e = 0; e < table.size; e++) this.#deriveLocal(i, table, e);
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
    for (let n = 0; n < derived.length; n++) {
      const j = derived[n];
      const out = this.#tables[j];
      const chained = this.chainSource[j];
      if (chained) this.#makeRoom(j, out);
      if (!keys.countShaped(this.#specs[j], out, iface, bytes, packets) || (chained && out.derived)) {
        if (!chained) continue;
        // As a packet that per host could not take: per site counts it directly (its named networks looked up now).
        ctx.derive(ctx.srcPort, ctx.dstPort, keys.tables, this.namedBelow[i] | this.namedBelow[j], this.#keepPort);
        const below = this.derivedOf[j];
        for (let m = 0; m < below.length; m++) keys.countShaped(this.#specs[below[m]], this.#tables[below[m]], iface, bytes, packets);
      }
    }
  }

  /**
   * Chain source `j` (per host) receives entries while a table it derives from is derived: one
   * key short of full, its own entries go to per site first (deriveFull, as the per-packet path
   * does), so that what it cannot hold, counted in per site directly, follows them.
   */
  #makeRoom(j: number, out: FlowTable): void {
    if (out.size < out.maxEntries - 1 || out.derived) return;
    const ctx = this.#keys.ctx;
    this.deriveFull(j, out);
    // deriveFull leaves the per-packet path's setting; the derivation under way classifies.
    ctx.classify = true;
  }

  /**
   * Counts every entry of per-host table `table` (aggregation `i`, KeyShape.LOCAL_ADDRESS: the local
   * address and the PROTO word) in the per-network aggregations derived from it (LOCAL_NETWORK),
   * straight from the compact keys: one named-network look-up per entry.
   */
  #deriveNetworks(i: number, table: FlowTable): void {
    const named = this.#keys.tables.named;
    const derived = this.derivedOf[i];
    const w = table.width;
    for (let e = 0; e < table.size; e++) {
      const k = table.keys;
      const at = e * w;
      const proto = k[at + 4];
      let net = -1;
      // A stand-in (keys the table's gate stopped) holds its named network's entry + 1.
      if ((proto & STAND_IN) !== 0) net = k[at] - 1;
      else if (named !== undefined && ((proto >>> 16) & 0xff) !== Direction.TRANSIT) {
        net = (proto & 0xff) === 6 ? named.lookup6(k[at] | 0, k[at + 1] | 0, k[at + 2] | 0, k[at + 3] | 0) : named.lookup4(k[at] | 0);
      }
      for (let n = 0; n < derived.length; n++) {
        const j = derived[n];
        this.#tables[j].add2(proto & this.#specs[j].protoMask, net + 1, table.bytes[e], table.packets[e]);
      }
    }
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
    const derived = this.derivedOf[i];
    for (let n = 0; n < derived.length; n++) {
      const j = derived[n];
      const out = this.#tables[j];
      const chained = this.chainSource[j];
      if (chained) this.#makeRoom(j, out);
      if (!this.#addLocalEntry(this.#specs[j], out, direction, v6, ports, iface, bytes, packets) || (chained && out.derived)) {
        if (!chained) continue;
        // As an entry that per host could not take: per site counts it directly.
        const below = this.derivedOf[j];
        for (let m = 0; m < below.length; m++) this.#addLocalEntry(this.#specs[below[m]], this.#tables[below[m]], direction, v6, ports, iface, bytes, packets);
      }
    }
  }

  /** Adds the local/remote entry in #a and #b to one aggregation's table (same sides and direction); false if it was full. */
  #addLocalEntry(spec: AggregationSpec, out: FlowTable, direction: number, v6: boolean, ports: number, iface: number, bytes: number, packets: number): boolean {
    const keys = this.#keys;
    if (direction === Direction.TRANSIT) return keys.addTransit(spec, out, iface, bytes, packets);
    const named = keys.tables.named;
    const a = this.#a;
    const b = this.#b;
    const aNet = named !== undefined && spec.aNet ? lookupAddress(named, a, v6) : -1;
    const bNet = named !== undefined && spec.bNet ? lookupAddress(named, b, v6) : -1;
    return keys.add(spec, out, a, aNet, ports >>> 16, b, bNet, ports & 0xffff, direction, iface, bytes, packets);
  }
}

/** Packets held by a table's entries. */
function packetsHeld(table: FlowTable): number {
  let packets = 0;
  for (let e = 0; e < table.size; e++) packets += table.packets[e];
  return packets;
}
