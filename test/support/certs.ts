import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a throw-away PKI: paths and contents. */
export interface TestPki {
  dir: string;
  /** The CA (signs both certificates below). */
  caCert: string;
  /** Server certificate for localhost and 127.0.0.1, and its key. */
  serverCert: string;
  serverKey: string;
  /** Client certificate (CN=otelacct) and its key, for mTLS. */
  clientCert: string;
  clientKey: string;
  read(path: string): Buffer;
}

/**
 * Makes a CA, a server certificate and a client certificate in `dir` with openssl (P-256 keys,
 * valid two days). Callers check `unmet({ tools: ['openssl'] })` first.
 */
export function makePki(dir: string): TestPki {
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...newKey, '-days', '2', '-subj', '/CN=otelacct test CA', '-keyout', p('ca.key'), '-out', p('ca.crt'));
  for (const [name, cn, ext] of [['server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], ['client', 'otelacct', 'extendedKeyUsage=clientAuth']]) {
    writeFileSync(p(`${name}.ext`), `${ext}\n`);
    openssl('req', ...newKey, '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`));
    openssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2',
      '-extfile', p(`${name}.ext`), '-out', p(`${name}.crt`));
  }
  return {
    dir, caCert: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key'),
    read: (path) => readFileSync(path),
  };
}
