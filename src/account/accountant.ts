import type { PacketSink } from '../capture/packet-sink.ts';
import { decodePacket } from '../decode/decode-packet.ts';
import { DECODE_STATUS_COUNT, DecodeResult, DecodeStatus } from '../decode/decode-result.ts';
import { LinkType } from '../decode/link-type.ts';
import type { InterfaceNames } from '../flow/interface-names.ts';
import { FlowError, SflowHeaderProtocol, type FlowRecord, type FlowSink, type FlowStats } from '../flow/flow-sink.ts';
import { derivationSources, SideMode, type AggregationSpec } from './aggregation-spec.ts';
import { KeyWord, writeCommon, writeFlow, writeSide } from './flow-key.ts';
import { FlowTable, KEY_WORDS } from './flow-table.ts';
import type { NetworkTables } from './network-tables.ts';
import { Direction, lookupAddress, NamedSides, PacketContext } from './packet-context.ts';

/**
 * Keys in a flow table that call for a flush: ¾ of the table, but at most 16384. Small flushes
 * keep what the SDK and the garbage collector handle at once small during an address scan
 * (memory stays flat); the rest of the table absorbs what arrives until the flush runs.
 */
export function flushMark(maxFlows: number): number {
  return Math.max(1, Math.min(Math.floor(maxFlows * 0.75), 16384));
}

/**
 * Packets per entry below which a source table's derived aggregations are counted per packet in
 * the next flush interval instead of from its entries (Accountant.derive).
 */
export const DERIVE_MIN_PACKETS = 1.25;

/** How the Accountant counts; fixed for its lifetime. */
export interface AccountantOptions {
  aggregations: readonly AggregationSpec[];
  tables: NetworkTables;
  /** Distinct keys each aggregation's flow table holds between flushes. */
  maxFlows: number;
  /** Count 1 packet in N, scaled by N. */
  samplingRate: number;
  /** Ports kept in port dimensions; empty keeps all. */
  ports: readonly number[];
  /** Local-to-local packets in local/remote aggregations: for both hosts, or once (internal). */
  internalTraffic: 'both' | 'once';
  /**
   * Count aggregations derivable from another one's keys (AggregationSpec.derivableFrom) from its
   * flushed entries instead of per packet (default true; false counts every aggregation per packet).
   */
  derive?: boolean;
}

/** Named-network lookups (NamedSides bits) the aggregations `specs` need. */
function namedSides(specs: readonly AggregationSpec[]): number {
  let named = 0;
  for (const a of specs) {
    if (!a.wantsNamed) continue;
    if (a.localSide) named |= (a.aNet ? NamedSides.LOCAL : 0) | (a.bNet ? NamedSides.REMOTE : 0);
    else named |= (a.aNet ? NamedSides.SOURCE : 0) | (a.bNet ? NamedSides.DESTINATION : 0);
  }
  return named;
}

/**
 * The per-packet path: sample, decode once, derive the packet context once, then add the packet
 * to the flow table of every aggregation counted per packet. Also keeps the counters
 * self-telemetry reports. Nothing here allocates, throws or calls the OpenTelemetry SDK.
 *
 * Derived aggregations: an aggregation whose keys are a function of another one's keys
 * (derivationSources: per local host and direction, per site and direction, from the address
 * pairs) is not counted per packet. Its flow table is filled by `derive()`, which whoever empties
 * the tables calls first: each entry of the source table is added to it as one packet of that key
 * would have been (same direction, local side, named networks, internal traffic counted for both
 * hosts or once). Counted directly instead, as if per packet: everything from the moment a source
 * table is full (its entries are derived then, so the rest follows them), everything after its
 * entries were derived and before it is emptied, and, for a flush interval, everything of a
 * per-packet source table whose previous interval's entries held fewer than DERIVE_MIN_PACKETS
 * packets each (deriving would cost as much as counting). The derived tables therefore hold what
 * per-packet counting would have put there, in the same order, at every flush.
 */
