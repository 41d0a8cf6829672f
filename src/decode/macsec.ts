/** `macsecTagLength` result: the SecTAG, or the EtherType after it, is not captured. */
export const MACSEC_TRUNCATED = -1;
/** `macsecTagLength` result: a SecTAG of another version, or an encrypted / modified payload. */
export const MACSEC_NOT_CLEAR = -2;

/** TCI bits: version (must be 0), SC (an 8-byte SCI follows), E (encrypted), C (changed text). */
const TCI_VERSION = 0x80;
const TCI_SC = 0x20;
const TCI_E = 0x08;
const TCI_C = 0x04;
/** TCI/AN, short length, packet number. */
const SECTAG_LENGTH = 6;
/** Secure channel identifier. */
const SCI_LENGTH = 8;

/**
 * Reads the IEEE 802.1AE SecTAG at `pos` (the first byte after EtherType 0x88e5) and returns its
 * length (6, or 14 with an SCI). With integrity only (E = 0, C = 0) the user data after it is
 * cleartext: an EtherType (at `pos + length`) and its payload; the 16-byte ICV at the end of the
 * frame is never read (lengths come from the IP header).
 *
 * @returns the SecTAG length; MACSEC_TRUNCATED when the SecTAG and the 2-byte EtherType after it
 *   are not captured below `end`; MACSEC_NOT_CLEAR when the version bit is set or the payload is
 *   encrypted or modified. Never throws, never allocates.
 */
export function macsecTagLength(data: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return MACSEC_TRUNCATED;
  const tci = data[pos];
  if ((tci & (TCI_VERSION | TCI_E | TCI_C)) !== 0) return MACSEC_NOT_CLEAR;
  const length = (tci & TCI_SC) !== 0 ? SECTAG_LENGTH + SCI_LENGTH : SECTAG_LENGTH;
  if (pos + length + 2 > end) return MACSEC_TRUNCATED;
  return length;
}
