import type { DecodeResult } from '../decode/decode-result.ts';
import type { NetworkTables } from './network-tables.ts';
import type { PrefixTrie } from './prefix-trie.ts';

/**
 * Direction codes: how a packet relates to accounting.localNetworks (RECEIVE: remote to local,
 * TRANSMIT: local to remote, INTERNAL: local to local, TRANSIT: neither), as PacketContext.fill
 * classifies it and as flow keys store it. In a local/remote key (side A the local host) INTERNAL
 * is the sender's entry of a local-to-local packet and INTERNAL_RECEIVE the receiver's (counted
 * for both hosts under internalTraffic "both"); fill never yields INTERNAL_RECEIVE. Exported as
 * network.io.direction and otelacct.traffic.class by export/flow-attributes.ts.
 */
export const Direction = { NONE: 0, RECEIVE: 1, TRANSMIT: 2, INTERNAL: 3, TRANSIT: 4, INTERNAL_RECEIVE: 5 } as const;

/**
 * What the per-packet path derives once per packet, for every aggregation to use: the addresses
 * as key words, ports after the roll-up, the direction, and the networks-file entries the two
 * addresses fall in. One instance is reused for every packet; `fill` overwrites all of it.
 */
export class PacketContext {
  /** Source address words (IPv4: word 0, others zero). */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  v6 = false;
  srcPort = 0;
  dstPort = 0;
  direction = 0;
  /** Named-network entry of the source / destination address, -1 for none. */
  srcNet = -1;
  dstNet = -1;
  /**
   * Whether `derive` classifies the direction (accounting.localNetworks, when configured); false
   * leaves it NONE, for callers whose aggregations do not need it for this packet.
   */
  classify = true;

  /** Copies every field of `o` (the direction classification setting too). */
  copyFrom(o: PacketContext): void {
    this.src.set(o.src);
    this.dst.set(o.dst);
    this.v6 = o.v6;
    this.srcPort = o.srcPort;
    this.dstPort = o.dstPort;
    this.direction = o.direction;
    this.srcNet = o.srcNet;
    this.dstNet = o.dstNet;
    this.classify = o.classify;
  }

  /**
   * Derives the context of a decoded packet. `keepPort` (65536 flags) is the ports roll-up, or
   * undefined to keep every port; tables are consulted only when configured. `named` says whose
   * named network the aggregations need (NamedSides bits): the lookups not needed are skipped
   * (their side gets -1).
   */
  fill(data: Uint8Array, d: DecodeResult, tables: NetworkTables, named: number, keepPort: Uint8Array | undefined): void {
    const v6 = d.ipVersion === 6;
    this.v6 = v6;
    readAddress(data, d.srcOffset, v6, this.src);
    readAddress(data, d.dstOffset, v6, this.dst);
    this.derive(d.srcPort, d.dstPort, tables, named, keepPort);
  }

  /**
   * The same derivation for a flow record (sFlow, NetFlow, IPFIX): addresses as words (IPv4 in
   * word 0), ports as the exporter reported them (0 for protocols without ports, as decoded
   * packets have).
   */
  fillWords(src: Uint32Array, dst: Uint32Array, v6: boolean, srcPort: number, dstPort: number, tables: NetworkTables, named: number, keepPort: Uint8Array | undefined): void {
    this.v6 = v6;
    const s = this.src;
    const t = this.dst;
    s[0] = src[0]; t[0] = dst[0];
    if (v6) {
      s[1] = src[1]; s[2] = src[2]; s[3] = src[3];
      t[1] = dst[1]; t[2] = dst[2]; t[3] = dst[3];
    } else {
      s[1] = 0; s[2] = 0; s[3] = 0;
      t[1] = 0; t[2] = 0; t[3] = 0;
    }
    this.derive(srcPort & 0xffff, dstPort & 0xffff, tables, named, keepPort);
  }

  /** Ports roll-up, direction and named networks of the addresses already in src/dst. */
  derive(srcPort: number, dstPort: number, tables: NetworkTables, named: number, keepPort: Uint8Array | undefined): void {
    const v6 = this.v6;
    this.srcPort = keepPort === undefined || keepPort[srcPort] === 1 ? srcPort : 0;
    this.dstPort = keepPort === undefined || keepPort[dstPort] === 1 ? dstPort : 0;
    const local = tables.local;
    let dir: number = Direction.NONE;
    if (local !== undefined && this.classify) {
      const s = holdsAddress(local, this.src, v6);
      const t = holdsAddress(local, this.dst, v6);
      dir = s ? (t ? Direction.INTERNAL : Direction.TRANSMIT) : t ? Direction.RECEIVE : Direction.TRANSIT;
    }
    this.direction = dir;
    const trie = tables.named;
    if (named !== 0 && trie !== undefined) {
      // The local side is the source when sending (or internal), the destination when receiving;
      // transit packets have no sides in local/remote aggregations.
      const srcLocal = dir === Direction.TRANSMIT || dir === Direction.INTERNAL;
      const dstLocal = dir === Direction.RECEIVE || dir === Direction.INTERNAL;
      const wantSrc = (named & NamedSides.SOURCE) !== 0 || ((named & NamedSides.LOCAL) !== 0 && srcLocal) || ((named & NamedSides.REMOTE) !== 0 && dstLocal);
      const wantDst = (named & NamedSides.DESTINATION) !== 0 || ((named & NamedSides.LOCAL) !== 0 && dstLocal) || ((named & NamedSides.REMOTE) !== 0 && srcLocal);
      this.srcNet = wantSrc ? lookupAddress(trie, this.src, v6) : -1;
      this.dstNet = wantDst ? lookupAddress(trie, this.dst, v6) : -1;
    } else {
      this.srcNet = -1;
      this.dstNet = -1;
    }
  }
}

/** Whose named network an accountant's aggregations need (bits for PacketContext.fill). */
export const NamedSides = { SOURCE: 1, DESTINATION: 2, LOCAL: 4, REMOTE: 8 } as const;

/**
 * Longest match of the address in `w`. Words are passed as int32 (`| 0`): a uint32 above 2^31
 * passed to a function that is not inlined would be boxed in a heap number, once per packet.
 */
export function lookupAddress(trie: PrefixTrie, w: Uint32Array, v6: boolean): number {
  return v6 ? trie.lookup6(w[0] | 0, w[1] | 0, w[2] | 0, w[3] | 0) : trie.lookup4(w[0] | 0);
}

/** Whether a prefix of `trie` holds the address in `w` (lookupAddress ≥ 0, faster: PrefixTrie.holds4). Words as int32, as there. */
export function holdsAddress(trie: PrefixTrie, w: Uint32Array, v6: boolean): boolean {
  return v6 ? trie.holds6(w[0] | 0, w[1] | 0, w[2] | 0, w[3] | 0) : trie.holds4(w[0] | 0);
}

function readAddress(data: Uint8Array, o: number, v6: boolean, out: Uint32Array): void {
  out[0] = ((data[o] << 24) | (data[o + 1] << 16) | (data[o + 2] << 8) | data[o + 3]) >>> 0;
  if (v6) {
    out[1] = ((data[o + 4] << 24) | (data[o + 5] << 16) | (data[o + 6] << 8) | data[o + 7]) >>> 0;
    out[2] = ((data[o + 8] << 24) | (data[o + 9] << 16) | (data[o + 10] << 8) | data[o + 11]) >>> 0;
    out[3] = ((data[o + 12] << 24) | (data[o + 13] << 16) | (data[o + 14] << 8) | data[o + 15]) >>> 0;
  } else {
    out[1] = 0; out[2] = 0; out[3] = 0;
  }
}