export class Accountant implements PacketSink, FlowSink {
  readonly aggregations: readonly AggregationSpec[];
  /** One flow table per aggregation, same order. */
  readonly flowTables: readonly FlowTable[];
  /** Per aggregation: the index of the aggregation it is derived from (see derive()), or -1 (counted per packet). */
  readonly derivedFrom: readonly number[];
  readonly tables: NetworkTables;
  readonly samplingRate: number;
  /** Frames seen per interface index (before sampling; accounted or not). */
  readonly framesByInterface = new Float64Array(65536);
  /** Sampled frames not accounted, per DecodeStatus (index 0, OK, stays 0). */
  readonly decodeErrors = new Float64Array(DECODE_STATUS_COUNT);
  /** IP bytes accounted (scaled by the sampling rate), each packet once. */
  totalBytes = 0;
  /** Packets accounted (scaled). */
  totalPackets = 0;
  /** Bytes of local-to-local packets (scaled): local/remote aggregations count them twice with internalTraffic "both". */
  internalBytes = 0;
  /**
   * Interface names of flow exporters (flow.interfaceNamesFile), for the interface-name
   * dimensions; swapped on reload between two flushes. Unset: names are the ifIndexes.
   */
  interfaceNames: InterfaceNames | undefined;
  /**
   * network.interface.name index of flow records given without one (the plain FlowSink calls);
   * the collector gives each listener its own through FlowInput.
   */
  flowInterface = 0;
  /** Where the plain FlowSink calls count sampled headers the packet decoder could not use. */
  flowStats: FlowStats | undefined;
  /** Called (at most once until the next `tableFlushed()`) when a flow table reaches flushMark(). */
  onTableFilling: (() => void) | undefined;
  readonly #decoded = new DecodeResult();
  readonly #ctx = new PacketContext();
  readonly #keepPort: Uint8Array | undefined;
  /** NamedSides bits: whose named network the aggregations counted per packet need; for all. */
  readonly #named: number;
  readonly #namedAll: number;
  /** The per-packet path classifies the direction (else only derive() and direct counting do). */
  #classify: boolean;
  /** The named-network look-ups of the per-packet path now (#named, or #namedAll in #everyPacket). */
  #namedNow: number;
  /**
   * This flush interval counts every aggregation per packet: nothing is derived, or every source
   * table counts its derived aggregations directly (the per-packet path is then the plain one).
   */
  #everyPacket: boolean;
  /** Indices of the aggregations counted per packet. */
  readonly #perPacket: readonly number[];
  /** Indices of the aggregations others derive from, each after the one it derives from. */
  readonly #sources: readonly number[];
  /** Per aggregation, those derived from it. */
  readonly #derivedOf: readonly (readonly number[])[];
  /** Per aggregation, the NamedSides bits of those derived from it. */
  readonly #namedBelow: readonly number[];
  /**
   * The pair aggregation whose entries count internalBytes when the per-packet path does not
   * classify the direction (-1: it does).
   */
  readonly #internalFrom: number;
  /** The packet's context and fields while a full table is derived (#deriveFull). */
  readonly #savedCtx = new PacketContext();
  readonly #savedFlow = new Uint32Array(5);
  /** Side A and B addresses of a local/remote entry while it is derived. */
  readonly #a = new Uint32Array(4);
  readonly #b = new Uint32Array(4);
  /** Per aggregation: its derived aggregations must count the current packet directly. */
  readonly #direct: Uint8Array;
  /** A flow-table entry's key while it is derived. */
  readonly #key = new Uint32Array(KEY_WORDS);
  readonly #internalBoth: boolean;
  readonly #fillMark: number;
  #fillSignalled = false;
  #countdown = 1;
  /** Some aggregation keeps a flow dimension / an interface name. */
  readonly #flowWords: boolean;
  readonly #names: boolean;
  // The fields of the packet or record being counted that are not in the PacketContext.
  #protocol = 0;
  #vlan = 0;
  /** Flow key words 13..17 (flow-key.ts) of the record being counted: uint32 values stay unboxed here. */
  readonly #flow = new Uint32Array(5);
  /** #flow may hold non-zero words (a flow record or a derived entry was counted since it was zeroed). */
  #flowSet = false;

