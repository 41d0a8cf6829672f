import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TestPki } from './certs.ts';

/** What an authenticated Prometheus (a proxy in front of it, as for Mimir or Thanos) demands. */
export interface AuthPolicy {
  /** The exact Authorization header wanted. */
  authorization: string;
  /** X-Scope-OrgID wanted, if any. */
  tenant?: string;
  /** A client certificate signed by the test CA. */
  clientCert: boolean;
}

/** One request the proxy saw: what it refused (or undefined) and the headers it got. */
export interface SeenRequest {
  refused: string | undefined;
  headers: http.IncomingHttpHeaders;
}

/**
 * A loopback HTTPS server (certificate from `pki`; its URL is https://127.0.0.1:PORT) that enforces
 * `policy` (401 wrong or missing credentials, 403 missing tenant or client certificate) and then
 * forwards to `upstream` (a real Prometheus, http://...) or answers with `answer(form)`.
 */
export async function startAuthProxy(pki: TestPki, policy: AuthPolicy,
  target: { upstream: string } | { answer: (form: URLSearchParams) => unknown }): Promise<{ url: string; seen: SeenRequest[]; close: () => Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = https.createServer({
    key: pki.read(pki.serverKey), cert: pki.read(pki.serverCert), ca: pki.read(pki.caCert), requestCert: true, rejectUnauthorized: false,
  }, (req, res) => {
    let refused: string | undefined;
    if (policy.clientCert && !(req.socket as TLSSocket).authorized) refused = '403 client certificate';
    else if (req.headers.authorization !== policy.authorization) refused = '401 authorization';
    else if (policy.tenant !== undefined && req.headers['x-scope-orgid'] !== policy.tenant) refused = '403 tenant';
    seen.push({ refused, headers: req.headers });
    if (refused) {
      req.resume();
      const status = Number(refused.slice(0, 3));
      res.writeHead(status, { 'content-type': 'text/plain', ...(status === 401 ? { 'www-authenticate': 'Basic realm="prometheus"' } : {}) }).end(`${refused}\n`);
      return;
    }
    if ('upstream' in target) {
      const headers = { ...req.headers };
      delete headers.authorization;
      delete headers.host;
      const out = http.request(new URL(req.url ?? '/', target.upstream), { method: req.method, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.writeHead(502).end());
      req.pipe(out);
      return;
    }
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(target.answer(new URLSearchParams(body))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
