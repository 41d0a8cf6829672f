import type { NetworkTables } from './network-tables.ts';
import { SideMode, type AggregationSpec } from './aggregation-spec.ts';
import { KEY_WORDS } from './flow-table.ts';

/**
 * Flow key layout (KEY_WORDS 32-bit words). Fields an aggregation does not keep are zero, so
 * packets differing only in them share one entry. Side A is the source (local side), B the
 * destination (remote side).
 *
 *   0..3   side A address (IPv4: word 0; IPv6: 4 words, big-endian); for *.prefix the network
 *          address of the matched named network, or the address rolled up
 *   4..7   side B address
 *   8      side A port << 16 | side B port
 *   9      IP version (4/6) | protocol << 8 | direction << 16
 *   10     interface index | VLAN id << 16
 *   11     side A named-network entry + 1 (0: none)
 *   12     side B named-network entry + 1
 *   13     flow exporter id + 1 (0: a captured packet)
 *   14, 15 ingress / egress ifIndex the exporter reported
 *   16, 17 ingress / egress interface name: 0x80000000 | name id (flow.interfaceNamesFile), else
 *          the ifIndex (31 bits)
 *
 * Words 13..17 are written only for aggregations that keep a flow dimension
 * (AggregationSpec.flowWords): the others never keep them, so captured traffic pays nothing.
 * The IP version is kept where the aggregation formats addresses or shows network.type
 * (AggregationSpec.keepVersion), else 0.
 */
export const KeyWord = { A: 0, B: 4, PORTS: 8, PROTO: 9, IFACE: 10, A_NET: 11, B_NET: 12, EXPORTER: 13, IN_IF: 14, OUT_IF: 15, IN_NAME: 16, OUT_NAME: 17 } as const;

/**
 * Writes one side into `out` at `at` (address words) and `netAt` (network word).
 * Allocation-free.
 */
export function writeSide(out: Uint32Array, at: number, netAt: number, mode: number, keepNet: boolean,
  addr: Uint32Array, v6: boolean, net: number, tables: NetworkTables, rollup4: number, rollup6: number): void {
  out[netAt] = keepNet && net >= 0 ? net + 1 : 0;
  if (mode === SideMode.NONE) {
    out[at] = 0; out[at + 1] = 0; out[at + 2] = 0; out[at + 3] = 0;
    return;
  }
  if (mode === SideMode.ADDRESS) {
    // The whole address (the common case, per packet): no masks to compute.
    out[at] = addr[0];
    if (v6) {
      out[at + 1] = addr[1]; out[at + 2] = addr[2]; out[at + 3] = addr[3];
    } else {
      out[at + 1] = 0; out[at + 2] = 0; out[at + 3] = 0;
    }
    return;
  }
  let len = v6 ? 128 : 32;
  if (mode === SideMode.PREFIX) len = net >= 0 ? tables.named!.prefixLength(net) : v6 ? rollup6 : rollup4;
  for (let i = 0; i < 4; i++) {
    const bits = len - 32 * i;
    out[at + i] = bits >= 32 ? addr[i] : bits <= 0 ? 0 : (addr[i] & (0xffffffff << (32 - bits))) >>> 0;
  }
}

/** Writes the words that do not depend on the side (ports given already oriented). */
export function writeCommon(out: Uint32Array, spec: AggregationSpec, aPort: number, bPort: number, v6: boolean,
  protocol: number, direction: number, interfaceIndex: number, vlanId: number): void {
  out[KeyWord.PORTS] = (((spec.aPort ? aPort : 0) << 16) | (spec.bPort ? bPort : 0)) >>> 0;
  out[KeyWord.PROTO] = (spec.keepVersion ? (v6 ? 6 : 4) : 0) | ((spec.protocol ? protocol : 0) << 8) | ((spec.direction ? direction : 0) << 16);
  out[KeyWord.IFACE] = ((spec.iface ? interfaceIndex : 0) | ((spec.vlan ? vlanId : 0) << 16)) >>> 0;
}

/**
 * Writes the flow words the aggregation keeps (zero for the others) from `flow`: exporter id + 1
 * (0: a captured packet), ingress and egress ifIndex, ingress and egress name words.
 */
export function writeFlow(out: Uint32Array, spec: AggregationSpec, flow: Uint32Array): void {
  out[KeyWord.EXPORTER] = spec.exporter ? flow[0] : 0;
  out[KeyWord.IN_IF] = spec.inIf ? flow[1] : 0;
  out[KeyWord.OUT_IF] = spec.outIf ? flow[2] : 0;
  out[KeyWord.IN_NAME] = spec.inName ? flow[3] : 0;
  out[KeyWord.OUT_NAME] = spec.outName ? flow[4] : 0;
}

/** Readers for the fields of the key stored at word offset `base` (export time only). */
export const keyIpVersion = (keys: Uint32Array, base: number): number => keys[base + KeyWord.PROTO] & 0xff;
export const keyProtocol = (keys: Uint32Array, base: number): number => (keys[base + KeyWord.PROTO] >>> 8) & 0xff;
/** Direction code (bits 16..23; the roll-up level above it is not part of it). */
export const keyDirection = (keys: Uint32Array, base: number): number => (keys[base + KeyWord.PROTO] >>> 16) & 0xff;
export const keyAPort = (keys: Uint32Array, base: number): number => keys[base + KeyWord.PORTS] >>> 16;
export const keyBPort = (keys: Uint32Array, base: number): number => keys[base + KeyWord.PORTS] & 0xffff;
export const keyInterface = (keys: Uint32Array, base: number): number => keys[base + KeyWord.IFACE] & 0xffff;
export const keyVlan = (keys: Uint32Array, base: number): number => keys[base + KeyWord.IFACE] >>> 16;
/** Named-network entry of side A / B, -1 for none. */
export const keyANet = (keys: Uint32Array, base: number): number => keys[base + KeyWord.A_NET] - 1;
export const keyBNet = (keys: Uint32Array, base: number): number => keys[base + KeyWord.B_NET] - 1;
/** Flow exporter id, -1 for captured traffic. */
export const keyExporter = (keys: Uint32Array, base: number): number => keys[base + KeyWord.EXPORTER] - 1;

export { KEY_WORDS };
