/**
 * Writes valid IPv4 and IPv6 packets (options, fragments, extension-header chains, TSO / BIG TCP /
 * jumbogram lengths) with a transport header into a BuiltFrame, and records what the decoder
 * must report for them. Addresses come from small pools that hit the fuzzers' local and named
 * networks, plus fully random ones (which fill the flow tables up to their overflow series).
 */
import { IpProto } from '../../src/decode/numbers.ts';
import { Feature, type BuiltFrame } from './built-frame.ts';
import type { Prng } from '../support/prng.ts';

/** Transport protocols, weighted; 255 stands for a random protocol number. */
const PROTOCOLS = [IpProto.TCP, IpProto.UDP, IpProto.ICMP, IpProto.SCTP, IpProto.UDP_LITE, IpProto.DCCP, 47, IpProto.ESP, 255];
const PROTOCOL_WEIGHTS = [35, 25, 8, 5, 4, 4, 4, 4, 3];
const PROTOCOL_TOTAL = PROTOCOL_WEIGHTS.reduce((a, b) => a + b, 0);
/** Extension headers an IPv6 chain is built from. */
const EXTENSIONS: readonly number[] = [IpProto.HOP_BY_HOP, IpProto.ROUTING, IpProto.DESTINATION_OPTIONS, IpProto.MOBILITY, IpProto.HIP,
  IpProto.SHIM6, IpProto.AH, IpProto.FRAGMENT];
/** Ports, mostly from a short list so that flows repeat (and the ports roll-up keeps some). */
const PORTS = [22, 53, 80, 123, 443, 8080, 40000, 50000];

function hasPorts(protocol: number): boolean {
  return protocol === IpProto.TCP || protocol === IpProto.UDP || protocol === IpProto.SCTP
    || protocol === IpProto.UDP_LITE || protocol === IpProto.DCCP;
}

function port(rng: Prng): number {
  return rng.chance(0.7) ? rng.pick(PORTS) : rng.int(65536);
}

function address4(f: BuiltFrame, rng: Prng, at: number): void {
  const r = rng.int(10);
  if (r < 3) f.u32(at, (0x0a000000 | (rng.int(2) << 16) | rng.int(64)) >>> 0); // 10.0/10.1: local
  else if (r < 5) f.u32(at, (0xc0a80100 | rng.int(32)) >>> 0); // 192.168.1.x: local
  else if (r < 6) f.u32(at, (0xcb007100 | rng.int(16)) >>> 0); // 203.0.113.x: named, remote
  else if (r < 8) f.u32(at, (0xc6336400 | rng.int(256)) >>> 0); // 198.51.100.x: remote
  else f.u32(at, rng.next());
}

function address6(f: BuiltFrame, rng: Prng, at: number): void {
  const r = rng.int(10);
  f.u32(at + 4, 0);
  f.u32(at + 8, 0);
  if (r < 3) f.u32(at, 0x20010db8); // 2001:db8::x and 2001:db8:1::x: local
  else if (r < 4) f.u32(at, 0xfd000000); // fd00::x: local
  else if (r < 5) f.u32(at, 0xfe800000); // fe80::x: remote
  else if (r < 7) f.u32(at, 0x2a000000 | rng.int(4)); // 2a00..: remote
  else {
    rng.fill(f.data, at, at + 16);
    return;
  }
  if (r < 3 && rng.chance(0.5)) f.u16(at + 4, 1);
  f.u32(at + 12, rng.int(64));
}

function payloadLength(rng: Prng): number {
  const r = rng.int(100);
  if (r < 20) return 0;
  if (r < 60) return rng.range(1, 64);
  if (r < 95) return rng.range(65, 1400);
  return rng.range(1401, 9000);
}

/**
 * Writes the upper-layer header for `protocol` at `at` and a payload, sets the expected ports /
 * ICMP type and needEnd; returns the end of the payload.
 */
