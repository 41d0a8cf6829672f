/**
 * Text forms of addresses found by the decoder. Export-time only: these allocate strings.
 * Output matches glibc `inet_ntop` byte for byte so that labels agree with pmacct and other C
 * tools.
 */

/**
 * Dotted-quad text of the 4 bytes at `data[off]`, e.g. `192.0.2.1`.
 * Throws RangeError when the address does not lie inside `data`.
 */
export function formatIPv4(data: Uint8Array, off: number): string {
  checkRange(data, off, 4);
  return `${data[off]}.${data[off + 1]}.${data[off + 2]}.${data[off + 3]}`;
}

/**
 * Text of the 16-byte IPv6 address at `data[off]` exactly as glibc `inet_ntop(AF_INET6)` writes
 * it: lowercase hex groups without leading zeros; the longest run of two or more zero groups
 * (the first of equal runs) replaced by `::`; and the last 32 bits as a dotted quad when that run
 * starts at group 0 and is 6 groups long (`::1.2.3.4`) or 5 groups long followed by ffff
 * (`::ffff:1.2.3.4`). Throws RangeError when the address does not lie inside `data`.
 */
export function formatIPv6(data: Uint8Array, off: number): string {
  checkRange(data, off, 16);
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((data[off + 2 * i] << 8) | data[off + 2 * i + 1]);

  let bestBase = -1;
  let bestLength = 0;
  let runBase = -1;
  let runLength = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (runBase === -1) {
        runBase = i;
        runLength = 1;
      } else {
        runLength++;
      }
    } else if (runBase !== -1) {
      if (bestBase === -1 || runLength > bestLength) {
        bestBase = runBase;
        bestLength = runLength;
      }
      runBase = -1;
    }
  }
  if (runBase !== -1 && (bestBase === -1 || runLength > bestLength)) {
    bestBase = runBase;
    bestLength = runLength;
  }
  if (bestBase !== -1 && bestLength < 2) bestBase = -1;

  let text = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLength) {
      if (i === bestBase) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    if (
      i === 6 &&
      bestBase === 0 &&
      (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))
    ) {
      return text + formatIPv4(data, off + 12);
    }
    text += words[i].toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLength === 8) text += ':';
  return text;
}

/**
 * Text of the address at `data[off]` for `ipVersion` 4 or 6 (as in DecodeResult.ipVersion).
 * Throws RangeError for any other version or when the address does not lie inside `data`.
 */
export function formatAddress(data: Uint8Array, off: number, ipVersion: number): string {
  if (ipVersion === 4) return formatIPv4(data, off);
  if (ipVersion === 6) return formatIPv6(data, off);
  throw new RangeError(`formatAddress: ipVersion ${ipVersion} is not 4 or 6`);
}

function checkRange(data: Uint8Array, off: number, length: number): void {
  if (!Number.isInteger(off) || off < 0 || off + length > data.length) {
    throw new RangeError(
      `address at offset ${off} (${length} bytes) is outside the buffer (length ${data.length})`,
    );
  }
}