  constructor(o: AccountantOptions) {
    this.aggregations = o.aggregations;
    this.tables = o.tables;
    this.samplingRate = o.samplingRate;
    const specs = o.aggregations;
    const from = o.derive === false ? specs.map(() => -1) : derivationSources(specs);
    this.derivedFrom = from;
    const all = specs.map((_, i) => i);
    const depth = (i: number): number => (from[i] < 0 ? 0 : 1 + depth(from[i]));
    this.#perPacket = all.filter((i) => from[i] < 0);
    this.#derivedOf = all.map((i) => all.filter((j) => from[j] === i));
    this.#namedBelow = all.map((i) => namedSides(this.#derivedOf[i].map((j) => specs[j])));
    this.#sources = all.filter((i) => this.#derivedOf[i].length > 0).sort((i, j) => depth(i) - depth(j) || i - j);
    this.#direct = new Uint8Array(specs.length);
    // Without per-packet aggregations that need the direction, only the derivations classify it;
    // internalBytes is then counted from the first per-packet pair aggregation's entries.
    const needsDirection = this.#perPacket.some((i) => specs[i].wantsLocal);
    this.#internalFrom = needsDirection ? -1 : this.#perPacket.find((i) => specs[i].pairForm && this.#derivedOf[i].length > 0) ?? -1;
    this.#classify = this.#internalFrom < 0;
    this.#ctx.classify = this.#classify;
    this.#everyPacket = this.#sources.length === 0;
    // A derived table receives at most a whole source table's keys at a flush on top of what it
    // holds (below the flush mark, or up to maxFlows counted directly): twice maxFlows never
    // overflows where per-packet counting would not have.
    this.flowTables = specs.map((spec, i) => new FlowTable(from[i] < 0 ? o.maxFlows : 2 * o.maxFlows, spec.keyWords));
    this.#fillMark = flushMark(o.maxFlows);
    this.#named = namedSides(specs.filter((_, i) => from[i] < 0));
    this.#namedAll = namedSides(specs);
    this.#namedNow = this.#named;
    this.#internalBoth = o.internalTraffic === 'both';
    this.#flowWords = o.aggregations.some((a) => a.flowWords);
    this.#names = o.aggregations.some((a) => a.inName || a.outName);
    if (o.ports.length > 0) {
      this.#keepPort = new Uint8Array(65536);
      for (const p of o.ports) this.#keepPort[p] = 1;
    }
  }

