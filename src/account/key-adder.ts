import { KeyShape, SideMode, type AggregationSpec } from './aggregation-spec.ts';
import { KeyWord, writeCommon, writeFlow, writeSide } from './flow-key.ts';
import type { FlowTable } from './flow-table.ts';
import type { NetworkTables } from './network-tables.ts';
import { Direction, lookupAddress, type PacketContext } from './packet-context.ts';

/**
 * Adds the packet (or flow record, or derived entry) described by a PacketContext and the fields
 * it does not hold (protocol, VLAN, flow words) to one aggregation's flow table, as that
 * aggregation's key: source/destination, or local/remote by the direction (a local-to-local packet
 * for both hosts under internalTraffic "both"; no sides for transit). Allocates nothing.
 */
export class KeyAdder {
  /** The packet being counted. */
  readonly ctx: PacketContext;
  readonly tables: NetworkTables;
  /** internalTraffic "both": a local-to-local packet counts for the sender and the receiver. */
  readonly internalBoth: boolean;
  /** IP protocol of the packet being counted. */
  protocol = 0;
  /** VLAN id of the packet being counted (0: untagged). */
  vlan = 0;
  /** Flow key words 13..17 (flow-key.ts) of the record being counted: uint32 values stay unboxed here. */
  readonly flow = new Uint32Array(5);
  /** `flow` may hold non-zero words (a flow record or a derived entry was counted since it was zeroed). */
  flowSet = false;

  constructor(ctx: PacketContext, tables: NetworkTables, internalBoth: boolean) {
    this.ctx = ctx;
    this.tables = tables;
    this.internalBoth = internalBoth;
  }

  /** Zeroes the flow words (captured packets keep none) when something may have set them. */
  clearFlow(): void {
    if (!this.flowSet) return;
    this.flow.fill(0);
    this.flowSet = false;
  }

  /**
   * Sets the fields of full flow-table key `k` that are not addresses or direction (protocol, VLAN,
   * flow words); returns its interface index.
   */
  fromKey(k: Uint32Array): number {
    this.protocol = (k[KeyWord.PROTO] >>> 8) & 0xff;
    const iface = k[KeyWord.IFACE];
    this.vlan = iface >>> 16;
    const f = this.flow;
    for (let w = 0; w < 5; w++) f[w] = k[KeyWord.EXPORTER + w];
    this.flowSet = true;
    return iface & 0xffff;
  }

  /**
   * Adds the packet in the context to aggregation `spec`'s table, by its key shape: countLocal()
   * for the KeyShape.LOCAL_* ones, else count(). False if a key found it full.
   */
  countShaped(spec: AggregationSpec, table: FlowTable, interfaceIndex: number, bytes: number, packets: number): boolean {
    return spec.shape === KeyShape.GENERIC ? this.count(spec, table, interfaceIndex, bytes, packets) : this.countLocal(spec, table, bytes, packets);
  }

