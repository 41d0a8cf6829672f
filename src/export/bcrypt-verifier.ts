import { Worker } from 'node:worker_threads';

interface Job {
  password: string;
  hash: string;
  resolve: (ok: boolean) => void;
}

/**
 * Runs bcrypt comparisons on one worker thread, one at a time, so that they never take the
 * capture's event loop (bcryptjs takes ~100 ms of CPU per check at cost 10, in 100 ms slices on
 * whatever thread calls it). Waiting checks are queued per client and served round-robin: one
 * client flooding bad passwords delays another's check by at most one check per waiting client.
 * A client with `perClient` checks waiting, or a queue of `total`, gets `undefined` at once
 * (the caller answers 503). The worker starts with the first check and does not keep the
 * process alive; close() ends it.
 */
export class BcryptVerifier {
  readonly #perClient: number;
  readonly #total: number;
  /** Waiting checks by client, in round-robin order. */
  readonly #queues = new Map<string, Job[]>();
  #waiting = 0;
  #worker: Worker | undefined;
  #running: Job | undefined;
  #nextId = 0;
  /** Checks run (each a full bcrypt). */
  checks = 0;

  constructor(opts: { perClient: number; total: number }) {
    this.#perClient = opts.perClient;
    this.#total = opts.total;
  }

  /** Resolves whether `password` matches `hash`, or undefined when the queue is full. */
  verify(client: string, password: string, hash: string): Promise<boolean | undefined> {
    const queue = this.#queues.get(client);
    if (this.#waiting >= this.#total || (queue?.length ?? 0) >= this.#perClient) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const job = { password, hash, resolve };
      if (queue) queue.push(job);
      else this.#queues.set(client, [job]);
      this.#waiting++;
      this.#next();
    });
  }

  /** Stops the worker; waiting and running checks resolve false. */
  close(): void {
    for (const q of this.#queues.values()) for (const j of q) j.resolve(false);
    this.#queues.clear();
    this.#waiting = 0;
    this.#running?.resolve(false);
    this.#running = undefined;
    void this.#worker?.terminate();
    this.#worker = undefined;
  }

  #next(): void {
    if (this.#running) return;
    const first = this.#queues.entries().next();
    if (first.done) return;
    const [client, queue] = first.value;
    const job = queue.shift()!;
    this.#queues.delete(client);
    if (queue.length > 0) this.#queues.set(client, queue); // to the back of the round
    this.#waiting--;
    this.#running = job;
    this.checks++;
    this.#start().postMessage({ id: ++this.#nextId, password: job.password, hash: job.hash });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    // src/export/*.ts when run from source, dist/src/export/*.js when built.
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const worker = new Worker(new URL(`./bcrypt-worker.${ext}`, import.meta.url));
    worker.unref();
    worker.on('message', (m: { id: number; ok: boolean }) => {
      if (m.id !== this.#nextId) return;
      const job = this.#running;
      this.#running = undefined;
      job?.resolve(m.ok);
      this.#next();
    });
    const fail = (): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const job = this.#running;
      this.#running = undefined;
      job?.resolve(false);
      this.#next();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    this.#worker = worker;
    return worker;
  }
}
