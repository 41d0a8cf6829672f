import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { readLimited } from '../config/read-limited.ts';

/**
 * How `otelacct report` talks to Prometheus, as Prometheus' own HTTP client config
 * (`http_config`: basic_auth, authorization, bearer_token[_file], tls_config, http_headers,
 * follow_redirects) gives it. The values are secrets: nothing here is ever put into a message.
 */
export interface HttpClientSettings {
  /** Headers sent with every request (Authorization, X-Scope-OrgID, ...). */
  headers: Record<string, string>;
  /** TLS: trusted CAs (else the system's), client certificate and key, server name, verification. */
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string; rejectUnauthorized: boolean };
  /** Follow 3xx answers to the same origin (Prometheus' default: true). */
  followRedirects: boolean;
}

/** A bad HTTP client config; `message` is one line naming the file and key, never a secret value. */
export class HttpConfigError extends Error {
  override readonly name = 'HttpConfigError';
}

/** Largest file read (the config, a password, token, certificate or key file). */
const MAX_FILE_BYTES = 1 << 20;

/** Keys of Prometheus' http_config that otelacct report does not implement: refused, not ignored. */
const UNSUPPORTED = ['oauth2', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header'];

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Characters a header value cannot hold: controls other than tab. */
const HEADER_VALUE_BAD = /[\u0000-\u0008\u000a-\u001f\u007f]/;

type Doc = Record<string, unknown>;

/**
 * The client settings for `url`: user information in the URL (`https://user:pass@host`, which
 * fetch-style clients refuse) becomes basic auth and is removed from the returned URL; then the
 * YAML file `configFile` (relative paths in it are relative to the file, as in Prometheus); then
 * `envHeaders` (OTELACCT_REPORT_HEADERS: comma-separated name=value, URL-decoded, as
 * OTEL_EXPORTER_OTLP_HEADERS). Throws HttpConfigError.
 */
export function httpClientSettings(url: URL, configFile: string | undefined, envHeaders: string | undefined): { url: URL; settings: HttpClientSettings } {
  const settings: HttpClientSettings = { headers: {}, tls: { rejectUnauthorized: true }, followRedirects: true };
  const clean = new URL(url.href);
  const fromUrl = url.username !== '' || url.password !== '';
  if (fromUrl) {
    const user = safeDecode(url.username);
    const pass = safeDecode(url.password);
    settings.headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    clean.username = '';
    clean.password = '';
  }
  if (configFile) applyFile(configFile, settings, fromUrl);
  if (envHeaders) {
    for (const pair of envHeaders.split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      const name = safeDecode((eq < 0 ? pair : pair.slice(0, eq)).trim());
      const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1).trim());
      header(settings, name, value, 'OTELACCT_REPORT_HEADERS');
    }
  }
  return { url: clean, settings };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function applyFile(path: string, settings: HttpClientSettings, fromUrl: boolean): void {
  const where = `--http.config.file ${path}`;
  const fail = (what: string): never => {
    throw new HttpConfigError(`${where}: ${what}`);
  };
  let text: string;
  try {
    text = readLimited(path, MAX_FILE_BYTES).toString('utf8');
  } catch (err) {
    return fail((err as Error).message);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    // The parser's message may quote the line, and the line may hold a password: say where only.
    const line = err instanceof YAMLParseError ? err.linePos?.[0]?.line : undefined;
    return fail(`not valid YAML${line ? ` (line ${line}${err instanceof YAMLParseError ? `, ${err.code}` : ''})` : ''}`);
  }
  if (doc === null || doc === undefined) return;
  if (!isMap(doc)) return fail('must be a map (the shape of Prometheus\' http_config: basic_auth, authorization, tls_config, http_headers)');
  const file = (key: string, value: unknown): string => {
    const p = str(key, value);
    const full = isAbsolute(p) ? p : resolve(dirname(path), p);
    try {
      return readLimited(full, MAX_FILE_BYTES).toString('utf8');
    } catch (err) {
      return fail(`${key} ${full}: ${(err as Error).message}`);
    }
  };
  const str = (key: string, value: unknown): string => (typeof value === 'string' && value !== '' ? value : fail(`${key} must be a non-empty string`));
  const keys = (node: Doc, prefix: string, allowed: string[]) => {
    for (const k of Object.keys(node)) {
      if (!allowed.includes(k)) fail(`${prefix}${k}: unknown key (allowed: ${allowed.join(', ')})`);
    }
  };
  const one = (node: Doc, prefix: string, a: string, b: string) => {
    if (node[a] !== undefined && node[b] !== undefined) fail(`${prefix}${a} and ${prefix}${b} are both set; give one`);
  };
  for (const k of UNSUPPORTED) if (doc[k] !== undefined) fail(`${k}: not supported by otelacct report`);
  keys(doc, '', ['basic_auth', 'authorization', 'bearer_token', 'bearer_token_file', 'tls_config', 'http_headers', 'follow_redirects', 'enable_http2']);
  const auths = ['basic_auth', 'authorization', 'bearer_token', 'bearer_token_file'].filter((k) => doc[k] !== undefined);
  if (auths.length > 1) fail(`${auths.join(' and ')} are set; give one way to authenticate`);
  if (auths.length > 0 && fromUrl) fail(`${auths[0]} is set and the --prometheus URL holds a user and password; give one of them`);

  if (doc.basic_auth !== undefined) {
    const b = map('basic_auth', doc.basic_auth, fail);
    keys(b, 'basic_auth.', ['username', 'username_file', 'password', 'password_file']);
    one(b, 'basic_auth.', 'username', 'username_file');
    one(b, 'basic_auth.', 'password', 'password_file');
    const user = b.username_file !== undefined ? file('basic_auth.username_file', b.username_file).trim() : str('basic_auth.username', b.username);
    const pass = b.password_file !== undefined ? file('basic_auth.password_file', b.password_file).trim()
      : b.password !== undefined ? str('basic_auth.password', b.password) : '';
    settings.headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  if (doc.authorization !== undefined) {
    const a = map('authorization', doc.authorization, fail);
    keys(a, 'authorization.', ['type', 'credentials', 'credentials_file']);
    one(a, 'authorization.', 'credentials', 'credentials_file');
    const type = a.type === undefined ? 'Bearer' : str('authorization.type', a.type);
    if (type.toLowerCase() === 'basic') fail('authorization.type: Basic is not allowed here (use basic_auth), as in Prometheus');
    if (!HEADER_NAME.test(type)) fail('authorization.type must be one word, such as Bearer');
    const credentials = a.credentials_file !== undefined ? file('authorization.credentials_file', a.credentials_file).trim()
      : str('authorization.credentials', a.credentials);
    settings.headers.authorization = `${type} ${credentials}`;
  }
  if (doc.bearer_token !== undefined) settings.headers.authorization = `Bearer ${str('bearer_token', doc.bearer_token)}`;
  if (doc.bearer_token_file !== undefined) settings.headers.authorization = `Bearer ${file('bearer_token_file', doc.bearer_token_file).trim()}`;
  if (settings.headers.authorization !== undefined && HEADER_VALUE_BAD.test(settings.headers.authorization)) {
    fail(`${auths[0]}: the credentials hold a control character (CR, LF, ...); not shown, they are secret`);
  }

  if (doc.tls_config !== undefined) {
    const t = map('tls_config', doc.tls_config, fail);
    keys(t, 'tls_config.', ['ca', 'ca_file', 'cert', 'cert_file', 'key', 'key_file', 'server_name', 'insecure_skip_verify']);
    for (const [inline, fileKey] of [['ca', 'ca_file'], ['cert', 'cert_file'], ['key', 'key_file']] as const) {
      one(t, 'tls_config.', inline, fileKey);
      const pem = t[fileKey] !== undefined ? file(`tls_config.${fileKey}`, t[fileKey]) : t[inline] !== undefined ? str(`tls_config.${inline}`, t[inline]) : undefined;
      if (pem !== undefined) settings.tls[inline] = Buffer.from(pem);
    }
    if ((settings.tls.cert === undefined) !== (settings.tls.key === undefined)) fail('tls_config: a client certificate needs both cert_file and key_file');
    if (t.server_name !== undefined) settings.tls.servername = str('tls_config.server_name', t.server_name);
    if (t.insecure_skip_verify !== undefined) settings.tls.rejectUnauthorized = !bool('tls_config.insecure_skip_verify', t.insecure_skip_verify, fail);
  }
  if (doc.follow_redirects !== undefined) settings.followRedirects = bool('follow_redirects', doc.follow_redirects, fail);
  if (doc.enable_http2 !== undefined) bool('enable_http2', doc.enable_http2, fail); // HTTP/1.1 either way

  if (doc.http_headers !== undefined) {
    const h = map('http_headers', doc.http_headers, fail);
    for (const [name, spec] of Object.entries(h)) {
      const prefix = `http_headers.${name}.`;
      if (!HEADER_NAME.test(name)) fail(`http_headers: header name ${JSON.stringify(name)} is not valid (letters, digits and !#$%&'*+-.^_\`|~ only)`);
      if (name.toLowerCase() === 'authorization') fail(`http_headers.${name}: set it with authorization or basic_auth, as in Prometheus`);
      const s = map(`http_headers.${name}`, spec, fail);
      keys(s, prefix, ['values', 'secrets', 'files']);
      const values: string[] = [];
      for (const kind of ['values', 'secrets', 'files'] as const) {
        if (s[kind] === undefined) continue;
        if (!Array.isArray(s[kind])) fail(`${prefix}${kind} must be a list of strings`);
        for (const v of s[kind] as unknown[]) values.push(kind === 'files' ? file(`${prefix}files`, v).trim() : str(`${prefix}${kind}`, v));
      }
      if (values.length === 0) fail(`http_headers.${name}: no values, secrets or files`);
      header(settings, name, values.join(', '), `--http.config.file ${path}: http_headers`);
    }
  }
}

function header(settings: HttpClientSettings, name: string, value: string, where: string): void {
  if (!HEADER_NAME.test(name)) throw new HttpConfigError(`${where}: header name ${JSON.stringify(name)} is not valid (letters, digits and !#$%&'*+-.^_\`|~ only)`);
  if (HEADER_VALUE_BAD.test(value)) throw new HttpConfigError(`${where}: value of header ${JSON.stringify(name)} holds a control character (CR, LF, ...); not shown, it may be a secret`);
  settings.headers[name.toLowerCase()] = value;
}

function isMap(v: unknown): v is Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function map(key: string, v: unknown, fail: (what: string) => never): Doc {
  return isMap(v) ? v : fail(`${key} must be a map`);
}

function bool(key: string, v: unknown, fail: (what: string) => never): boolean {
  return typeof v === 'boolean' ? v : fail(`${key} must be true or false`);
}