  packet(data: Uint8Array, offset: number, capturedLength: number, wireLength: number, linkType: number, interfaceIndex: number): void {
    this.framesByInterface[interfaceIndex]++;
    if (this.samplingRate > 1) {
      if (--this.#countdown > 0) return;
      this.#countdown = this.samplingRate;
    }
    const d = this.#decoded;
    const status = decodePacket(data, offset, capturedLength, wireLength, linkType, d);
    if (status !== DecodeStatus.OK) {
      this.decodeErrors[status]++;
      return;
    }
    this.#ctx.fill(data, d, this.tables, this.#namedNow, this.#keepPort);
    this.#protocol = d.protocol;
    this.#vlan = d.vlanId;
    if (this.#flowWords) this.#notFlow();
    this.#count(interfaceIndex, d.ipBytes * this.samplingRate, this.samplingRate);
  }

  /**
   * FlowSink: one flow record from `exporter`, counted as its packets would have been (same
   * direction, named networks, ports roll-up and aggregations), bytes and packets multiplied by
   * its sampling rate. `interfaceIndex` (network.interface.name) defaults to flowInterface.
   */
  record(exporter: number, r: FlowRecord, interfaceIndex: number = this.flowInterface): void {
    const rate = r.samplingRate >= 1 ? r.samplingRate : 1;
    const ported = hasPorts(r.protocol);
    this.#ctx.fillWords(r.src, r.dst, r.v6, ported ? r.srcPort : 0, ported ? r.dstPort : 0, this.tables, this.#namedNow, this.#keepPort);
    this.#protocol = r.protocol & 0xff;
    this.#vlan = r.vlanId & 0xfff;
    this.#setFlow(exporter, r.inputIf, r.outputIf);
    this.#count(interfaceIndex, r.bytes * rate, r.packets * rate);
  }

  /**
   * FlowSink: an sFlow sampled header, decoded by the packet decoder (header_protocol 1 Ethernet,
   * 11 IPv4, 12 IPv6) and counted as IP length × rate bytes and `rate` packets. A header the
   * decoder cannot use is counted as FlowError.UNDECODABLE_HEADER in `stats` (default flowStats).
   */
  sampledHeader(exporter: number, data: Uint8Array, offset: number, headerLength: number, frameLength: number,
    headerProtocol: number, samplingRate: number, inputIf: number, outputIf: number,
    interfaceIndex: number = this.flowInterface, stats: FlowStats | undefined = this.flowStats): void {
    const linkType = headerProtocol === SflowHeaderProtocol.ETHERNET ? LinkType.ETHERNET
      : headerProtocol === SflowHeaderProtocol.IPV4 ? LinkType.IPV4
        : headerProtocol === SflowHeaderProtocol.IPV6 ? LinkType.IPV6 : -1;
    const d = this.#decoded;
    if (linkType < 0 || decodePacket(data, offset, headerLength, frameLength, linkType, d) !== DecodeStatus.OK) {
      stats?.error(exporter, FlowError.UNDECODABLE_HEADER);
      return;
    }
    const rate = samplingRate >= 1 ? samplingRate : 1;
    this.#ctx.fill(data, d, this.tables, this.#namedNow, this.#keepPort);
    this.#protocol = d.protocol;
    this.#vlan = d.vlanId;
    this.#setFlow(exporter, inputIf, outputIf);
    this.#count(interfaceIndex, d.ipBytes * rate, rate);
  }

  /** Captured packets keep no flow fields. */
  #notFlow(): void {
    if (!this.#flowSet) return;
    this.#flow.fill(0);
    this.#flowSet = false;
  }

  #setFlow(exporter: number, inIf: number, outIf: number): void {
    const f = this.#flow;
    this.#flowSet = true;
    f[0] = exporter + 1;
    f[1] = inIf;
    f[2] = outIf;
    const names = this.interfaceNames;
    if (!this.#names) {
      f[3] = 0; f[4] = 0;
    } else if (names === undefined) {
      f[3] = inIf & 0x7fffffff; f[4] = outIf & 0x7fffffff;
    } else {
      names.write(exporter, inIf, f, 3);
      names.write(exporter, outIf, f, 4);
    }
  }

  /** Adds the packet or record in the context to every aggregation counted per packet. */
  #count(interfaceIndex: number, bytes: number, packets: number): void {
    const ctx = this.#ctx;
    this.totalBytes += bytes;
    this.totalPackets += packets;
    if (ctx.direction === Direction.INTERNAL) this.internalBytes += bytes;
    if (this.#everyPacket) {
      const specs = this.aggregations;
      for (let i = 0; i < specs.length; i++) {
        const table = this.flowTables[i];
        this.#countIn(specs[i], table, interfaceIndex, bytes, packets);
        if (table.size >= this.#fillMark && !this.#fillSignalled) this.#signalFilling();
      }
      return;
    }
    const order = this.#perPacket;
    let direct = false;
    for (let n = 0; n < order.length; n++) {
      const i = order[n];
      if (this.#countOne(i, interfaceIndex, bytes, packets)) {
        this.#direct[i] = 1;
        direct = true;
      }
    }
    if (direct) this.#countDirect(interfaceIndex, bytes, packets);
  }

  /**
   * Counts the packet in aggregation i's flow table (a full table with derived aggregations hands
   * its entries over first) and signals a filling table; true when the aggregations derived from i
   * must count this packet directly (i's table did not take it, was derived or counts directly).
   */
  #countOne(i: number, interfaceIndex: number, bytes: number, packets: number): boolean {
    const table = this.flowTables[i];
    const hasDerived = this.#derivedOf[i].length > 0;
    if (hasDerived && table.size >= table.maxEntries - 1 && !table.derived && !table.direct) this.#deriveFull(i, table);
    const counted = this.#countIn(this.aggregations[i], table, interfaceIndex, bytes, packets);
    if (table.size >= this.#fillMark && !this.#fillSignalled) this.#signalFilling();
    return hasDerived && (!counted || table.derived || table.direct);
  }

  #signalFilling(): void {
    this.#fillSignalled = true;
    this.onTableFilling?.();
  }

