import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createGzip } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { BasicAuth, type BasicAuthLimits } from './basic-auth.ts';
import { ConnectionLimit } from './connection-limit.ts';
import type { Write } from './final-output.ts';
import { CONTENT_TYPES, negotiateFormat, type ExpositionFormat } from './openmetrics.ts';
import type { WebConfig } from './web-config.ts';

/** Handles a request the metrics server does not; returns false to let it answer 404. */
export type ExtraRoutes = (url: string, req: IncomingMessage, res: ServerResponse) => boolean;

export interface MetricsServerOptions {
  /** TLS and basic auth (prometheus.webConfigFile); they cover every path. */
  web?: WebConfig;
  /** Basic-auth limits (tests shorten them). */
  authLimits?: Partial<BasicAuthLimits>;
  /** More routes (the live page), consulted after the exposition path. */
  routes?: ExtraRoutes;
  /** Most open connections (ConnectionLimit: past it the longest-idle one is closed). Default 256. */
  maxConnections?: number;
  /** Expositions streamed at once; more scrapes get 503 (default MAX_SCRAPES). */
  maxScrapes?: number;
  /** Milliseconds a connection may stay silent in both directions before it is closed. Default 15000. */
  idleTimeoutMs?: number;
}

/** Default of MetricsServerOptions.maxConnections: well under the usual 1,024 file descriptors. */
export const MAX_CONNECTIONS = 256;
/** Default of MetricsServerOptions.idleTimeoutMs. */
export const IDLE_TIMEOUT_MS = 15_000;
/**
 * Default of MetricsServerOptions.maxScrapes. Each scrape in progress costs the CPU of a whole
 * exposition (gzip included) whether or not its client reads: without a cap, a few hundred slow
 * readers starve every real scrape (as node_exporter's --web.max-requests guards against).
 */
export const MAX_SCRAPES = 8;

/**
 * otelacct's HTTP endpoint: GET/HEAD `path` serves the Prometheus exposition (text 0.0.4, or
 * OpenMetrics 1.0 as the Accept header negotiates), `/` a short index
 * (unless `routes` serves it), anything else 404, other methods 405. With a web config: HTTPS
 * and/or basic auth on every path (401 with a Basic challenge). Requests are not read beyond
 * their headers; slow or oversized requests are cut off by the timeouts and header limits.
 * Resource limits: at most `maxConnections` connections (the longest-idle one makes room for a
 * new one), a silent connection is closed after `idleTimeoutMs` (one that never sends a request
 * included), a kept-alive one 5 s after its last response, a TLS handshake after 10 s.
 */
export function createMetricsServer(exposition: Exposition, path: string, options: MetricsServerOptions = {}): Server {
  const auth = options.web?.users ? new BasicAuth(options.web.users, options.authLimits) : undefined;
  const maxScrapes = options.maxScrapes ?? MAX_SCRAPES;
  let scrapes = 0;
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === path) {
      if (scrapes >= maxScrapes) {
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('too many scrapes in progress\n');
        return;
      }
      scrapes++;
      void serveExposition(exposition, req, res).finally(() => scrapes--);
      return;
    }
    if (options.routes?.(url, req, res)) return;
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>otelacct</title><h1>otelacct</h1><p><a href="${path}">${path}</a></p>\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!auth) {
      serve(req, res);
      return;
    }
    auth.check(req).then((result) => {
      if (result === 'ok') serve(req, res);
      else if (result === 'denied') res.writeHead(401, { 'www-authenticate': 'Basic realm="otelacct"', 'content-type': 'text/plain' }).end('unauthorized\n');
      else if (result === 'throttled') res.writeHead(429, { 'retry-after': '60', 'content-type': 'text/plain' }).end('too many failed logins\n');
      else res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('too many logins waiting\n');
    }, () => res.writeHead(500).end());
  };
  const tls = options.web?.tls;
  // Timeouts are checked every second (Node's default: 30 s, which let stalled requests pile up).
  const limits = { connectionsCheckingInterval: 1000, headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5000 };
  const server: Server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: 10_000, ...limits }, handler)
    : createServer(limits, handler);
  server.maxHeadersCount = 100;
  // Socket inactivity in both directions (a connection that never sends a byte is not covered by
  // headersTimeout): Node destroys the socket when no 'timeout' listener is set.
  server.timeout = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  new ConnectionLimit(server, options.maxConnections ?? MAX_CONNECTIONS);
  if (auth) server.on('close', () => auth.close());
  return server;
}

/** Writes the whole exposition, in `format`, through `write` (Telemetry.writePrometheus). */
export type Exposition = (write: Write, format: ExpositionFormat) => Promise<void>;

/**
 * Streams the exposition, a chunk of series at a time, waiting for the socket to drain between
 * chunks: a scrape of a million series is never built in memory. A client that goes away stops
 * the stream. A failure before the first byte answers 500; after it, the connection is cut (the
 * scraper sees a truncated, failed scrape rather than a silently partial one).
 */
async function serveExposition(exposition: Exposition, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // OpenMetrics 1.0 when the Accept header prefers it (Prometheus' default does), else text 0.0.4.
  const format = negotiateFormat(req.headers.accept);
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPES[format], vary: 'accept, accept-encoding' };
  const gzip = acceptsGzip(req.headers['accept-encoding']) ? createGzip() : undefined;
  if (gzip) headers['content-encoding'] = 'gzip';
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end();
    return;
  }
  // With gzip the text goes through the compressor, which writes to the socket (and waits for it).
  const out = gzip ?? res;
  if (gzip) {
    gzip.pipe(res);
    res.once('close', () => gzip.destroy());
  }
  let started = false;
  try {
    await exposition((chunk: string | Uint8Array) => {
      if (res.destroyed || out.destroyed) throw new ClientGone();
      if (!started) {
        res.writeHead(200, headers);
        started = true;
      }
      // A byte chunk is lent (see Write): the socket may still hold it after write() returns.
      if (!out.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk))) {
        return new Promise<void>((resolve) => {
          const done = (): void => {
            out.off('drain', done);
            res.off('close', done);
            resolve();
          };
          out.once('drain', done);
          res.once('close', done);
        });
      }
      // Let the capture run between chunks: a scrape of a million series takes seconds of CPU,
      // and packets wait in the kernel's ring meanwhile.
      return new Promise<void>((resolve) => setImmediate(resolve));
    }, format);
    if (!started) res.writeHead(200, headers);
    out.end();
  } catch (err) {
    if (err instanceof ClientGone) return;
    if (!started) {
      gzip?.unpipe(res);
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`# failed to collect metrics: ${String(err)}\n`);
    } else res.destroy();
  }
}

/** Whether an Accept-Encoding header accepts gzip (listed without q=0, or `*`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** Thrown into the exposition's iteration when the client went away (ends it early). */
class ClientGone extends Error {}

/** Starts listening; resolves with the bound port, rejects with a clear message. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${host || '*'}:${port}`;
      reject(new Error(`prometheus: cannot listen on ${where} (${err.code ?? err.message})`, { cause: err }));
    });
    server.listen({ port, host: host || undefined }, () => resolve((server.address() as AddressInfo).port));
  });
}
