import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VERSION } from '../version.ts';
import { HostFilter } from './host-filter.ts';
import type { ClosedSlot, LiveRates } from './live-rates.ts';

/** Most page clients streaming at once (each costs a filter pass per second); more get 503. */
const MAX_CLIENTS = 32;
/** A client whose unsent events pass this many bytes is too slow: its connection is destroyed. */
const MAX_BUFFERED = 256 << 10;
/**
 * A client with unsent events (the kernel's socket buffers are full: it is not reading) for this
 * long is too slow: its connection is destroyed and its slot freed.
 */
const STALL_MS = 10_000;
/**
 * Longest life of one stream; the browser's EventSource reconnects by itself (retry: 3 s). Linux
 * buffers up to ~4 MB per socket before a non-reading client shows any unsent bytes (minutes at
 * the page's 5-30 kB/s), so without this a client that never reads would hold its slot that long.
 */
const MAX_STREAM_MS = 10 * 60_000;
/** The page's update interval. */
const TICK_MS = 1000;

/** The page's files in src/web/assets (app.js imports rates.js: ES modules, no build step). */
const ASSETS = ['index.html', 'app.js', 'rates.js', 'chart.js', 'tables.js', 'app.css'];

interface Asset { body: Buffer; type: string; etag: string }
interface Client {
  res: ServerResponse;
  filter: HostFilter;
  /** performance.now() when the stream opened. */
  opened: number;
  /** performance.now() of the first broadcast that found events still unsent, -1 while it keeps up. */
  stalledSince: number;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
  + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface LivePageOptions {
  rates: LiveRates;
  /** Flushes the flow tables (TrafficMetrics.flush): the ticker calls it every second while a page is open. */
  flush: () => Promise<void>;
  /** The Prometheus exposition path, linked from the page. */
  metricsPath: string;
  onError: (message: string) => void;
  /** Settings the page shows: web.grafanaUrl (links per host; '' none) and whether reverse DNS is on. */
  meta?: { grafanaUrl: string; reverseDns: boolean };
  /** Called by close() (stops the reverse DNS lookups). */
  onClose?: () => void;
}

/** When a stream's connection is destroyed (see the constants above); tests shorten them. */
export interface StreamLimits {
  maxBuffered: number;
  stallMs: number;
  maxStreamMs: number;
}

/**
 * The live top-talkers page on otelacct's HTTP server: `GET /` the page, `/assets/app.js` and
 * `/assets/app.css` its code (served from src/web/assets, no build step, nothing from a CDN),
 * `/api/snapshot` the current state as JSON (flushing first when no page is open), `/api/live` a server-sent event stream: a
 * `snapshot` event, then one `slot` event per second. `?filter=` (HostFilter) applies to both.
 *
 * While at least one stream is open a 1-second ticker flushes the flow tables and closes a slot
 * (so /metrics and OTLP also see fresher data; harmless); with none open it stops.
 */
export class LivePage {
  readonly #o: LivePageOptions;
  readonly #assets = new Map<string, Asset>();
  readonly #clients = new Set<Client>();
  readonly #unsubscribe: () => void;
  /** Slow and old streams are cut off by these (checked every second). */
  readonly limits: StreamLimits = { maxBuffered: MAX_BUFFERED, stallMs: STALL_MS, maxStreamMs: MAX_STREAM_MS };
  #assetError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(o: LivePageOptions) {
    this.#o = o;
    this.#loadAssets();
    this.#unsubscribe = o.rates.subscribe((closed) => this.#broadcast(closed));
  }

  /** Open event streams. */
  get clients(): number {
    return this.#clients.size;
  }

  /**
   * Route handler for the metrics server (`routes` option): answers `/`, `/assets/*` and
   * `/api/*` and returns true, or returns false for any other path.
   */
  readonly handle = (url: string, req: IncomingMessage, res: ServerResponse): boolean => {
    if (url === '/' || url === '/index.html') this.#asset(req, res, 'index.html');
    else if (url.startsWith('/assets/')) this.#asset(req, res, url.slice('/assets/'.length));
    else if (url === '/api/snapshot') void this.#snapshot(req, res);
    else if (url === '/api/live') this.#stream(req, res);
    else if (url.startsWith('/api/')) res.writeHead(404, { 'content-type': 'application/json', ...SECURITY_HEADERS }).end('{"error":"not found"}\n');
    else return false;
    return true;
  };

  /** Ends every stream and stops the ticker (before the server closes). */
  close(): void {
    this.#stopTicker();
    this.#unsubscribe();
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
    this.#o.onClose?.();
  }

