import { isIPv4, isIPv6 } from 'node:net';

/** What to put in a synthetic IP packet. */
export interface PacketSpec {
  /** Source address (dotted quad for IPv4, any RFC 4291 text form for IPv6). */
  src: string;
  /** Destination address. */
  dst: string;
  /** IP protocol / next header: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6; others get no L4 header. */
  proto: number;
  srcPort?: number;
  dstPort?: number;
  /** Bytes after the L4 header (default 0), filled with a deterministic pattern. */
  payloadLength?: number;
  /** 802.1Q/802.1ad VLAN ids, outermost first (Ethernet builders only). */
  vlan?: number[];
  /** TTL / hop limit (default 64). */
  ttl?: number;
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const SRC_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
const DST_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];

/**
 * Ethernet II frame carrying an IPv4 packet (see ipv4Packet). VLAN tags: outer ones use TPID
 * 0x88a8 (802.1ad), the innermost 0x8100.
 */
export function ethernetIPv4(spec: PacketSpec): Uint8Array {
  return ethernet(ETH_IPV4, spec.vlan ?? [], ipv4Packet(spec));
}

/** Ethernet II frame carrying an IPv6 packet (see ipv6Packet); VLAN tags as in ethernetIPv4. */
export function ethernetIPv6(spec: PacketSpec): Uint8Array {
  return ethernet(ETH_IPV6, spec.vlan ?? [], ipv6Packet(spec));
}

/**
 * IPv4 packet (20-byte header, no options) with correct total length and header checksum, and a
 * TCP/UDP/ICMP header with a correct checksum.
 */
export function ipv4Packet(spec: PacketSpec): Uint8Array {
  const l4 = transport(spec, false);
  const pkt = new Uint8Array(20 + l4.length);
  const view = new DataView(pkt.buffer);
  view.setUint8(0, 0x45);
  view.setUint16(2, pkt.length);
  view.setUint16(6, 0x4000); // DF
  view.setUint8(8, spec.ttl ?? 64);
  view.setUint8(9, spec.proto);
  pkt.set(parseIPv4(spec.src), 12);
  pkt.set(parseIPv4(spec.dst), 16);
  view.setUint16(10, checksum(pkt.subarray(0, 20), 0));
  pkt.set(l4, 20);
  setL4Checksum(pkt, 20, spec.proto, sum(pkt.subarray(12, 20)));
  return pkt;
}

/** IPv6 packet (40-byte header) with correct payload length and L4 checksum. */
export function ipv6Packet(spec: PacketSpec): Uint8Array {
  const l4 = transport(spec, true);
  const pkt = new Uint8Array(40 + l4.length);
  const view = new DataView(pkt.buffer);
  view.setUint32(0, 0x60000000);
  view.setUint16(4, l4.length);
  view.setUint8(6, spec.proto);
  view.setUint8(7, spec.ttl ?? 64);
  pkt.set(parseIPv6(spec.src), 8);
  pkt.set(parseIPv6(spec.dst), 24);
  pkt.set(l4, 40);
  setL4Checksum(pkt, 40, spec.proto, sum(pkt.subarray(8, 40)));
  return pkt;
}

/** The 4 bytes of a dotted-quad IPv4 address; throws on anything else. */
export function parseIPv4(text: string): Uint8Array {
  if (!isIPv4(text)) throw new Error(`frames: "${text}" is not an IPv4 address`);
  return new Uint8Array(text.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address (with `::` compression and an embedded IPv4 tail allowed). */
export function parseIPv6(text: string): Uint8Array {
  if (!isIPv6(text)) throw new Error(`frames: "${text}" is not an IPv6 address`);
  let groups = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const b = parseIPv4(v4[1]);
    groups = `${text.slice(0, v4.index)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = groups.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const words = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = new Uint8Array(16);
  words.forEach((word, i) => new DataView(out.buffer).setUint16(i * 2, parseInt(word, 16)));
  return out;
}

function ethernet(etherType: number, vlans: number[], payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(14 + 4 * vlans.length + payload.length);
  const view = new DataView(frame.buffer);
  frame.set(DST_MAC, 0);
  frame.set(SRC_MAC, 6);
  let p = 12;
  vlans.forEach((vid, i) => {
    view.setUint16(p, i === vlans.length - 1 ? 0x8100 : 0x88a8);
    view.setUint16(p + 2, vid & 0x0fff);
    p += 4;
  });
  view.setUint16(p, etherType);
  frame.set(payload, p + 2);
  return frame;
}

/** L4 header (checksum left 0) followed by the payload. */
function transport(spec: PacketSpec, v6: boolean): Uint8Array {
  const headerLength = spec.proto === 6 ? 20 : spec.proto === 17 || spec.proto === 1 || spec.proto === 58 ? 8 : 0;
  const out = new Uint8Array(headerLength + (spec.payloadLength ?? 0));
  for (let i = headerLength; i < out.length; i++) out[i] = (i * 7) & 0xff;
  const view = new DataView(out.buffer);
  if (spec.proto === 6 || spec.proto === 17) {
    view.setUint16(0, spec.srcPort ?? 40000);
    view.setUint16(2, spec.dstPort ?? 80);
  }
  if (spec.proto === 6) {
    view.setUint32(4, 1); // sequence number
    view.setUint8(12, 5 << 4); // data offset
    view.setUint8(13, 0x18); // PSH ACK
    view.setUint16(14, 65535); // window
  } else if (spec.proto === 17) {
    view.setUint16(4, out.length);
  } else if (headerLength === 8) {
    view.setUint8(0, v6 ? 128 : 8); // echo request
    view.setUint16(4, 1); // identifier
  }
  return out;
}

/** Fills in the TCP/UDP/ICMP/ICMPv6 checksum of the L4 segment at `pkt[at..]`. */
function setL4Checksum(pkt: Uint8Array, at: number, proto: number, addressSum: number): void {
  const field = proto === 6 ? 16 : proto === 17 ? 6 : proto === 1 || proto === 58 ? 2 : -1;
  if (field < 0) return;
  const segment = pkt.subarray(at);
  const pseudo = proto === 1 ? 0 : addressSum + proto + segment.length;
  let value = checksum(segment, pseudo);
  if (proto === 17 && value === 0) value = 0xffff;
  new DataView(pkt.buffer, pkt.byteOffset).setUint16(at + field, value);
}

/** Ones' complement sum of 16-bit big-endian words (odd tail padded with 0), not folded. */
function sum(bytes: Uint8Array): number {
  let total = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) total += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length % 2 === 1) total += bytes[bytes.length - 1] << 8;
  return total;
}

/** Internet checksum of `bytes` plus an initial sum. */
function checksum(bytes: Uint8Array, initial: number): number {
  let total = initial + sum(bytes);
  while (total > 0xffff) total = (total & 0xffff) + Math.floor(total / 0x10000);
  return ~total & 0xffff;
}
