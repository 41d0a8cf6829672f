import type { CaptureFileStats } from './capture-file-stats.ts';

/**
 * A capture file could not be read: it cannot be opened or read, it is not a pcap/pcapng file,
 * or its content is corrupt or truncated. The message is one line,
 * `<path>: <problem> at byte offset N[ (detail)]` (no offset for open/read failures).
 *
 * Packets before the problem were already delivered to the sink; `stats` says how many (it is
 * undefined when the file could not be opened or its format was not recognised).
 */
export class CaptureFileError extends Error {
  /** The file's path as given to readCaptureFile. */
  readonly path: string;
  /** Byte offset in the file where the problem was found, or undefined for I/O failures. */
  readonly offset: number | undefined;
  /** Packets and bytes delivered to the sink before the error (set by readCaptureFile). */
  stats: CaptureFileStats | undefined;

  /**
   * @param path the file
   * @param problem what is wrong, lower case, naming the values (`block length 7 is not a multiple of 4`)
   * @param offset byte offset in the file, appended as ` at byte offset N`
   * @param detail appended after the offset in parentheses (`need 80 bytes, 12 left`)
   */
  constructor(path: string, problem: string, offset?: number, detail?: string, options?: ErrorOptions) {
    const where = offset === undefined ? '' : ` at byte offset ${offset}`;
    super(`${path}: ${problem}${where}${detail === undefined ? '' : ` (${detail})`}`, options);
    this.name = 'CaptureFileError';
    this.path = path;
    this.offset = offset;
    this.stats = undefined;
  }
}
