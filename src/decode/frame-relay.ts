import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeEthertype } from './ethertype.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { EtherType, Llc, Nlpid } from './numbers.ts';

/** The extended-address bit: set in the last byte of the Q.922 address. */
const ADDRESS_EA = 0x01;
/** Longest Q.922 address. */
const MAX_ADDRESS_LENGTH = 4;
/** Q.922 unnumbered-information control byte: RFC 2427 (NLPID) encapsulation follows. */
const CONTROL_UI = 0x03;
/** SNAP after its NLPID: OUI (3 bytes) and PID (2 bytes). */
const SNAP_LENGTH = 5;

/**
 * Decodes a Frame Relay frame (LinkType.FRELAY) at `off`: a Q.922 address of 2 to 4 bytes (up
 * to the byte with the EA bit), then either RFC 2427 encapsulation — control 0x03, an optional
 * 0x00 pad, an NLPID: 0xcc IPv4, 0x8e IPv6, 0x80 SNAP with OUI 00-00-00 and an EtherType — or,
 * when the control byte is not 0x03, Cisco encapsulation: an EtherType right after the address.
 * EtherTypes go to `decodeEthertype`.
 *
 * Contract: TRUNCATED_LINK when the address, control, NLPID or SNAP header is not captured below
 * `end`; NOT_IP for a 1-byte or over-long address, another NLPID (Q.933, CLNP, ...), another
 * SNAP OUI, or an EtherType below 0x0600. Never throws, never allocates.
 */
export function decodeFrameRelay(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off >= end) return DecodeStatus.TRUNCATED_LINK;
  if ((data[off] & ADDRESS_EA) !== 0) return DecodeStatus.NOT_IP;
  let pos = off + 1;
  for (;;) {
    if (pos >= end) return DecodeStatus.TRUNCATED_LINK;
    const last = (data[pos] & ADDRESS_EA) !== 0;
    pos++;
    if (last) break;
    if (pos - off === MAX_ADDRESS_LENGTH) return DecodeStatus.NOT_IP;
  }
  if (pos + 2 > end) return DecodeStatus.TRUNCATED_LINK;
  if (data[pos] !== CONTROL_UI) return decodeTypeField(data, pos, end, wireEnd, out);
  pos++;
  if (data[pos] === Nlpid.PADDING) {
    pos++;
    if (pos >= end) return DecodeStatus.TRUNCATED_LINK;
  }
  switch (data[pos]) {
    case Nlpid.IPV4:
      return decodeIPv4(data, pos + 1, end, wireEnd, out);
    case Nlpid.IPV6:
      return decodeIPv6(data, pos + 1, end, wireEnd, out);
    case Nlpid.SNAP: {
      if (pos + 1 + SNAP_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
      const oui = (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3];
      if (oui !== Llc.OUI_ETHERTYPE) return DecodeStatus.NOT_IP;
      return decodeTypeField(data, pos + 4, end, wireEnd, out);
    }
    default:
      return DecodeStatus.NOT_IP;
  }
}

/** The EtherType at `pos` (2 bytes, captured) and what follows it. */
function decodeTypeField(data: Uint8Array, pos: number, end: number, wireEnd: number, out: DecodeResult): number {
  const type = (data[pos] << 8) | data[pos + 1];
  if (type < EtherType.MIN_ETHERTYPE) return DecodeStatus.NOT_IP;
  return decodeEthertype(data, pos + 2, end, type, wireEnd, out);
}
