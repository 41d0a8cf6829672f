import { Llc } from './numbers.ts';

/** `snapEthertype` result: fewer bytes captured than the LLC/SNAP header needs. */
export const LLC_TRUNCATED = -1;
/** `snapEthertype` result: an LLC header that is not SNAP-with-EtherType (STP, NetBIOS, ...). */
export const LLC_NOT_SNAP = -2;

/**
 * Reads the 802.2 LLC header at `pos` and returns the EtherType carried by a SNAP header
 * (DSAP/SSAP 0xAA, UI control, OUI 00-00-00 or 00-00-F8); the payload then starts at
 * `pos + Llc.SNAP_HEADER_LENGTH`. Returns LLC_TRUNCATED when the 3-byte LLC header, or the
 * 8-byte SNAP header it announces, is not below `end`; LLC_NOT_SNAP for any other LLC header.
 * Never throws, never allocates.
 */
export function snapEthertype(data: Uint8Array, pos: number, end: number): number {
  if (pos + 3 > end) return LLC_TRUNCATED;
  if (
    data[pos] !== Llc.SAP_SNAP ||
    (data[pos + 1] & 0xfe) !== Llc.SAP_SNAP ||
    data[pos + 2] !== Llc.CONTROL_UI
  ) {
    return LLC_NOT_SNAP;
  }
  if (pos + Llc.SNAP_HEADER_LENGTH > end) return LLC_TRUNCATED;
  const oui = (data[pos + 3] << 16) | (data[pos + 4] << 8) | data[pos + 5];
  if (oui !== Llc.OUI_ETHERTYPE && oui !== Llc.OUI_BRIDGE_TUNNEL) return LLC_NOT_SNAP;
  return (data[pos + 6] << 8) | data[pos + 7];
}
