import type { PacketSink } from '../capture/packet-sink.ts';
import { decodePacket } from '../decode/decode-packet.ts';
import { DECODE_STATUS_COUNT, DecodeResult, DecodeStatus } from '../decode/decode-result.ts';
import { LinkType } from '../decode/link-type.ts';
import type { InterfaceNames } from '../flow/interface-names.ts';
import { FlowError, SflowHeaderProtocol, type FlowRecord, type FlowSink, type FlowStats } from '../flow/flow-sink.ts';
import { flushMark, type AccountantOptions } from './accountant-options.ts';
import { derivationSources, type AggregationSpec } from './aggregation-spec.ts';
import { Derivation } from './derivation.ts';
import { FlowTable } from './flow-table.ts';
import { KeyAdder } from './key-adder.ts';
import type { NetworkTables } from './network-tables.ts';
import { Direction, PacketContext } from './packet-context.ts';

export { DERIVE_MIN_PACKETS, flushMark, type AccountantOptions } from './accountant-options.ts';
export { FlowInput } from './flow-input.ts';

/**
 * The per-packet path: sample, decode once, derive the packet context once, then add the packet
 * to the flow table of every aggregation counted per packet. Also keeps the counters
 * self-telemetry reports. Nothing here allocates, throws or calls the OpenTelemetry SDK.
 *
 * Derived aggregations: an aggregation whose keys are a function of another one's keys
 * (derivationSources: per local host and direction from the address pairs, per site and
 * direction from per host) is not counted per packet. Its flow table is filled by `derive()`,
 * which whoever empties the tables calls first: each entry of the source table is added to it as
 * one packet of that key would have been (same direction, local side, named networks, internal
 * traffic counted for both hosts or once). Counted directly instead, as if per packet:
 * everything from the moment a source table is full (its entries are derived then, so the rest
 * follows them), everything after its entries were derived and before it is emptied, and, for a
 * flush interval, everything of a per-packet source table whose previous interval's entries held
 * fewer than DERIVE_MIN_PACKETS packets each (deriving would cost as much as counting): per host
 * is then counted per packet, per site still from the per-host entries. The derived tables
 * therefore hold what per-packet counting would have put there, in the same order, at every flush.
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
  /** Writes the packet in #ctx into a table as an aggregation's key (and holds its other fields). */
  readonly #keys: KeyAdder;
  /** Sources, derived aggregations and the per-packet path's mode. */
  readonly #derivation: Derivation;
  /** Per aggregation: its derived aggregations must count the current packet directly. */
  readonly #direct: Uint8Array;
  readonly #fillMark: number;
  #fillSignalled = false;
  #countdown = 1;
  /** Some aggregation keeps a flow dimension / an interface name. */
  readonly #flowWords: boolean;
  readonly #names: boolean;

  constructor(o: AccountantOptions) {
    this.aggregations = o.aggregations;
    this.tables = o.tables;
    this.samplingRate = o.samplingRate;
    const specs = o.aggregations;
    const from = o.derive === false ? specs.map(() => -1) : derivationSources(specs);
    this.derivedFrom = from;
    if (o.ports.length > 0) {
      this.#keepPort = new Uint8Array(65536);
      for (const p of o.ports) this.#keepPort[p] = 1;
    }
    // A derived table receives at most a whole source table's keys at a flush on top of what it
    // holds (below the flush mark, or up to maxFlows counted directly): twice maxFlows never
    // overflows where per-packet counting would not have.
    this.flowTables = specs.map((spec, i) => new FlowTable(from[i] < 0 ? o.maxFlows : 2 * o.maxFlows, spec.keyWords));
    this.#keys = new KeyAdder(this.#ctx, o.tables, o.internalTraffic === 'both');
    this.#derivation = new Derivation(specs, from, this.flowTables, this.#keys, this, o.samplingRate, this.#keepPort);
    this.#ctx.classify = this.#derivation.classify;
    this.#direct = new Uint8Array(specs.length);
    this.#fillMark = flushMark(o.maxFlows);
    this.#flowWords = o.aggregations.some((a) => a.flowWords);
    this.#names = o.aggregations.some((a) => a.inName || a.outName);
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
    this.#ctx.fill(data, d, this.tables, this.#derivation.namedNow, this.#keepPort);
    this.#keys.protocol = d.protocol;
    this.#keys.vlan = d.vlanId;
    if (this.#flowWords) this.#keys.clearFlow();
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
    this.#ctx.fillWords(r.src, r.dst, r.v6, ported ? r.srcPort : 0, ported ? r.dstPort : 0, this.tables, this.#derivation.namedNow, this.#keepPort);
    this.#keys.protocol = r.protocol & 0xff;
    this.#keys.vlan = r.vlanId & 0xfff;
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
    this.#ctx.fill(data, d, this.tables, this.#derivation.namedNow, this.#keepPort);
    this.#keys.protocol = d.protocol;
    this.#keys.vlan = d.vlanId;
    this.#setFlow(exporter, inputIf, outputIf);
    this.#count(interfaceIndex, d.ipBytes * rate, rate);
  }

  #setFlow(exporter: number, inIf: number, outIf: number): void {
    const f = this.#keys.flow;
    this.#keys.flowSet = true;
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
    const dv = this.#derivation;
    let direct = false;
    if (dv.everyPacket) {
      const specs = this.aggregations;
      const list = dv.everyList;
      for (let n = 0; n < list.length; n++) {
        const i = list[n];
        const table = this.flowTables[i];
        if (dv.chainSource[i]) {
          if (this.#countOne(i, interfaceIndex, bytes, packets)) {
            this.#direct[i] = 1;
            direct = true;
          }
          continue;
        }
        this.#keys.countShaped(specs[i], table, interfaceIndex, bytes, packets);
        if (table.size >= this.#fillMark && !this.#fillSignalled) this.#signalFilling();
      }
      if (direct) this.#countDirect(interfaceIndex, bytes, packets);
      return;
    }
    const order = dv.perPacket;
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
    const hasDerived = this.#derivation.derivedOf[i].length > 0;
    if (hasDerived && table.size >= table.maxEntries - 1 && !table.derived && !table.direct) this.#derivation.deriveFull(i, table);
    const counted = this.#keys.countShaped(this.aggregations[i], table, interfaceIndex, bytes, packets);
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
    const dv = this.#derivation;
    let have = -1;
    for (let n = 0; n < dv.sources.length; n++) {
      const i = dv.sources[n];
      if (this.#direct[i] === 0) continue;
      this.#direct[i] = 0;
      // The direction, and the named networks these aggregations need (more look-ups give the same keys).
      const need = dv.namedBelow[i];
      if (have < 0 || (need & ~have) !== 0) {
        have = have < 0 ? need : have | need;
        ctx.classify = true;
        ctx.derive(ctx.srcPort, ctx.dstPort, this.tables, have, this.#keepPort);
        ctx.classify = dv.classify;
      }
      if (i === dv.internalFrom && ctx.direction === Direction.INTERNAL) this.internalBytes += bytes;
      const derived = dv.derivedOf[i];
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
    this.#derivation.derive(minKeys);
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
