import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/**
 * otelacct's HTTP endpoint: GET/HEAD `path` serves the Prometheus exposition, `/` a short index,
 * anything else 404, other methods 405. Requests are not read beyond their headers.
 */
export function createMetricsServer(exporter: PrometheusExporter, path: string): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === path) {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>otelacct</title><h1>otelacct</h1><p><a href="${path}">${path}</a></p>\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxHeadersCount = 100;
  return server;
}

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
