import type { ResolvedAggregation } from '../config/aggregations.ts';
import { KeyWord } from './flow-key.ts';
import { LOCAL_DIMENSIONS, NETWORK_DIMENSIONS } from '../config/dimensions.ts';
import {
  ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_NETWORK, ATTR_DESTINATION_PORT, ATTR_DESTINATION_PREFIX,
  ATTR_DIRECTION, ATTR_LOCAL_ADDRESS, ATTR_LOCAL_NETWORK, ATTR_LOCAL_PORT, ATTR_LOCAL_PREFIX,
  ATTR_NETWORK_INTERFACE_NAME, ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_TYPE, ATTR_REMOTE_ADDRESS, ATTR_REMOTE_NETWORK,
  ATTR_REMOTE_PORT, ATTR_REMOTE_PREFIX, ATTR_SOURCE_ADDRESS, ATTR_SOURCE_NETWORK, ATTR_SOURCE_PORT,
  ATTR_SOURCE_PREFIX, ATTR_VLAN_ID,
  ATTR_EXPORTER_ADDRESS, ATTR_INGRESS_INTERFACE_ID, ATTR_EGRESS_INTERFACE_ID, ATTR_INGRESS_INTERFACE_NAME, ATTR_EGRESS_INTERFACE_NAME,
} from '../export/semconv.ts';

/** What a flow key keeps of one side's address. */
export const SideMode = { NONE: 0, ADDRESS: 1, PREFIX: 2 } as const;

/**
 * Keys KeyAdder writes straight into their flow table (no full key, no per-dimension branches):
 * LOCAL_ADDRESS keeps exactly the local address and the PROTO word (per host, e.g. [otelacct.local.address,
 * network.io.direction]); LOCAL_NETWORK exactly the PROTO word and the local side's named network
 * (per site). GENERIC: everything else, through the full key.
 */
export const KeyShape = { GENERIC: 0, LOCAL_ADDRESS: 1, LOCAL_NETWORK: 2 } as const;

/**
 * An aggregation compiled for the per-packet path: which fields its flow keys keep. Side A is the
 * source (or the local side), side B the destination (or the remote side).
 */
export class AggregationSpec {
  readonly name: string;
  readonly dimensions: readonly string[];
  readonly cardinalityLimit: number;
  /** Seconds without traffic before a series leaves (0: never). */
  readonly idleTimeout: number;
  /** What a new key past the limit becomes (series-store.ts). */
  readonly overflowPolicy: 'rollup' | 'overflow';
  /** Local/remote orientation (else source/destination). */
  readonly localSide: boolean;
  readonly aMode: number;
  readonly bMode: number;
  /** Keep the named-network entry of side A / B. */
  readonly aNet: boolean;
  readonly bNet: boolean;
  readonly aPort: boolean;
  readonly bPort: boolean;
  readonly protocol: boolean;
  readonly iface: boolean;
  readonly vlan: boolean;
  readonly direction: boolean;
  /** Flow dimensions kept: exporter, ingress/egress ifIndex, ingress/egress interface name. */
  readonly exporter: boolean;
  readonly inIf: boolean;
  readonly outIf: boolean;
  readonly inName: boolean;
  readonly outName: boolean;
  /** Keeps any flow dimension (key words 13..17 must be written, zero for captured packets). */
  readonly flowWords: boolean;
  /** Roll-up lengths for *.prefix of addresses no named network matches. */
  readonly prefix4: number;
  readonly prefix6: number;
  /** Needs the named-network lookups (a *.network or *.prefix dimension). */
  readonly wantsNamed: boolean;
  /** Needs accounting.localNetworks (local/remote dimensions or the direction). */
  readonly wantsLocal: boolean;
  /**
   * The flow-key words (flow-key.ts layout) this aggregation's keys can hold non-zero: what the
   * series store keeps per series. The PROTO word (IP version, roll-up level) is always kept.
   */
  readonly keyWords: readonly number[];
  /**
   * Keys keep the IP version: it formats addresses and prefixes, and network.type shows it. Without
   * those, IPv4 and IPv6 packets of one network share a key (their attributes are the same).
   */
  readonly keepVersion: boolean;
  /**
   * Keeps both addresses in source/destination orientation (and so the IP version): every local
   * side, direction and named network of a packet follows from its key (see derivableFrom).
   */
  readonly pairForm: boolean;
  /** How KeyAdder writes this aggregation's keys (KeyShape). */
  readonly shape: number;
  /**
   * The PROTO word's bits this aggregation keeps (IP version 0xff, protocol 0xff00, direction
   * 0xff0000): the word is (version | protocol << 8 | direction << 16) & protoMask.
   */
  readonly protoMask: number;

