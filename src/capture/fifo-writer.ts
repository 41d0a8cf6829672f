import { closeSync, constants, open, openSync, statSync } from 'node:fs';
import { CaptureFileError } from './capture-file-error.ts';

/** How long `--read` of a named FIFO waits for a process to open it for writing: 30 s. */
export const FIFO_WRITER_WAIT_MS = 30_000;

/**
 * For a named FIFO (`mkfifo p; otelacct -r p & tcpdump -w p`): waits, without blocking the
 * event loop, until a process opens it for writing, and returns a descriptor open for reading
 * (hand it to readCaptureFile as `fd`: opening the path again would wait again, forever if the
 * writer already finished). Calls `onWaiting` once if no writer came within a second. For
 * anything else, pipes behind /dev/stdin included (they have their writer), returns undefined
 * and the reader opens the path itself.
 * @throws CaptureFileError `<path>: no process opened this FIFO for writing within 30 s`
 */
export async function waitForFifoWriter(path: string, onWaiting: () => void, waitMs: number = FIFO_WRITER_WAIT_MS): Promise<number | undefined> {
  try {
    if (!statSync(path).isFIFO()) return undefined;
  } catch {
    return undefined; // the reader reports what is wrong with the path
  }
  // A blocking open, on libuv's thread pool: it returns when a writer opens the FIFO.
  const opened = new Promise<number>((resolve, reject) => open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
  let timer: NodeJS.Timeout | undefined;
  const notice = setTimeout(onWaiting, Math.min(1000, waitMs / 2));
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), waitMs)));
  try {
    const first = await Promise.race([opened, gaveUp]);
    if (first !== 'timeout') return first;
  } catch (err) {
    throw new CaptureFileError(path, `cannot open (${(err as NodeJS.ErrnoException).code ?? String(err)})`, undefined, undefined, { cause: err });
  } finally {
    clearTimeout(timer);
    clearTimeout(notice);
  }
  // Release the thread-pool open by being its writer for a moment (a non-blocking write open
  // succeeds: that open is a reader), then close both ends.
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    closeSync(await opened);
  } catch {
    // the FIFO went away; the pending open failed with it
  }
  throw new CaptureFileError(path, `no process opened this FIFO for writing within ${waitMs / 1000} s`);
}
