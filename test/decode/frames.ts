/**
 * Byte-array builders for hand-made test frames. Everything returns plain `number[]` so that
 * layers can be nested with spread; `place` turns a frame into the buffer the decoder reads.
 * Test-only: allocates freely.
 */

/** A frame or header under construction. */
export type Bytes = number[];

/** Big-endian 16-bit value. */
export function u16(v: number): Bytes {
  return [(v >>> 8) & 0xff, v & 0xff];
}

/** Big-endian 32-bit value. */
export function u32(v: number): Bytes {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Dotted-quad text to 4 bytes. */
export function ip4(text: string): Bytes {
  return text.split('.').map(Number);
}

/** IPv6 text (hex groups, optional `::`, no dotted tail) to 16 bytes. */
export function ip6(text: string): Bytes {
  const [head, tail] = text.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap(u16);
}

// ---------------------------------------------------------------- transport

/** 20-byte TCP header (data offset 5, ACK) followed by `payload`. */
export function tcp(srcPort: number, dstPort: number, payload: Bytes = []): Bytes {
  return [...u16(srcPort), ...u16(dstPort), ...u32(1), ...u32(2), 0x50, 0x10, ...u16(512), 0, 0, 0, 0, ...payload];
}

/** 8-byte UDP (or UDP-Lite) header followed by `payload`. */
export function udp(srcPort: number, dstPort: number, payload: Bytes = []): Bytes {
  return [...u16(srcPort), ...u16(dstPort), ...u16(8 + payload.length), 0, 0, ...payload];
}

/** 12-byte SCTP common header. */
export function sctp(srcPort: number, dstPort: number): Bytes {
  return [...u16(srcPort), ...u16(dstPort), ...u32(0xdeadbeef), ...u32(0)];
}

/** 16-byte DCCP generic header (extended sequence numbers). */
export function dccp(srcPort: number, dstPort: number): Bytes {
  return [...u16(srcPort), ...u16(dstPort), 4, 0, 0, 0, 0x11, 0, 0, 1, 0, 0, 0, 2];
}

/** 8-byte ICMP or ICMPv6 header (type, code, checksum, 4 bytes rest). */
export function icmp(type: number, code: number): Bytes {
  return [type, code, 0, 0, 0, 1, 0, 1];
}

// ---------------------------------------------------------------- IP

/** Fields of `ipv4`; defaults build a valid header with no options. */
export interface Ipv4Spec {
  protocol: number;
  payload?: Bytes;
  src?: string;
  dst?: string;
  /** Option bytes, a multiple of 4 long. */
  options?: Bytes;
  /** Overrides the computed total length. */
  totalLength?: number;
  /** Fragment offset in 8-byte units. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  /** Overrides the computed IHL. */
  ihl?: number;
  version?: number;
}

/** IPv4 header plus payload. */
export function ipv4(s: Ipv4Spec): Bytes {
  const options = s.options ?? [];
  const payload = s.payload ?? [];
  const ihl = s.ihl ?? 5 + options.length / 4;
  const total = s.totalLength ?? 20 + options.length + payload.length;
  const frag = (s.moreFragments ? 0x2000 : 0) | (s.fragmentOffset ?? 0);
  return [
    ((s.version ?? 4) << 4) | ihl, 0, ...u16(total), 0x12, 0x34, ...u16(frag), 64, s.protocol,
    0, 0, ...ip4(s.src ?? '192.0.2.1'), ...ip4(s.dst ?? '198.51.100.2'), ...options, ...payload,
  ];
}

/** Fields of `ipv6`. */
export interface Ipv6Spec {
  nextHeader: number;
  payload?: Bytes;
  src?: string;
  dst?: string;
  /** Overrides the computed payload length. */
  payloadLength?: number;
  version?: number;
}

/** IPv6 header plus payload (extension headers are part of the payload). */
export function ipv6(s: Ipv6Spec): Bytes {
  const payload = s.payload ?? [];
  return [
    (s.version ?? 6) << 4, 0, 0, 0, ...u16(s.payloadLength ?? payload.length), s.nextHeader, 64,
    ...ip6(s.src ?? '2001:db8::1'), ...ip6(s.dst ?? '2001:db8::2'), ...payload,
  ];
}

/**
 * Extension header with the (len+1)*8 length rule (hop-by-hop, routing, destination options,
 * mobility, HIP, shim6): next header, length, `body` zero-padded to a multiple of 8.
 */
export function ext(nextHeader: number, body: Bytes, rest: Bytes = []): Bytes {
  const padded = [...body];
  while ((padded.length + 2) % 8 !== 0) padded.push(0);
  return [nextHeader, (padded.length + 2) / 8 - 1, ...padded, ...rest];
}

/** Jumbo Payload hop-by-hop option. */
export function jumboOption(value: number): Bytes {
  return [0xc2, 4, ...u32(value)];
}

/** IPv6 fragment header (offset in 8-byte units). */
export function fragment6(nextHeader: number, offset: number, more: boolean, rest: Bytes = []): Bytes {
  return [nextHeader, 0, ...u16((offset << 3) | (more ? 1 : 0)), ...u32(0xabcd), ...rest];
}

/** Authentication header with an ICV of `icvLength` bytes (a multiple of 4). */
export function ah(nextHeader: number, icvLength: number, rest: Bytes = []): Bytes {
  const length = (12 + icvLength) / 4 - 2;
  return [nextHeader, length, 0, 0, ...u32(0x100), ...u32(1), ...new Array<number>(icvLength).fill(0xa5), ...rest];
}

// ---------------------------------------------------------------- link layers

/** A VLAN tag: TPID and tag control information (PCP 5 so that VID masking is exercised). */
export interface Tag {
  tpid: number;
  vid: number;
}

/** Ethernet II header (with optional tags) followed by `payload`. */
export function ethernet(type: number, payload: Bytes, tags: Tag[] = []): Bytes {
  const macs = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
  const tagBytes = tags.flatMap((t) => [...u16(t.tpid), ...u16((5 << 13) | t.vid)]);
  return [...macs, ...tagBytes, ...u16(type), ...payload];
}

/** 802.3 frame: length field then `llcPayload` (an LLC header and what follows). */
export function ethernet8023(llcPayload: Bytes): Bytes {
  return [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, ...u16(llcPayload.length), ...llcPayload];
}

/** LLC/SNAP header carrying `ethertype` (OUI 00-00-00) followed by `payload`. */
export function snap(ethertype: number, payload: Bytes, oui = 0): Bytes {
  return [0xaa, 0xaa, 0x03, (oui >> 16) & 0xff, (oui >> 8) & 0xff, oui & 0xff, ...u16(ethertype), ...payload];
}

/** MPLS label stack (bottom-of-stack set on the last entry) followed by `payload`. */
export function mpls(labels: number[], payload: Bytes): Bytes {
  return [
    ...labels.flatMap((label, i) => u32((label << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64)),
    ...payload,
  ];
}

/** PPPoE session header and PPP protocol (2 bytes, or 1 when `compressed`) then `payload`. */
export function pppoe(pppProtocol: number, payload: Bytes, compressed = false): Bytes {
  const proto = compressed ? [pppProtocol & 0xff] : u16(pppProtocol);
  return [0x11, 0x00, ...u16(0x1234), ...u16(proto.length + payload.length), ...proto, ...payload];
}

/** Linux cooked capture v1 header with `protocol` then `payload`. */
export function sll(protocol: number, payload: Bytes): Bytes {
  return [...u16(0), ...u16(1), ...u16(6), 0x02, 0, 0, 0, 0, 1, 0, 0, ...u16(protocol), ...payload];
}

/** Linux cooked capture v2 header with `protocol` then `payload`. */
export function sll2(protocol: number, payload: Bytes): Bytes {
  return [...u16(protocol), 0, 0, ...u32(3), ...u16(1), 0, 6, 0x02, 0, 0, 0, 0, 1, 0, 0, ...payload];
}

/** BSD NULL header: the address family in little- or big-endian order. */
export function nullHeader(family: number, littleEndian: boolean, payload: Bytes): Bytes {
  const be = u32(family);
  return [...(littleEndian ? be.reverse() : be), ...payload];
}

/** OpenBSD LOOP header: the address family in network order. */
export function loopHeader(family: number, payload: Bytes): Bytes {
  return [...u32(family), ...payload];
}

/** Bytes from a hex dump (whitespace ignored), as `tcpdump -xx` prints them. */
export function hexBytes(dump: string): Bytes {
  return [...Buffer.from(dump.replace(/\s+/g, ''), 'hex')];
}

/** Little-endian 16-bit value. */
export function le16(v: number): Bytes {
  return [v & 0xff, (v >>> 8) & 0xff];
}

/** Little-endian 32-bit value. */
export function le32(v: number): Bytes {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** PPP frame (LINKTYPE_PPP): address 0xff and control 0x03 unless `bare`, the protocol, `payload`. */
export function ppp(protocol: number, payload: Bytes, bare = false): Bytes {
  return [...(bare ? [] : [0xff, 0x03]), ...(protocol < 0x100 && (protocol & 1) ? [protocol] : u16(protocol)), ...payload];
}

/** Cisco HDLC frame: unicast address 0x0f, control 0, `type`, `payload`. */
export function chdlc(type: number, payload: Bytes, address = 0x0f): Bytes {
  return [address, 0x00, ...u16(type), ...payload];
}

/** Frame Relay with a 2-byte Q.922 address (DLCI 100) and RFC 2427 UI + NLPID `nlpid`. */
export function frameRelay(nlpid: number, payload: Bytes, pad = false): Bytes {
  return [0x18, 0x41, 0x03, ...(pad ? [0x00] : []), nlpid, ...payload];
}

/** Frame Relay with Cisco encapsulation: 2-byte address (DLCI 100), EtherType, `payload`. */
export function frameRelayCisco(type: number, payload: Bytes): Bytes {
  return [0x18, 0x41, ...u16(type), ...payload];
}

/**
 * NFLOG frame: header (family, version 0, resource id 5), an NFULA_PACKET_HDR TLV (8 bytes), an
 * NFULA_PREFIX TLV "ab" (6 bytes, padded to 8), then the NFULA_PAYLOAD TLV holding `payload`;
 * TLV fields little-endian unless `bigEndian`.
 */
export function nflog(family: number, payload: Bytes, bigEndian = false): Bytes {
  const h = bigEndian ? u16 : le16;
  return [family, 0, ...u16(5), ...h(8), ...h(1), 0x08, 0x00, 3, 0, ...h(6), ...h(10), 0x61, 0x62, 0, 0,
    ...h(4 + payload.length), ...h(9), ...payload];
}

/** IPoIB frame (LINKTYPE_IPOIB): 40-byte pseudo-header (unicast: destination QPN and GID), type, reserved, `payload`. */
export function ipoib(type: number, payload: Bytes): Bytes {
  const pseudo = [...new Array<number>(20).fill(0), 0, 0, 0, 0x48, ...ip6('fe80::2:c903:1:1234')];
  return [...pseudo, ...u16(type), 0, 0, ...payload];
}

/** PKTAP header (108 bytes, little-endian) naming `dlt`, then `frame`. */
export function pktap(dlt: number, frame: Bytes, headerLength = 108): Bytes {
  const rest = new Array<number>(headerLength - 12).fill(0);
  rest.splice(8, 4, ...le32(1)); // pth_frame_pre_length etc.: arbitrary
  return [...le32(headerLength), ...le32(1), ...le32(dlt), ...rest, ...frame];
}

/**
 * MACsec SecTAG (integrity only, AN 1, PN 7; with an 8-byte SCI when `sci`) followed by the
 * cleartext `type` and `payload`, and a 16-byte ICV. `tci` overrides the TCI/AN byte.
 */
export function macsec(type: number, payload: Bytes, sci = true, tci?: number): Bytes {
  const tciAn = tci ?? ((sci ? 0x20 : 0) | 0x01);
  return [tciAn, 0, ...u32(7), ...(sci ? [0x02, 0, 0, 0, 0, 1, 0, 1] : []), ...u16(type), ...payload,
    ...new Array<number>(16).fill(0xee)];
}

// ---------------------------------------------------------------- placing

/** Bytes before the frame in a placed buffer (so offsets are never accidentally 0-based). */
export const LEAD = 7;
/** Filler written around the frame; looks like an IPv4 header start if ever read. */
export const FILLER = 0x45;

/**
 * Copies the first `capLen` bytes of `frame` into a buffer at offset LEAD, surrounded by FILLER
 * bytes (16 after it), so that a decoder reading outside `[LEAD, LEAD + capLen)` sees junk.
 */
export function place(frame: Bytes, capLen = frame.length): Uint8Array {
  const buffer = new Uint8Array(LEAD + capLen + 16).fill(FILLER);
  buffer.set(frame.slice(0, capLen), LEAD);
  return buffer;
}
