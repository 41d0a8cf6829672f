import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BasicAuth } from './basic-auth.ts';
import type { Write } from './final-output.ts';
import type { WebConfig } from './web-config.ts';

/** Handles a request the metrics server does not; returns false to let it answer 404. */
export type ExtraRoutes = (url: string, req: IncomingMessage, res: ServerResponse) => boolean;

export interface MetricsServerOptions {
  /** TLS and basic auth (prometheus.webConfigFile); they cover every path. */
  web?: WebConfig;
  /** More routes (the live page), consulted after the exposition path. */
  routes?: ExtraRoutes;
}

/**
 * otelacct's HTTP endpoint: GET/HEAD `path` serves the Prometheus exposition, `/` a short index
 * (unless `routes` serves it), anything else 404, other methods 405. With a web config: HTTPS
 * and/or basic auth on every path (401 with a Basic challenge). Requests are not read beyond
 * their headers; slow or oversized requests are cut off by the timeouts and header limits.
 */
export function createMetricsServer(exposition: Exposition, path: string, options: MetricsServerOptions = {}): Server {
  const auth = options.web?.users ? new BasicAuth(options.web.users) : undefined;
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === path) {
      void serveExposition(exposition, req, res);
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
    auth.check(req).then((ok) => {
      if (ok) serve(req, res);
      else res.writeHead(401, { 'www-authenticate': 'Basic realm="otelacct"', 'content-type': 'text/plain' }).end('unauthorized\n');
    }, () => res.writeHead(500).end());
  };
  const tls = options.web?.tls;
  const server: Server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxHeadersCount = 100;
  return server;
}

/** Writes the whole exposition through `write` (Telemetry.writePrometheus). */
export type Exposition = (write: Write) => Promise<void>;

/**
 * Streams the exposition, a chunk of series at a time, waiting for the socket to drain between
 * chunks: a scrape of a million series is never built in memory. A client that goes away stops
 * the stream. A failure before the first byte answers 500; after it, the connection is cut (the
 * scraper sees a truncated, failed scrape rather than a silently partial one).
 */
async function serveExposition(exposition: Exposition, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end();
    return;
  }
  let started = false;
  try {
    await exposition((text) => {
      if (res.destroyed) throw new ClientGone();
      if (!started) {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        started = true;
      }
      if (!res.write(text)) return new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
    });
    if (!started) res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end();
  } catch (err) {
    if (err instanceof ClientGone) return;
    if (!started) res.writeHead(500, { 'content-type': 'text/plain' }).end(`# failed to collect metrics: ${String(err)}\n`);
    else res.destroy();
  }
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
