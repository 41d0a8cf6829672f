import type { DecodeResult } from '../decode/decode-result.ts';
import { KEY_WORDS } from './flow-table.ts';

/**
 * Flow key layout (KEY_WORDS 32-bit words). Fields not selected by the aggregation's dimensions
 * are zero, so packets differing only in them share one entry.
 *
 *   0..3   source address (IPv4: word 0, words 1-3 zero; IPv6: 4 words, big-endian)
 *   4..7   destination address
 *   8      source port << 16 | destination port
 *   9      IP version (4/6) | protocol << 8
 *   10     interface index | VLAN id << 16
 *
 * The IP version is always kept: it tells how to format the addresses.
 */
export const KeyField = {
  SRC_ADDR: 1,
  DST_ADDR: 2,
  SRC_PORT: 4,
  DST_PORT: 8,
  PROTOCOL: 16,
  INTERFACE: 32,
  VLAN: 64,
} as const;

function word(data: Uint8Array, o: number): number {
  return ((data[o] << 24) | (data[o + 1] << 16) | (data[o + 2] << 8) | data[o + 3]) >>> 0;
}

/**
 * Writes the key of the decoded packet `d` (decoded from `data`) into `out`, keeping only the
 * fields in `fields` (a KeyField bit set). Allocation-free; `d.status` must be OK.
 */
export function buildFlowKey(data: Uint8Array, d: DecodeResult, interfaceIndex: number, fields: number, out: Uint32Array): void {
  const v6 = d.ipVersion === 6;
  if ((fields & KeyField.SRC_ADDR) !== 0) {
    const s = d.srcOffset;
    out[0] = word(data, s);
    out[1] = v6 ? word(data, s + 4) : 0;
    out[2] = v6 ? word(data, s + 8) : 0;
    out[3] = v6 ? word(data, s + 12) : 0;
  } else {
    out[0] = 0; out[1] = 0; out[2] = 0; out[3] = 0;
  }
  if ((fields & KeyField.DST_ADDR) !== 0) {
    const s = d.dstOffset;
    out[4] = word(data, s);
    out[5] = v6 ? word(data, s + 4) : 0;
    out[6] = v6 ? word(data, s + 8) : 0;
    out[7] = v6 ? word(data, s + 12) : 0;
  } else {
    out[4] = 0; out[5] = 0; out[6] = 0; out[7] = 0;
  }
  out[8] = ((((fields & KeyField.SRC_PORT) !== 0 ? d.srcPort : 0) << 16) | ((fields & KeyField.DST_PORT) !== 0 ? d.dstPort : 0)) >>> 0;
  out[9] = d.ipVersion | (((fields & KeyField.PROTOCOL) !== 0 ? d.protocol : 0) << 8);
  out[10] = (((fields & KeyField.INTERFACE) !== 0 ? interfaceIndex : 0) | (((fields & KeyField.VLAN) !== 0 ? d.vlanId : 0) << 16)) >>> 0;
}

/** Readers for the fields of a key stored at `base` in a key array (export time only). */
export const keyIpVersion = (keys: Uint32Array, base: number): number => keys[base + 9] & 0xff;
export const keyProtocol = (keys: Uint32Array, base: number): number => (keys[base + 9] >>> 8) & 0xff;
export const keySrcPort = (keys: Uint32Array, base: number): number => keys[base + 8] >>> 16;
export const keyDstPort = (keys: Uint32Array, base: number): number => keys[base + 8] & 0xffff;
export const keyInterface = (keys: Uint32Array, base: number): number => keys[base + 10] & 0xffff;
export const keyVlan = (keys: Uint32Array, base: number): number => keys[base + 10] >>> 16;

export { KEY_WORDS };
