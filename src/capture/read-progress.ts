import { statSync } from 'node:fs';

/**
 * A one-line progress display for long file reads on a terminal: percentage of the file, MB/s,
 * packets/s, rewritten in place at most every `everyMs`. Writes nothing when the output is not a
 * TTY (logs and pipes stay clean) or the size is unknown (a pipe).
 */
export class ReadProgress {
  readonly #out: NodeJS.WriteStream;
  readonly #size: number;
  readonly #started = Date.now();
  readonly #everyMs: number;
  #last = 0;
  #shown = false;

  constructor(path: string, out: NodeJS.WriteStream = process.stderr, everyMs = 500) {
    this.#out = out;
    this.#everyMs = everyMs;
    let size = 0;
    try {
      const st = statSync(path);
      if (st.isFile()) size = st.size;
    } catch {
      // unknown size: no percentage
    }
    this.#size = out.isTTY ? size : 0;
  }

  /** Reports `bytesRead` of the file and `packets` so far. */
  update(bytesRead: number, packets: number): void {
    if (this.#size === 0) return;
    const now = Date.now();
    if (now - this.#last < this.#everyMs) return;
    this.#last = now;
    const secs = Math.max(0.001, (now - this.#started) / 1000);
    const pct = Math.min(100, (100 * bytesRead) / this.#size);
    this.#out.write(`\r\x1b[Kreading ${pct.toFixed(1)}%  ${(bytesRead / secs / 1e6).toFixed(1)} MB/s  ${(packets / secs / 1e6).toFixed(2)} Mpackets/s`);
    this.#shown = true;
  }

  /** Clears the line if anything was shown. */
  done(): void {
    if (this.#shown) this.#out.write('\r\x1b[K');
    this.#shown = false;
  }
}