  /** Adds the packet in the context to aggregation `spec`'s table through the full key (any shape); false if a key found it full. */
  count(spec: AggregationSpec, table: FlowTable, interfaceIndex: number, bytes: number, packets: number): boolean {
    const ctx = this.ctx;
    if (!spec.localSide) {
      return this.add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.direction, interfaceIndex, bytes, packets);
    } else if (ctx.direction === Direction.RECEIVE) {
      return this.add(spec, table, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.src, ctx.srcNet, ctx.srcPort, Direction.RECEIVE, interfaceIndex, bytes, packets);
    } else if (ctx.direction === Direction.TRANSMIT) {
      return this.add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.TRANSMIT, interfaceIndex, bytes, packets);
    } else if (ctx.direction === Direction.INTERNAL && this.internalBoth) {
      const sent = this.add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.INTERNAL, interfaceIndex, bytes, packets);
      const received = this.add(spec, table, ctx.dst, ctx.dstNet, ctx.dstPort, ctx.src, ctx.srcNet, ctx.srcPort, Direction.INTERNAL_RECEIVE, interfaceIndex, bytes, packets);
      return sent && received;
    } else if (ctx.direction === Direction.INTERNAL) {
      return this.add(spec, table, ctx.src, ctx.srcNet, ctx.srcPort, ctx.dst, ctx.dstNet, ctx.dstPort, Direction.INTERNAL, interfaceIndex, bytes, packets);
    }
    return this.addTransit(spec, table, interfaceIndex, bytes, packets);
  }

  /**
   * count() for an aggregation of a KeyShape.LOCAL_* shape, faster: the local side's address
   * (LOCAL_ADDRESS) or named network (LOCAL_NETWORK) and the PROTO word written straight into the
   * table (same entries as count()).
   */
  countLocal(spec: AggregationSpec, table: FlowTable, bytes: number, packets: number): boolean {
    const shape = spec.shape;
    const mask = spec.protoMask;
    const ctx = this.ctx;
    const d = ctx.direction;
    const v6 = ctx.v6;
    const proto = (v6 ? 6 : 4) | (this.protocol << 8);
    if (d === Direction.RECEIVE) return this.#addLocal(shape, table, ctx.dst, ctx.dstNet, v6, (proto | (d << 16)) & mask, bytes, packets);
    if (d === Direction.TRANSMIT || (d === Direction.INTERNAL && !this.internalBoth)) {
      return this.#addLocal(shape, table, ctx.src, ctx.srcNet, v6, (proto | (d << 16)) & mask, bytes, packets);
    }
    if (d === Direction.INTERNAL) {
      const sent = this.#addLocal(shape, table, ctx.src, ctx.srcNet, v6, (proto | (Direction.INTERNAL << 16)) & mask, bytes, packets);
      const received = this.#addLocal(shape, table, ctx.dst, ctx.dstNet, v6, (proto | (Direction.INTERNAL_RECEIVE << 16)) & mask, bytes, packets);
      return sent && received;
    }
    // No local side (transit, or not classified): no address, no network.
    const word = (proto | (Direction.TRANSIT << 16)) & mask;
    if (shape !== KeyShape.LOCAL_ADDRESS) return table.add2(word, 0, bytes, packets);
    return table.add5(0, 0, 0, 0, word, bytes, packets) || this.#standIn(table, undefined, v6, word, bytes, packets);
  }

  /** One local-side key: address words (`| 0`: int32, never boxed) or the network entry + 1, then the PROTO word. */
  #addLocal(shape: number, table: FlowTable, addr: Uint32Array, net: number, v6: boolean, word: number, bytes: number, packets: number): boolean {
    if (shape === KeyShape.LOCAL_NETWORK) return table.add2(word, net >= 0 ? net + 1 : 0, bytes, packets);
    return (v6 ? table.add5(addr[0] | 0, addr[1] | 0, addr[2] | 0, addr[3] | 0, word, bytes, packets) : table.add5(addr[0] | 0, 0, 0, 0, word, bytes, packets)) ||
      this.#standIn(table, addr, v6, word, bytes, packets);
  }

  /**
   * add5() returned false: if its gate stopped the key (FlowTable.setGate), the packet goes to the
   * stand-in of the local address's named network (looked up here; `addr` undefined: no local
   * side, no network); false if the table was full.
   */
  #standIn(table: FlowTable, addr: Uint32Array | undefined, v6: boolean, word: number, bytes: number, packets: number): boolean {
    if (!table.stopped) return false;
    table.stopped = false;
    const named = this.tables.named;
    const net = addr === undefined || named === undefined ? -1 : lookupAddress(named, addr, v6);
    return table.addStandIn(net + 1, word, bytes, packets);
  }

  /** Adds one key: side A `a` (its named-network entry, port), side B `b`, the direction given. */
  add(spec: AggregationSpec, table: FlowTable, a: Uint32Array, aNet: number, aPort: number, b: Uint32Array, bNet: number, bPort: number,
    direction: number, interfaceIndex: number, bytes: number, packets: number): boolean {
    const out = table.scratch;
    const ctx = this.ctx;
    const t = this.tables;
    writeSide(out, KeyWord.A, KeyWord.A_NET, spec.aMode, spec.aNet, a, ctx.v6, aNet, t, spec.prefix4, spec.prefix6);
    writeSide(out, KeyWord.B, KeyWord.B_NET, spec.bMode, spec.bNet, b, ctx.v6, bNet, t, spec.prefix4, spec.prefix6);
    writeCommon(out, spec, aPort, bPort, ctx.v6, this.protocol, direction, interfaceIndex, this.vlan);
    if (spec.flowWords) writeFlow(out, spec, this.flow);
    return table.add(bytes, packets);
  }

  /** A packet with no local side, in a local/remote aggregation: no sides, direction transit. */
  addTransit(spec: AggregationSpec, table: FlowTable, interfaceIndex: number, bytes: number, packets: number): boolean {
    const out = table.scratch;
    const ctx = this.ctx;
    writeSide(out, KeyWord.A, KeyWord.A_NET, SideMode.NONE, false, ctx.src, ctx.v6, -1, this.tables, 0, 0);
    writeSide(out, KeyWord.B, KeyWord.B_NET, SideMode.NONE, false, ctx.dst, ctx.v6, -1, this.tables, 0, 0);
    writeCommon(out, spec, 0, 0, ctx.v6, this.protocol, Direction.TRANSIT, interfaceIndex, this.vlan);
    if (spec.flowWords) writeFlow(out, spec, this.flow);
    return table.add(bytes, packets);
  }
}
