/**
 * Frame builders shared by the pmacctd oracle tests: the cases frames.ts does not build (IPv4
 * options and fragments, IPv6 extension headers, stacked 802.1Q tags, Linux cooked capture).
 */

/** Ones' complement checksum of an IPv4 header. */
function ipv4HeaderChecksum(header: Uint8Array): number {
  let total = 0;
  for (let i = 0; i + 1 < header.length; i += 2) total += (header[i] << 8) | header[i + 1];
  while (total > 0xffff) total = (total & 0xffff) + (total >>> 16);
  return ~total & 0xffff;
}

/** `ip` with 4 bytes of IPv4 options (NOP NOP NOP EOL) after the fixed header: IHL 6. */
export function withIPv4Options(ip: Uint8Array): Uint8Array {
  const out = new Uint8Array(ip.length + 4);
  out.set(ip.subarray(0, 20));
  out.set([1, 1, 1, 0], 20);
  out.set(ip.subarray(20), 24);
  out[0] = 0x46;
  return fixIPv4Header(out);
}

/** `ip` marked as an IPv4 fragment (More Fragments and/or a non-zero offset, in 8-byte units). */
export function asIPv4Fragment(ip: Uint8Array, offset: number, more: boolean): Uint8Array {
  const out = ip.slice();
  const view = new DataView(out.buffer);
  view.setUint16(4, 0x4242); // identification
  view.setUint16(6, (more ? 0x2000 : 0) | offset);
  return fixIPv4Header(out);
}

function fixIPv4Header(ip: Uint8Array): Uint8Array {
  const view = new DataView(ip.buffer, ip.byteOffset);
  view.setUint16(2, ip.length);
  view.setUint16(10, 0);
  view.setUint16(10, ipv4HeaderChecksum(ip.subarray(0, (ip[0] & 0x0f) * 4)));
  return ip;
}

/**
 * `ip` (IPv6) with an 8-byte extension header inserted after the fixed header: hop-by-hop options
 * (next header 0, a PadN option) or a fragment header (44) at `fragmentOffset` (8-byte units).
 */
export function withIPv6Extension(ip: Uint8Array, kind: 'hop-by-hop' | 'fragment', fragmentOffset = 0): Uint8Array {
  const out = new Uint8Array(ip.length + 8);
  out.set(ip.subarray(0, 40));
  out.set(ip.subarray(40), 48);
  const view = new DataView(out.buffer);
  out[40] = ip[6]; // the extension's next header: the original upper layer
  if (kind === 'hop-by-hop') {
    out[6] = 0;
    out.set([0, 1, 4, 0, 0, 0, 0], 41); // hdr ext len 0, PadN of 4
  } else {
    out[6] = 44;
    view.setUint16(42, (fragmentOffset << 3) | (fragmentOffset === 0 ? 1 : 0)); // M on the first
    view.setUint32(44, 0x0badf00d);
  }
  view.setUint16(4, out.length - 40);
  return out;
}

/** Ethernet II frame around `ip`, all VLAN tags 802.1Q (TPID 0x8100, stacked as some switches do). */
export function ethernetDot1Q(ip: Uint8Array, v6: boolean, vlans: number[]): Uint8Array {
  const frame = new Uint8Array(14 + 4 * vlans.length + ip.length);
  const view = new DataView(frame.buffer);
  frame.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]);
  vlans.forEach((vid, i) => {
    view.setUint16(12 + 4 * i, 0x8100);
    view.setUint16(14 + 4 * i, vid);
  });
  view.setUint16(12 + 4 * vlans.length, v6 ? 0x86dd : 0x0800);
  frame.set(ip, 14 + 4 * vlans.length);
  return frame;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL) frame: 16-byte header, then the IP packet. */
export function sllFrame(ip: Uint8Array, v6: boolean, packetType: number): Uint8Array {
  const frame = new Uint8Array(16 + ip.length);
  const view = new DataView(frame.buffer);
  view.setUint16(0, packetType); // 0 to us, 1 broadcast, 2 multicast, 3 other host, 4 outgoing
  view.setUint16(2, 1); // ARPHRD_ETHER
  view.setUint16(4, 6); // link-layer address length
  frame.set([0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0, 0], 6); // address, padded to 8
  view.setUint16(14, v6 ? 0x86dd : 0x0800);
  frame.set(ip, 16);
  return frame;
}
