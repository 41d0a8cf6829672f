import { statSync, type BigIntStats } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { loadNetworksFile } from './networks-file.ts';
import { PrefixTrie, type PrefixTrieParts } from './prefix-trie.ts';

/** What NetworksFileLoader.reload found. */
export type NetworksReload =
  | { status: 'loaded'; trie: PrefixTrie }
  | { status: 'unchanged' }
  | { status: 'failed'; error: string };

/**
 * Loads the networks file, and reloads it (SIGHUP) only when it changed and without stalling the
 * capture: a reload first compares the file's identity (path, device, inode, size, modification
 * and change times in ns) with the last load's and stops there when they are equal; otherwise it
 * parses and builds on a worker thread, which hands the finished table back as typed arrays
 * (moved, not copied). Reloads run one at a time, in the order asked.
 */
export class NetworksFileLoader {
  readonly #timeoutMs: number;
  #loaded: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /** `timeoutMs`: longest a reload may take before it is given up (default 120 s; tests shorten it). */
  constructor(opts: { timeoutMs?: number } = {}) {
    this.#timeoutMs = opts.timeoutMs ?? LOAD_TIMEOUT_MS;
  }

  /** Loads `path` on this thread (at start, before capturing). Throws NetworksFileError. */
  loadSync(path: string): PrefixTrie {
    const id = identity(path);
    const trie = loadNetworksFile(path);
    this.#loaded = id;
    return trie;
  }

  /** Reloads `path` if it changed since the last load; never throws. */
  reload(path: string): Promise<NetworksReload> {
    const run = this.#queue.then(() => this.#reload(path));
    this.#queue = run;
    return run;
  }

  async #reload(path: string): Promise<NetworksReload> {
    const id = identity(path);
    if (id !== undefined && id === this.#loaded) return { status: 'unchanged' };
    const answer = await inWorker(path, this.#timeoutMs);
    if ('error' in answer) return { status: 'failed', error: answer.error };
    this.#loaded = id;
    return { status: 'loaded', trie: PrefixTrie.fromParts(answer.parts) };
  }
}

/** The file's identity, or undefined when it cannot be stat'ed (the load then reports why). */
function identity(path: string): string | undefined {
  let s: BigIntStats | undefined;
  try {
    s = statSync(path, { bigint: true });
  } catch {
    return undefined;
  }
  return `${path}\0${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** Default longest a reload may take (a 1,000,000-line file takes about 4 s). */
const LOAD_TIMEOUT_MS = 120_000;

/** Runs one load on a fresh worker thread (its memory goes back when it ends). */
function inWorker(path: string, timeoutMs: number): Promise<{ parts: PrefixTrieParts } | { error: string }> {
  // src/account/*.ts when run from source, dist/src/account/*.js when built.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new Promise((resolve) => {
    const worker = new Worker(new URL(`./networks-worker.${ext}`, import.meta.url));
    let done = false;
    const finish = (answer: { parts: PrefixTrieParts } | { error: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(answer);
      void worker.terminate();
    };
    // A load that never ends (a FIFO with no writer) must not block every later reload.
    const timer = setTimeout(() => finish({ error: `${path}: cannot load (no result after ${timeoutMs / 1000} s)` }), timeoutMs);
    timer.unref();
    worker.unref();
    worker.once('message', finish);
    worker.once('error', (err) => finish({ error: `${path}: cannot load (${err.message})` }));
    worker.once('exit', (code) => finish({ error: `${path}: cannot load (worker exited with ${code})` }));
    worker.postMessage({ path });
  });
}
