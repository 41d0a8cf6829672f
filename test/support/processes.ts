import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, or times out. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Collects a child's stderr lines; resolves `line(re)` when one matches. */
export class OutputWatch {
  text = '';
  constructor(child: ChildProcess, stream: 'stdout' | 'stderr' = 'stderr') {
    child[stream]!.setEncoding('utf8').on('data', (d: string) => (this.text += d));
  }

  /** First line matching `re`, waiting up to `timeoutMs`. */
  line(re: RegExp, timeoutMs = 20_000): Promise<string> {
    return waitFor(`a line matching ${re} (got: ${this.text.slice(-2000)})`, () => this.text.split('\n').find((l) => re.test(l)), timeoutMs, 50);
  }
}

/** Sends `signal` and resolves with the exit code once the child exited (SIGKILL after timeout). */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill(signal);
  });
}