  constructor(agg: ResolvedAggregation) {
    const has = (d: string) => agg.dimensions.includes(d);
    this.name = agg.name;
    this.dimensions = agg.dimensions;
    this.cardinalityLimit = agg.cardinalityLimit;
    this.idleTimeout = agg.idleTimeout;
    this.overflowPolicy = agg.overflowPolicy;
    this.localSide = agg.dimensions.some((d) => LOCAL_DIMENSIONS.includes(d));
    const [aAddr, aPrefix, aNet, aPort] = this.localSide
      ? [ATTR_LOCAL_ADDRESS, ATTR_LOCAL_PREFIX, ATTR_LOCAL_NETWORK, ATTR_LOCAL_PORT]
      : [ATTR_SOURCE_ADDRESS, ATTR_SOURCE_PREFIX, ATTR_SOURCE_NETWORK, ATTR_SOURCE_PORT];
    const [bAddr, bPrefix, bNet, bPort] = this.localSide
      ? [ATTR_REMOTE_ADDRESS, ATTR_REMOTE_PREFIX, ATTR_REMOTE_NETWORK, ATTR_REMOTE_PORT]
      : [ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_PREFIX, ATTR_DESTINATION_NETWORK, ATTR_DESTINATION_PORT];
    this.aMode = has(aAddr) ? SideMode.ADDRESS : has(aPrefix) ? SideMode.PREFIX : SideMode.NONE;
    this.bMode = has(bAddr) ? SideMode.ADDRESS : has(bPrefix) ? SideMode.PREFIX : SideMode.NONE;
    this.aNet = has(aNet) || this.aMode === SideMode.PREFIX;
    this.bNet = has(bNet) || this.bMode === SideMode.PREFIX;
    this.aPort = has(aPort);
    this.bPort = has(bPort);
    this.protocol = has(ATTR_NETWORK_TRANSPORT);
    this.iface = has(ATTR_NETWORK_INTERFACE_NAME);
    this.vlan = has(ATTR_VLAN_ID);
    this.direction = has(ATTR_DIRECTION);
    this.exporter = has(ATTR_EXPORTER_ADDRESS);
    this.inIf = has(ATTR_INGRESS_INTERFACE_ID);
    this.outIf = has(ATTR_EGRESS_INTERFACE_ID);
    this.inName = has(ATTR_INGRESS_INTERFACE_NAME);
    this.outName = has(ATTR_EGRESS_INTERFACE_NAME);
    this.flowWords = this.exporter || this.inIf || this.outIf || this.inName || this.outName;
    this.prefix4 = agg.prefixLength.ipv4;
    this.prefix6 = agg.prefixLength.ipv6;
    this.wantsNamed = this.aNet || this.bNet || agg.dimensions.some((d) => NETWORK_DIMENSIONS.includes(d));
    this.wantsLocal = this.localSide || this.direction;
    this.keepVersion = this.aMode !== SideMode.NONE || this.bMode !== SideMode.NONE || has(ATTR_NETWORK_TYPE);
    const words: number[] = [];
    if (this.aMode !== SideMode.NONE) words.push(KeyWord.A, KeyWord.A + 1, KeyWord.A + 2, KeyWord.A + 3);
    if (this.bMode !== SideMode.NONE) words.push(KeyWord.B, KeyWord.B + 1, KeyWord.B + 2, KeyWord.B + 3);
    if (this.aPort || this.bPort) words.push(KeyWord.PORTS);
    words.push(KeyWord.PROTO);
    if (this.iface || this.vlan) words.push(KeyWord.IFACE);
    if (this.aNet) words.push(KeyWord.A_NET);
    if (this.bNet) words.push(KeyWord.B_NET);
    if (this.exporter) words.push(KeyWord.EXPORTER);
    if (this.inIf) words.push(KeyWord.IN_IF);
    if (this.outIf) words.push(KeyWord.OUT_IF);
    if (this.inName) words.push(KeyWord.IN_NAME);
    if (this.outName) words.push(KeyWord.OUT_NAME);
    this.keyWords = words;
    this.pairForm = !this.localSide && this.aMode === SideMode.ADDRESS && this.bMode === SideMode.ADDRESS;
    this.protoMask = (this.keepVersion ? 0xff : 0) | (this.protocol ? 0xff00 : 0) | (this.direction ? 0xff0000 : 0);
    const only = (...w: number[]) => words.length === w.length && w.every((x, i) => words[i] === x);
    this.shape = !this.localSide ? KeyShape.GENERIC
      : this.aMode === SideMode.ADDRESS && only(KeyWord.A, KeyWord.A + 1, KeyWord.A + 2, KeyWord.A + 3, KeyWord.PROTO) ? KeyShape.LOCAL_ADDRESS
        : this.aMode === SideMode.NONE && only(KeyWord.PROTO, KeyWord.A_NET) ? KeyShape.LOCAL_NETWORK : KeyShape.GENERIC;
  }