function writeTransport(f: BuiltFrame, rng: Prng, at: number, protocol: number): number {
  let end = at;
  if (hasPorts(protocol)) {
    const s = port(rng);
    const d = port(rng);
    f.u16(at, s);
    f.u16(at + 2, d);
    f.srcPort = s;
    f.dstPort = d;
    f.needEnd = at + 4;
    if (protocol === IpProto.TCP) {
      const dataOffset = rng.chance(0.8) ? 5 : rng.range(5, 15);
      rng.fill(f.data, at + 4, at + dataOffset * 4);
      f.u8(at + 12, (dataOffset << 4) | (f.data[at + 12] & 0x0f));
      end = at + dataOffset * 4;
    } else if (protocol === IpProto.UDP || protocol === IpProto.UDP_LITE) {
      f.u16(at + 6, rng.next() & 0xffff);
      end = at + 8;
      f.field(at + 4, 2);
    } else {
      end = at + (protocol === IpProto.SCTP ? 12 : 16);
      rng.fill(f.data, at + 4, end);
    }
  } else if (protocol === IpProto.ICMP || protocol === IpProto.ICMPV6) {
    const type = rng.chance(0.8) ? rng.pick([0, 3, 8, 11, 128, 129, 135, 136]) : rng.int(256);
    const code = rng.chance(0.8) ? 0 : rng.int(256);
    f.u8(at, type);
    f.u8(at + 1, code);
    rng.fill(f.data, at + 2, at + 8);
    f.icmpTypeCode = (type << 8) | code;
    f.needEnd = at + 2;
    end = at + 8;
  } else if (protocol === 47 || protocol === IpProto.ESP) {
    end = at + (protocol === 47 ? 4 : 8);
    rng.fill(f.data, at, end);
  }
  const payload = payloadLength(rng);
  rng.fill(f.data, end, end + payload);
  if (protocol === IpProto.UDP || protocol === IpProto.UDP_LITE) f.u16(at + 4, end + payload - at);
  return end + payload;
}

function pickProtocol(rng: Prng, v6: boolean): number {
  let p = PROTOCOLS[rng.weighted(PROTOCOL_WEIGHTS, PROTOCOL_TOTAL)];
  if (p === 255) {
    p = rng.int(256);
    // An IPv6 next header that names an extension header would be walked as one.
    if (v6 && (EXTENSIONS.includes(p) || p === IpProto.MOBILITY || p === IpProto.HIP || p === IpProto.SHIM6)) p = 253;
  }
  if (p === IpProto.ICMP && v6) p = IpProto.ICMPV6;
  if (v6 && rng.chance(0.02)) p = IpProto.NO_NEXT_HEADER;
  return p;
}

/** Writes an IPv4 packet at `ip`; returns its end. */
export function writeIPv4(f: BuiltFrame, rng: Prng, ip: number): number {
  const ihl = rng.chance(0.7) ? 5 : rng.range(6, 15);
  const protocol = pickProtocol(rng, false);
  f.u8(ip, 0x40 | ihl);
  f.u8(ip + 1, rng.int(256));
  f.u16(ip + 4, rng.next() & 0xffff);
  const r = rng.int(100);
  const later = r < 10;
  const fragment = later ? (rng.chance(0.5) ? 0x2000 : 0) | rng.range(1, 0x1fff) : r < 25 ? 0x2000 : r < 70 ? 0x4000 : 0;
  f.u16(ip + 6, fragment);
  f.u8(ip + 8, rng.range(1, 255));
  f.u8(ip + 9, protocol);
  f.u16(ip + 10, rng.next() & 0xffff);
  address4(f, rng, ip + 12);
  address4(f, rng, ip + 16);
  writeOptions(f, rng, ip + 20, ip + ihl * 4);
  f.needEnd = ip + 20;
  const end = later ? writePayloadOnly(f, rng, ip + ihl * 4) : writeTransport(f, rng, ip + ihl * 4, protocol);
  if (f.needEnd < ip + 20) f.needEnd = ip + 20;
  f.ipVersion = 4;
  f.ipOffset = ip;
  f.protocol = protocol;
  f.laterFragment = later;
  if (ihl > 5) f.features |= Feature.IPV4_OPTIONS;
  if ((fragment & 0x3fff) !== 0 && (fragment & 0x4000) === 0) f.features |= Feature.IPV4_FRAGMENT;
  if (!later && rng.chance(0.03)) {
    f.features |= Feature.WIRE_SIZED;
    f.u16(ip + 2, 0); // TSO / BIG TCP: the size comes from the wire
    f.ipWire = rng.range(0x10000, 1 << 20);
    f.ipBytes = f.ipWire;
  } else {
    f.u16(ip + 2, end - ip);
    f.ipBytes = end - ip;
  }
  f.field(ip, 1);
  f.field(ip + 2, 2);
  f.field(ip + 6, 2);
  f.field(ip + 9, 1);
  return end;
}