  #loadAssets(): void {
    const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
    // src/web/assets in a checkout; dist/src/web/ → the package's src/web/assets when installed.
    for (const dir of ['./assets/', '../../../src/web/assets/']) {
      try {
        for (const name of ASSETS) {
          const body = readFileSync(new URL(dir + name, import.meta.url));
          const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
          this.#assets.set(name, { body, type: `${types[name.split('.').pop()!]}; charset=utf-8`, etag });
        }
        this.#assetError = undefined;
        return;
      } catch (err) {
        this.#assetError = `live page assets missing (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
      }
    }
    this.#o.onError(this.#assetError!);
  }

  #asset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const a = this.#assets.get(name);
    if (!a) {
      const code = this.#assetError ? 500 : 404;
      res.writeHead(code, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end(`${this.#assetError ?? 'not found'}\n`);
      return;
    }
    const headers = {
      'content-type': a.type, etag: a.etag, 'cache-control': 'no-cache', ...SECURITY_HEADERS,
      ...(name === 'index.html' ? { 'content-security-policy': PAGE_CSP } : {}),
    };
    if (req.headers['if-none-match'] === a.etag) res.writeHead(304, headers).end();
    else res.writeHead(200, headers).end(a.body);
  }

  #filter(req: IncomingMessage): HostFilter {
    const q = (req.url ?? '').indexOf('?');
    return new HostFilter(q < 0 ? '' : (new URLSearchParams((req.url ?? '').slice(q + 1)).get('filter') ?? ''));
  }

  #state(filter: HostFilter): object {
    const r = this.#o.rates;
    return {
      meta: { ...r.meta, grafanaUrl: '', reverseDns: false, ...this.#o.meta, metricsPath: this.#o.metricsPath, version: VERSION, filter: filter.text, filterDescription: filter.description },
      health: r.health(),
      slots: r.window(filter),
    };
  }

  /** Without a page open, a snapshot flushes first (as a scrape does), so it is never older than a second. */
  async #snapshot(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.#timer && req.method === 'GET') {
      try {
        await this.#o.flush();
      } catch (err) {
        this.#o.onError(`live page flush failed: ${String(err)}`);
      }
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS })
      .end(`${JSON.stringify(this.#state(this.#filter(req)))}\n`);
  }

  #stream(req: IncomingMessage, res: ServerResponse): void {
    if (this.#clients.size >= MAX_CLIENTS) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '10', ...SECURITY_HEADERS }).end(`more than ${MAX_CLIENTS} live page clients\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const client: Client = { res, filter: this.#filter(req), opened: performance.now(), stalledSince: -1 };
    res.write(`retry: 3000\nevent: snapshot\ndata: ${JSON.stringify(this.#state(client.filter))}\n\n`);
    this.#clients.add(client);
    res.on('close', () => {
      this.#clients.delete(client);
      if (this.#clients.size === 0) this.#stopTicker();
    });
    this.#startTicker();
  }

  #broadcast(closed: ClosedSlot): void {
    const events = new Map<string, string>();
    for (const c of this.#clients) {
      let event = events.get(c.filter.text);
      if (event === undefined) events.set(c.filter.text, (event = `event: slot\ndata: ${JSON.stringify(closed.filtered(c.filter))}\n\n`));
      if (this.#cutOff(c)) {
        // end() would wait for the unsent events, keeping the socket (and the slot) forever.
        c.res.destroy();
        this.#clients.delete(c);
      } else c.res.write(event);
    }
  }

  /** True when `c` must go: it stopped reading (too many bytes unsent, or some for too long), or is too old. */
  #cutOff(c: Client): boolean {
    const now = performance.now();
    const unsent = c.res.writableLength;
    if (unsent === 0) c.stalledSince = -1;
    else if (c.stalledSince < 0) c.stalledSince = now;
    const l = this.limits;
    return now - c.opened > l.maxStreamMs || unsent > l.maxBuffered || (unsent > 0 && now - c.stalledSince > l.stallMs);
  }

  #startTicker(): void {
    if (this.#timer) return;
    this.#o.rates.closeOnDrain = false;
    this.#timer = setInterval(() => void this.#tick(), TICK_MS);
    this.#timer.unref();
    void this.#tick();
  }

  #stopTicker(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#o.rates.closeOnDrain = true;
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      await this.#o.flush();
      if (this.#timer) this.#o.rates.closeSlot();
    } catch (err) {
      this.#o.onError(`live page flush failed: ${String(err)}`);
    } finally {
      this.#busy = false;
    }
  }
}