  /**
   * Whether every key of this aggregation is a function of a key of `source` (with the same
   * network tables and internalTraffic setting): then it can be counted from `source`'s flow-table
   * entries when they are flushed instead of per packet (Accountant.derive). True when `source`
   *  - keeps both addresses in source/destination orientation (pairForm: the direction, local
   *    sides, named networks and prefixes follow from them) and this one is not pairForm itself, or
   *  - is local/remote, keeps the local address and the direction, and this one is local/remote
   *    too and needs the remote address only if `source` keeps it;
   * and `source` keeps every other field this one keeps (ports, protocol, interface, VLAN, flow fields).
   */
  derivableFrom(source: AggregationSpec): boolean {
    if (source === this) return false;
    let sides: boolean;
    if (source.pairForm) {
      sides = !this.pairForm && (!(this.aPort || this.bPort) || (source.aPort && source.bPort));
    } else {
      sides = source.localSide && this.localSide && source.aMode === SideMode.ADDRESS && source.direction &&
        (source.bMode === SideMode.ADDRESS || (this.bMode === SideMode.NONE && !this.bNet)) &&
        (!this.aPort || source.aPort) && (!this.bPort || source.bPort);
    }
    const covered = (mine: boolean, theirs: boolean) => !mine || theirs;
    return sides && covered(this.protocol, source.protocol) && covered(this.iface, source.iface) && covered(this.vlan, source.vlan) &&
      covered(this.exporter, source.exporter) && covered(this.inIf, source.inIf) && covered(this.outIf, source.outIf) &&
      covered(this.inName, source.inName) && covered(this.outName, source.outName);
  }
}

/**
 * For each aggregation, the index of the aggregation it is counted from (derivableFrom), or -1
 * when it is counted per packet. A source is an aggregation derivable from no other, or a per-host
 * one (KeyShape.LOCAL_ADDRESS) for a per-network one (LOCAL_NETWORK): that one is counted from the
 * per-host entries straight from their compact keys (Derivation), cheaper than per packet even
 * when scans leave about one packet per host entry. Other chains are not made: measured, deriving
 * through full keys from entries that hold two or three packets each cost more than counting per
 * packet. Among several sources the one with the narrowest key (fewest words: the fewest entries
 * to go through) is chosen, then the first.
 */
export function derivationSources(specs: readonly AggregationSpec[]): number[] {
  const root = specs.map((s) => !specs.some((o) => s.derivableFrom(o)));
  const chain = (source: AggregationSpec, s: AggregationSpec) => source.shape === KeyShape.LOCAL_ADDRESS && s.shape === KeyShape.LOCAL_NETWORK;
  return specs.map((s) => {
    let best = -1;
    for (let j = 0; j < specs.length; j++) {
      if (!s.derivableFrom(specs[j]) || !(root[j] || chain(specs[j], s))) continue;
      if (best < 0 || specs[j].keyWords.length < specs[best].keyWords.length) best = j;
    }
    return best;
  });
}