function writeOptions(f: BuiltFrame, rng: Prng, at: number, end: number): void {
  let p = at;
  while (p < end) {
    const left = end - p;
    const r = rng.int(4);
    if (r === 0 || left < 3) {
      f.u8(p++, 1); // NOP
    } else if (r === 1) {
      f.data.fill(0, p, end); // EOL and padding
      return;
    } else {
      const len = rng.range(3, Math.min(left, 40));
      f.u8(p, rng.pick([7, 0x44, 0x83, 0x89, 0x94, rng.int(256)]));
      f.u8(p + 1, len);
      rng.fill(f.data, p + 2, p + len);
      p += len;
    }
  }
}

function writePayloadOnly(f: BuiltFrame, rng: Prng, at: number): number {
  const n = payloadLength(rng);
  rng.fill(f.data, at, at + n);
  return at + n;
}

/** Writes an IPv6 packet with an extension-header chain at `ip`; returns its end. */
export function writeIPv6(f: BuiltFrame, rng: Prng, ip: number): number {
  f.u32(ip, (0x60000000 | (rng.next() & 0x0fffffff)) >>> 0);
  f.u8(ip + 7, rng.range(1, 255));
  address6(f, rng, ip + 8);
  address6(f, rng, ip + 24);
  f.field(ip, 1);
  f.field(ip + 4, 2);
  f.field(ip + 6, 1);
  const r = rng.int(100);
  const chain = r < 50 ? 0 : r < 70 ? 1 : r < 85 ? 2 : rng.range(3, 6);
  const sizing = rng.int(100); // < 3: jumbogram option; < 5: BIG TCP without it
  const jumbo = sizing < 3;
  let nextAt = ip + 6;
  let pos = ip + 40;
  let later = false;
  const protocol = pickProtocol(rng, true);
  for (let i = 0; i < chain + (jumbo ? 1 : 0) && !later; i++) {
    const type = jumbo && i === 0 ? IpProto.HOP_BY_HOP : rng.pick(EXTENSIONS);
    f.u8(nextAt, type);
    nextAt = pos;
    f.field(pos, 1);
    if (type === IpProto.FRAGMENT) {
      f.features |= Feature.IPV6_FRAGMENT;
      later = rng.chance(0.4);
      f.u8(pos + 1, 0);
      f.u16(pos + 2, later ? (rng.range(1, 0x1fff) << 3) | rng.int(2) : 1);
      f.u32(pos + 4, rng.next());
      f.field(pos + 2, 2);
      pos += 8;
      continue;
    }
    f.field(pos + 1, 1);
    if (type === IpProto.AH) {
      const len = rng.range(1, 5);
      f.u8(pos + 1, len);
      rng.fill(f.data, pos + 2, pos + (len + 2) * 4);
      pos += (len + 2) * 4;
    } else if (jumbo && i === 0) {
      f.u8(pos + 1, 0);
      f.u16(pos + 2, 0xc204);
      f.field(pos + 4, 4);
      pos += 8;
    } else {
      const len = rng.int(4);
      f.u8(pos + 1, len);
      rng.fill(f.data, pos + 2, pos + (len + 1) * 8);
      pos += (len + 1) * 8;
    }
  }
  f.u8(nextAt, protocol);
  f.needEnd = pos;
  const end = later ? writePayloadOnly(f, rng, pos) : writeTransport(f, rng, pos, protocol);
  f.ipVersion = 6;
  f.ipOffset = ip;
  f.protocol = protocol;
  f.laterFragment = later;
  if (pos > ip + 40) f.features |= Feature.IPV6_EXTENSIONS;
  if (jumbo) {
    f.features |= Feature.WIRE_SIZED;
    const value = rng.range(0x10000, 1 << 20);
    f.u16(ip + 4, 0);
    f.u32(ip + 44, value);
    f.ipBytes = 40 + value;
    f.ipWire = f.ipBytes + rng.int(8);
  } else if (sizing < 5 && protocol !== IpProto.NO_NEXT_HEADER && f.data[ip + 6] !== IpProto.HOP_BY_HOP) {
    f.features |= Feature.WIRE_SIZED;
    f.u16(ip + 4, 0);
    f.ipWire = rng.range(40 + 0x10000, 1 << 20);
    f.ipBytes = f.ipWire;
  } else {
    f.u16(ip + 4, end - ip - 40);
    f.ipBytes = end - ip;
  }
  return end;
}
