import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { readLimited } from '../config/read-limited.ts';

/** Largest web-config, certificate or key file read: 1 MiB. */
export const MAX_WEB_FILE_BYTES = 1 << 20;

/** What the HTTP endpoint enforces: TLS material and basic-auth users (bcrypt hashes). */
export interface WebConfig {
  tls?: { cert: Buffer; key: Buffer };
  /** user → bcrypt hash. */
  users?: Map<string, string>;
}

/** A web-config problem: one line naming the file, the key and what is wrong. */
export class WebConfigError extends Error {
  override name = 'WebConfigError';
}

/**
 * Reads a web configuration file in the format of the Prometheus exporter toolkit
 * (node_exporter's --web.config.file), the subset otelacct implements:
 *
 *   tls_server_config:
 *     cert_file: server.crt      # relative paths are relative to the web-config file
 *     key_file: server.key
 *   basic_auth_users:
 *     prometheus: $2y$10$...     # bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\n')
 *
 * Any other key is rejected, so a setting otelacct would ignore cannot be mistaken for one in force.
 */
export function loadWebConfig(path: string): WebConfig {
  const fail = (what: string): never => {
    throw new WebConfigError(`prometheus.webConfigFile ${path}: ${what}`);
  };
  let text = '';
  try {
    text = readLimited(path, MAX_WEB_FILE_BYTES).toString('utf8');
  } catch (err) {
    fail((err as Error).message);
  }
  let doc: unknown;
  try {
    // The YAML parser is loaded only when a web config file is read (start-up: see config/load.ts).
    doc = (createRequire(import.meta.url)('yaml') as typeof Yaml).parse(text);
  } catch (err) {
    fail(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) fail('top level must be a map (tls_server_config, basic_auth_users)');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (k !== 'tls_server_config' && k !== 'basic_auth_users') fail(`unknown key "${k}" (supported: tls_server_config, basic_auth_users)`);
  }
  const out: WebConfig = {};
  if (d.tls_server_config !== undefined && d.tls_server_config !== null) {
    const t = d.tls_server_config as Record<string, unknown>;
    if (typeof t !== 'object') fail('tls_server_config must be a map with cert_file and key_file');
    for (const k of Object.keys(t)) {
      if (k !== 'cert_file' && k !== 'key_file') fail(`tls_server_config: unknown key "${k}" (supported: cert_file, key_file)`);
    }
    if (typeof t.cert_file !== 'string' || typeof t.key_file !== 'string') fail('tls_server_config needs cert_file and key_file');
    const read = (key: string, file: string): Buffer => {
      const p = resolve(dirname(path), file);
      try {
        return readLimited(p, MAX_WEB_FILE_BYTES);
      } catch (err) {
        return fail(`tls_server_config.${key} ${p}: ${(err as Error).message}`);
      }
    };
    out.tls = { cert: read('cert_file', t.cert_file as string), key: read('key_file', t.key_file as string) };
    checkKeyPair(out.tls, resolve(dirname(path), t.cert_file as string), resolve(dirname(path), t.key_file as string), fail);
  }
  if (d.basic_auth_users !== undefined && d.basic_auth_users !== null) {
    const u = d.basic_auth_users as Record<string, unknown>;
    if (typeof u !== 'object' || Array.isArray(u)) fail('basic_auth_users must be a map of user names to bcrypt hashes');
    out.users = new Map();
    for (const [user, hash] of Object.entries(u)) {
      if (typeof hash !== 'string' || !/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) fail(`basic_auth_users.${user}: not a bcrypt hash (like $2y$10$...)`);
      out.users.set(user, hash as string);
    }
  }
  return out;
}

/**
 * The certificate must parse, the key must parse, and the key must be the certificate's: the TLS
 * server would otherwise fail with an OpenSSL message naming no file (swapped files), or start
 * and fail every handshake (a key of another certificate).
 */
function checkKeyPair(tls: { cert: Buffer; key: Buffer }, certPath: string, keyPath: string, fail: (what: string) => never): void {
  const looksLikeKey = (b: Buffer) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(b.toString('latin1'));
  const looksLikeCert = (b: Buffer) => b.toString('latin1').includes('-----BEGIN CERTIFICATE-----');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(tls.cert);
  } catch (err) {
    const swapped = looksLikeKey(tls.cert) && looksLikeCert(tls.key) ? ': it holds a private key (cert_file and key_file swapped?)' : ` (${firstLine(err)})`;
    return fail(`tls_server_config.cert_file ${certPath}: not a PEM certificate${swapped}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(tls.key);
  } catch (err) {
    const what = looksLikeCert(tls.key) ? ': it holds a certificate' : ` (${firstLine(err)})`;
    return fail(`tls_server_config.key_file ${keyPath}: not a PEM private key${what}`);
  }
  if (!cert.checkPrivateKey(key)) fail(`tls_server_config.key_file ${keyPath}: not the private key of the certificate in cert_file ${certPath}`);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
