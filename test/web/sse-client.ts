/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * A minimal server-sent events reader over fetch (tests only): `next()` resolves with the next
 * event, `close()` aborts the stream.
 */
export class SseClient {
  readonly status: number;
  readonly contentType: string;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #abort: AbortController;
  readonly #decoder = new TextDecoder();
  #buffer = '';

  private constructor(res: Response, abort: AbortController) {
    this.status = res.status;
    this.contentType = res.headers.get('content-type') ?? '';
    this.#reader = res.body?.getReader();
    this.#abort = abort;
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    return new SseClient(res, abort);
  }

  /** The next event (comments and `retry:` lines skipped); rejects after `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length > 0) return { event, data: data.join('\n') };
        continue;
      }
      if (!this.#reader) throw new Error('no response body');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), left))),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error('stream ended');
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    }
  }

  close(): void {
    this.#abort.abort();
  }
}
