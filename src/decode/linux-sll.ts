import { DecodeStatus, type DecodeResult } from './decode-result.ts';
import { decodeEthertype } from './ethertype.ts';
import { EtherType, SllProtocol } from './numbers.ts';

/** Packet type, ARPHRD type, address length, 8-byte address, protocol. */
const SLL_HEADER_LENGTH = 16;
const SLL_PROTOCOL_OFFSET = 14;
/** Protocol, reserved, interface index, ARPHRD type, packet type, address length, address. */
const SLL2_HEADER_LENGTH = 20;
const SLL2_PROTOCOL_OFFSET = 0;

/**
 * Decodes a Linux cooked capture v1 frame (LinkType.LINUX_SLL, 16-byte header, protocol at
 * byte 14) starting at `off`. TRUNCATED_LINK when the header is not captured below `end`;
 * otherwise see `decodeSllProtocol`. Never throws, never allocates.
 */
export function decodeLinuxSll(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off + SLL_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
  const protocol = (data[off + SLL_PROTOCOL_OFFSET] << 8) | data[off + SLL_PROTOCOL_OFFSET + 1];
  return decodeSllProtocol(data, off + SLL_HEADER_LENGTH, end, protocol, wireEnd, out);
}

/**
 * Decodes a Linux cooked capture v2 frame (LinkType.LINUX_SLL2, 20-byte header, protocol at
 * byte 0) starting at `off`. TRUNCATED_LINK when the header is not captured below `end`;
 * otherwise see `decodeSllProtocol`. Never throws, never allocates.
 */
export function decodeLinuxSll2(
  data: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (off + SLL2_HEADER_LENGTH > end) return DecodeStatus.TRUNCATED_LINK;
  const protocol = (data[off + SLL2_PROTOCOL_OFFSET] << 8) | data[off + SLL2_PROTOCOL_OFFSET + 1];
  return decodeSllProtocol(data, off + SLL2_HEADER_LENGTH, end, protocol, wireEnd, out);
}

/**
 * Decodes the payload of a cooked capture at `pos` given its protocol field: an EtherType
 * (IPv4, IPv6, VLAN tags the kernel left in place, MPLS, PPPoE) goes to `decodeEthertype`, as does
 * ETH_P_802_2 (an LLC/SNAP header follows); other pseudo protocols below 0x0600 (802.3 raw, CAN,
 * netlink families, ...) are NOT_IP. Never throws, never allocates.
 */
export function decodeSllProtocol(
  data: Uint8Array,
  pos: number,
  end: number,
  protocol: number,
  wireEnd: number,
  out: DecodeResult,
): number {
  if (protocol < EtherType.MIN_ETHERTYPE && protocol !== SllProtocol.LLC) {
    return DecodeStatus.NOT_IP;
  }
  return decodeEthertype(data, pos, end, protocol, wireEnd, out);
}
