import type { PacketSink } from '../capture/packet-sink.ts';
import { decodePacket } from '../decode/decode-packet.ts';
import { DECODE_STATUS_COUNT, DecodeResult, DecodeStatus } from '../decode/decode-result.ts';
import { LinkType } from '../decode/link-type.ts';
import type { InterfaceNames } from '../flow/interface-names.ts';
import { FlowError, SflowHeaderProtocol, type FlowRecord, type FlowSink, type FlowStats } from '../flow/flow-sink.ts';
import { SideMode, type AggregationSpec } from './aggregation-spec.ts';
import { KeyWord, writeCommon, writeFlow, writeSide } from './flow-key.ts';
import { FlowTable } from './flow-table.ts';
import type { NetworkTables } from './network-tables.ts';
import { Direction, NamedSides, PacketContext } from './packet-context.ts';

/**
 * Keys in a flow table that call for a flush: ¾ of the table, but at most 16384. Small flushes
 * keep what the SDK and the garbage collector handle at once small during an address scan
 * (memory stays flat); the rest of the table absorbs what arrives until the flush runs.
 */
export function flushMark(maxFlows: number): number {
  return Math.max(1, Math.min(Math.floor(maxFlows * 0.75), 16384));
}

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
}

/**
 * The per-packet path: sample, decode once, derive the packet context once, then add the packet
 * to every aggregation's flow table. Also keeps the counters self-telemetry reports. Nothing
 * here allocates, throws or calls the OpenTelemetry SDK.
 */
export class Accountant implements PacketSink, FlowSink {
  readonly aggregations: readonly AggregationSpec[];
  /** One flow table per aggregation, same order. */
  readonly flowTables: readonly FlowTable[];
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
  /** NamedSides bits: whose named network the aggregations need. */
  readonly #named: number;
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

  constructor(o: AccountantOptions) {
    this.aggregations = o.aggregations;
    this.tables = o.tables;
    this.samplingRate = o.samplingRate;
    this.flowTables = o.aggregations.map((spec) => new FlowTable(o.maxFlows, spec.keyWords));
    this.#fillMark = flushMark(o.maxFlows);
    let named = 0;
    for (const a of o.aggregations) {
      if (!a.wantsNamed) continue;
      if (a.localSide) named |= (a.aNet ? NamedSides.LOCAL : 0) | (a.bNet ? NamedSides.REMOTE : 0);
      else named |= (a.aNet ? NamedSides.SOURCE : 0) | (a.bNet ? NamedSides.DESTINATION : 0);
    }
    this.#named = named;
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
    this.#ctx.fill(data, d, this.tables, this.#named, this.#keepPort);
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
    this.#ctx.fillWords(r.src, r.dst, r.v6, ported ? r.srcPort : 0, ported ? r.dstPort : 0, this.tables, this.#named, this.#keepPort);
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
    this.#ctx.fill(data, d, this.tables, this.#named, this.#keepPort);
    this.#protocol = d.protocol;
    this.#vlan = d.vlanId;
    this.#setFlow(exporter, inputIf, outputIf);
    this.#count(interfaceIndex, d.ipBytes * rate, rate);
  }

  /** Captured packets keep no flow fields. */
  #notFlow(): void {
    this.#flow.fill(0);
  }

  #setFlow(exporter: number, inIf: number, outIf: number): void {
    const f = this.#flow;
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

  /** Adds the packet or record in the context to every aggregation. */
  #count(interfaceIndex: number, bytes: number, packets: number): void {
    const ctx = this.#ctx;
    this.totalBytes += bytes;
    this.totalPackets += packets;
    if (ctx.direction === Direction.INTERNAL) this.internalBytes += bytes;
    const specs = this.aggregations;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const table = this.flowTables[i];
      if (!spec.localSide) {
        this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.direction, interfaceIndex, bytes, packets);
      } else if (ctx.direction === Direction.RECEIVE) {
        this.#add(spec, table, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.src, ctx.srcNet, ctx.srcPort, Direction.RECEIVE, interfaceIndex, bytes, packets);
      } else if (ctx.direction === Direction.TRANSMIT) {
        this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.TRANSMIT, interfaceIndex, bytes, packets);
      } else if (ctx.direction === Direction.INTERNAL && this.#internalBoth) {
        this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.INTERNAL, interfaceIndex, bytes, packets);
        this.#add(spec, table, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.src, ctx.srcNet, ctx.srcPort, Direction.INTERNAL_RECEIVE, interfaceIndex, bytes, packets);
      } else if (ctx.direction === Direction.INTERNAL) {
        this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.INTERNAL, interfaceIndex, bytes, packets);
      } else {
        this.#addTransit(spec, table, interfaceIndex, bytes, packets);
      }
      if (table.size >= this.#fillMark && !this.#fillSignalled) {
        this.#fillSignalled = true;
        this.onTableFilling?.();
      }
    }
  }

  #add(spec: AggregationSpec, table: FlowTable, a: Uint32Array, aNet: number, aPort: number, b: Uint32Array, bNet: number, bPort: number,
    direction: number, interfaceIndex: number, bytes: number, packets: number): void {
    const out = table.scratch;
    const ctx = this.#ctx;
    const t = this.tables;
    writeSide(out, KeyWord.A, KeyWord.A_NET, spec.aMode, spec.aNet, a, ctx.v6, aNet, t, spec.prefix4, spec.prefix6);
    writeSide(out, KeyWord.B, KeyWord.B_NET, spec.bMode, spec.bNet, b, ctx.v6, bNet, t, spec.prefix4, spec.prefix6);
    writeCommon(out, spec, aPort, bPort, ctx.v6, this.#protocol, direction, interfaceIndex, this.#vlan);
    if (spec.flowWords) writeFlow(out, spec, this.#flow);
    table.add(bytes, packets);
  }

  /** A packet with no local side, in a local/remote aggregation: no sides, direction transit. */
  #addTransit(spec: AggregationSpec, table: FlowTable, interfaceIndex: number, bytes: number, packets: number): void {
    const out = table.scratch;
    const ctx = this.#ctx;
    writeSide(out, KeyWord.A, KeyWord.A_NET, SideMode.NONE, false, ctx.src, ctx.v6, -1, this.tables, 0, 0);
    writeSide(out, KeyWord.B, KeyWord.B_NET, SideMode.NONE, false, ctx.dst, ctx.v6, -1, this.tables, 0, 0);
    writeCommon(out, spec, 0, 0, ctx.v6, this.#protocol, Direction.TRANSIT, interfaceIndex, this.#vlan);
    if (spec.flowWords) writeFlow(out, spec, this.#flow);
    table.add(bytes, packets);
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