  /**
   * Counts the packet in the context, as the per-packet path would, in the aggregations derived
   * from those whose #direct flag is set (their table counts directly this interval, was full, or
   * was already derived).
   */
  #countDirect(interfaceIndex: number, bytes: number, packets: number): void {
    const ctx = this.#ctx;
    let have = -1;
    for (let n = 0; n < this.#sources.length; n++) {
      const i = this.#sources[n];
      if (this.#direct[i] === 0) continue;
      this.#direct[i] = 0;
      // The direction, and the named networks these aggregations need (more look-ups give the same keys).
      const need = this.#namedBelow[i];
      if (have < 0 || (need & ~have) !== 0) {
        have = have < 0 ? need : have | need;
        ctx.classify = true;
        ctx.derive(ctx.srcPort, ctx.dstPort, this.tables, have, this.#keepPort);
        ctx.classify = this.#classify;
      }
      if (i === this.#internalFrom && ctx.direction === Direction.INTERNAL) this.internalBytes += bytes;
      const derived = this.#derivedOf[i];
      for (let m = 0; m < derived.length; m++) {
        const j = derived[m];
        if (this.#countOne(j, interfaceIndex, bytes, packets)) this.#direct[j] = 1;
      }
    }
  }

  /**
   * Hands the entries of every table others derive from, holding at least `minKeys` keys (all
   * when 0), to the derived aggregations' tables.
   * Call it right before emptying the tables: every source table it went through must then be
   * emptied (until it is, its packets are also counted in the derived tables directly). A table
   * already derived since it was last emptied is skipped, so a second call adds nothing.
   *
   * Per source table and flush interval, whichever is cheaper: deriving costs about what counting
   * one packet directly costs, per entry; where entries hold few packets each (DERIVE_MIN_PACKETS,
   * e.g. a million address pairs seen once or twice each), the next interval counts the derived
   * aggregations per packet instead (the plain per-packet path when every source table does), and
   * its entries are then not derived.
   */
  derive(minKeys = 0): void {
    for (let n = 0; n < this.#sources.length; n++) {
      const i = this.#sources[n];
      const table = this.flowTables[i];
      if (!table.derived && table.size >= minKeys) this.#deriveTable(i, table);
    }
  }

  #deriveTable(i: number, table: FlowTable): void {
    const ctx = this.#ctx;
    ctx.classify = true;
    table.derived = true;
    if (!table.direct) {
      if (this.aggregations[i].pairForm) {
        for (let e = 0; e < table.size; e++) this.#derivePair(i, table, e);
      } else {
        for (let e = 0; e < table.size; e++) this.#deriveLocal(i, table, e);
      }
    }
    // Only a table counted per packet switches (a derived one receives whole entries). Packets
    // per entry, unscaled (a flow record counts as its packets: more than one add, never fewer).
    if (this.derivedFrom[i] < 0) {
      let packets = 0;
      for (let e = 0; e < table.size; e++) packets += table.packets[e];
      table.direct = packets < DERIVE_MIN_PACKETS * this.samplingRate * table.size;
      this.#setMode();
    }
    ctx.classify = this.#classify;
    this.#flowSet = true;
  }

  /** Chooses the per-packet path for the next packets from the source tables' modes. */
  #setMode(): void {
    let every = true;
    for (let n = 0; n < this.#sources.length; n++) every &&= this.flowTables[this.#sources[n]].direct;
    this.#everyPacket = every;
    this.#classify = every || this.#internalFrom < 0;
    this.#namedNow = every ? this.#namedAll : this.#named;
  }

  /**
   * Source table `i` is full or one key short of it (the packet in the context, two keys for a
   * local-to-local packet counted for both hosts, may find no room): its entries are derived
   * now, so that this packet and the next ones, counted directly, follow them in the derived
   * tables, as they would per packet. The packet's context is kept.
   */
  #deriveFull(i: number, table: FlowTable): void {
    const saved = this.#savedCtx;
    saved.copyFrom(this.#ctx);
    const protocol = this.#protocol;
    const vlan = this.#vlan;
    this.#savedFlow.set(this.#flow);
    this.#deriveTable(i, table);
    this.#ctx.copyFrom(saved);
    this.#ctx.classify = this.#classify;
    this.#protocol = protocol;
    this.#vlan = vlan;
    this.#flow.set(this.#savedFlow);
  }

  /** Sets the fields of a flow-table key that are not addresses or direction (protocol, VLAN, flow words); returns the interface index. */
  #entryFields(k: Uint32Array): number {
    this.#protocol = (k[KeyWord.PROTO] >>> 8) & 0xff;
    const iface = k[KeyWord.IFACE];
    this.#vlan = iface >>> 16;
    const f = this.#flow;
    for (let w = 0; w < 5; w++) f[w] = k[KeyWord.EXPORTER + w];
    return iface & 0xffff;
  }

  /** Counts entry `e` of pair table `table` (aggregation `i`) in the aggregations derived from it, as its packets would have been. */
  #derivePair(i: number, table: FlowTable, e: number): void {
    const k = this.#key;
    const ctx = this.#ctx;
    table.expand(e, k);
    ctx.v6 = (k[KeyWord.PROTO] & 0xff) === 6;
    for (let w = 0; w < 4; w++) {
      ctx.src[w] = k[KeyWord.A + w];
      ctx.dst[w] = k[KeyWord.B + w];
    }
    const ports = k[KeyWord.PORTS];
    ctx.derive(ports >>> 16, ports & 0xffff, this.tables, this.#namedBelow[i], this.#keepPort);
    const iface = this.#entryFields(k);
    const bytes = table.bytes[e];
    const packets = table.packets[e];
    if (i === this.#internalFrom && ctx.direction === Direction.INTERNAL) this.internalBytes += bytes;
    const derived = this.#derivedOf[i];
    for (let n = 0; n < derived.length; n++) this.#countIn(this.aggregations[derived[n]], this.flowTables[derived[n]], iface, bytes, packets);
  }

  /**
   * Counts entry `e` of local/remote table `table` (aggregation `i`: keeps the local address and
   * the direction) in the aggregations derived from it: one entry each, same sides and direction.
   */
  #deriveLocal(i: number, table: FlowTable, e: number): void {
    const k = this.#key;
    table.expand(e, k);
    const v6 = (k[KeyWord.PROTO] & 0xff) === 6;
    this.#ctx.v6 = v6;
    const a = this.#a;
    const b = this.#b;
    for (let w = 0; w < 4; w++) {
      a[w] = k[KeyWord.A + w];
      b[w] = k[KeyWord.B + w];
    }
    const direction = (k[KeyWord.PROTO] >>> 16) & 0xff;
    const ports = k[KeyWord.PORTS];
    const iface = this.#entryFields(k);
    const bytes = table.bytes[e];
    const packets = table.packets[e];
    const named = this.tables.named;
    const derived = this.#derivedOf[i];
    for (let n = 0; n < derived.length; n++) {
      const spec = this.aggregations[derived[n]];
      const out = this.flowTables[derived[n]];
      if (direction === Direction.TRANSIT) {
        this.#addTransit(spec, out, iface, bytes, packets);
      } else {
        const aNet = named !== undefined && spec.aNet ? lookupAddress(named, a, v6) : -1;
        const bNet = named !== undefined && spec.bNet ? lookupAddress(named, b, v6) : -1;
        this.#add(spec, out, a, aNet, ports >>> 16, b, bNet, ports & 0xffff, direction, iface, bytes, packets);
      }
    }
  }

  /** Adds the packet in the context to one aggregation's table; false if a key found it full. */
  #countIn(spec: AggregationSpec, table: FlowTable, interfaceIndex: number, bytes: number, packets: number): boolean {
    const ctx = this.#ctx;
    if (!spec.localSide) {
      return this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.direction, interfaceIndex, bytes, packets);
    } else if (ctx.direction === Direction.RECEIVE) {
      return this.#add(spec, table, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.src, ctx.srcNet, ctx.srcPort, Direction.RECEIVE, interfaceIndex, bytes, packets);
    } else if (ctx.direction === Direction.TRANSMIT) {
      return this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.TRANSMIT, interfaceIndex, bytes, packets);
    } else if (ctx.direction === Direction.INTERNAL && this.#internalBoth) {
      const sent = this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.INTERNAL, interfaceIndex, bytes, packets);
      const received = this.#add(spec, table, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.src, ctx.srcNet, ctx.srcPort, Direction.INTERNAL_RECEIVE, interfaceIndex, bytes, packets);
      return sent && received;
    } else if (ctx.direction === Direction.INTERNAL) {
      return this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.INTERNAL, interfaceIndex, bytes, packets);
    }
    return this.#addTransit(spec, table, interfaceIndex, bytes, packets);
  }

  #add(spec: AggregationSpec, table: FlowTable, a: Uint32Array, aNet: number, aPort: number, b: Uint32Array, bNet: number, bPort: number,
    direction: number, interfaceIndex: number, bytes: number, packets: number): boolean {
    const out = table.scratch;
    const ctx = this.#ctx;
    const t = this.tables;
    writeSide(out, KeyWord.A, KeyWord.A_NET, spec.aMode, spec.aNet, a, ctx.v6, aNet, t, spec.prefix4, spec.prefix6);
    writeSide(out, KeyWord.B, KeyWord.B_NET, spec.bMode, spec.bNet, b, ctx.v6, bNet, t, spec.prefix4, spec.prefix6);
    writeCommon(out, spec, aPort, bPort, ctx.v6, this.#protocol, direction, interfaceIndex, this.#vlan);
    if (spec.flowWords) writeFlow(out, spec, this.#flow);
    return table.add(bytes, packets);
  }

  /** A packet with no local side, in a local/remote aggregation: no sides, direction transit. */
  #addTransit(spec: AggregationSpec, table: FlowTable, interfaceIndex: number, bytes: number, packets: number): boolean {
    const out = table.scratch;
    const ctx = this.#ctx;
    writeSide(out, KeyWord.A, KeyWord.A_NET, SideMode.NONE, false, ctx.src, ctx.v6, -1, this.tables, 0, 0);
    writeSide(out, KeyWord.B, KeyWord.B_NET, SideMode.NONE, false, ctx.dst, ctx.v6, -1, this.tables, 0, 0);
    writeCommon(out, spec, 0, 0, ctx.v6, this.#protocol, Direction.TRANSIT, interfaceIndex, this.#vlan);
    if (spec.flowWords) writeFlow(out, spec, this.#flow);
    return table.add(bytes, packets);
  }

  /** Called by whoever emptied the tables, to re-arm onTableFilling. */
  tableFlushed(): void {
    this.#fillSignalled = false;
  }
}

/** Protocols whose ports decoded packets carry (TCP, UDP, DCCP, SCTP, UDP-Lite); others count port 0. */
function hasPorts(protocol: number): boolean {
  return protocol === 6 || protocol === 17 || protocol === 33 || protocol === 132 || protocol === 136;
}

/**
 * The FlowSink one listener's decoder writes to: the accountant's, with the listener's
 * network.interface.name (`sflow`, `netflow`) and its decoder's FlowStats for headers the packet
 * decoder cannot use. Made once per listener; nothing per record.
 */
export class FlowInput implements FlowSink {
  readonly #accountant: Accountant;
  readonly #interface: number;
  readonly #stats: FlowStats;

  constructor(accountant: Accountant, interfaceIndex: number, stats: FlowStats) {
    this.#accountant = accountant;
    this.#interface = interfaceIndex;
    this.#stats = stats;
  }

  record(exporter: number, r: FlowRecord): void {
    this.#accountant.record(exporter, r, this.#interface);
  }

  sampledHeader(exporter: number, data: Uint8Array, offset: number, headerLength: number, frameLength: number,
    headerProtocol: number, samplingRate: number, inputIf: number, outputIf: number): void {
    this.#accountant.sampledHeader(exporter, data, offset, headerLength, frameLength, headerProtocol, samplingRate, inputIf, outputIf, this.#interface, this.#stats);
  }
}
