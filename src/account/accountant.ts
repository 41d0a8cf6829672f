import type { PacketSink } from '../capture/packet-sink.ts';
import { decodePacket } from '../decode/decode-packet.ts';
import { DECODE_STATUS_COUNT, DecodeResult, DecodeStatus } from '../decode/decode-result.ts';
import { SideMode, type AggregationSpec } from './aggregation-spec.ts';
import { KeyWord, writeCommon, writeSide } from './flow-key.ts';
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
export class Accountant implements PacketSink {
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
    const ctx = this.#ctx;
    ctx.fill(data, d, this.tables, this.#named, this.#keepPort);
    const rate = this.samplingRate;
    const bytes = d.ipBytes * rate;
    this.totalBytes += bytes;
    this.totalPackets += rate;
    if (ctx.direction === Direction.INTERNAL) this.internalBytes += bytes;
    const specs = this.aggregations;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const table = this.flowTables[i];
      if (!spec.localSide) {
        this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.direction, interfaceIndex, bytes, rate);
      } else if (ctx.direction === Direction.RECEIVE) {
        this.#add(spec, table, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.src, ctx.srcNet, ctx.srcPort, Direction.RECEIVE, interfaceIndex, bytes, rate);
      } else if (ctx.direction === Direction.TRANSMIT) {
        this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.TRANSMIT, interfaceIndex, bytes, rate);
      } else if (ctx.direction === Direction.INTERNAL && this.#internalBoth) {
        this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.INTERNAL, interfaceIndex, bytes, rate);
        this.#add(spec, table, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.src, ctx.srcNet, ctx.srcPort, Direction.INTERNAL_RECEIVE, interfaceIndex, bytes, rate);
      } else if (ctx.direction === Direction.INTERNAL) {
        this.#add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.INTERNAL, interfaceIndex, bytes, rate);
      } else {
        this.#addTransit(spec, table, interfaceIndex, bytes, rate);
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
    writeCommon(out, spec, aPort, bPort, ctx.v6, this.#decoded.protocol, direction, interfaceIndex, this.#decoded.vlanId);
    table.add(bytes, packets);
  }

  /** A packet with no local side, in a local/remote aggregation: no sides, direction transit. */
  #addTransit(spec: AggregationSpec, table: FlowTable, interfaceIndex: number, bytes: number, packets: number): void {
    const out = table.scratch;
    const ctx = this.#ctx;
    writeSide(out, KeyWord.A, KeyWord.A_NET, SideMode.NONE, false, ctx.src, ctx.v6, -1, this.tables, 0, 0);
    writeSide(out, KeyWord.B, KeyWord.B_NET, SideMode.NONE, false, ctx.dst, ctx.v6, -1, this.tables, 0, 0);
    writeCommon(out, spec, 0, 0, ctx.v6, this.#decoded.protocol, Direction.TRANSIT, interfaceIndex, this.#decoded.vlanId);
    table.add(bytes, packets);
  }

  /** Called by whoever emptied the tables, to re-arm onTableFilling. */
  tableFlushed(): void {
    this.#fillSignalled = false;
  }
}
