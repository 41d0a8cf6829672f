import http from 'node:http';
import https from 'node:https';
import type { HttpClientSettings } from './http-config.ts';

/** One series of an instant-query result: its labels and its value. */
export interface VectorSample {
  labels: Record<string, string>;
  value: number;
}

/** Runs one PromQL instant query at `timeMs` and returns the vector it evaluates to. */
export type InstantQuery = (promql: string, timeMs: number) => Promise<VectorSample[]>;

/** A failed request to Prometheus; `message` is one line naming the server and the cause. */
export class PrometheusApiError extends Error {
  override readonly name = 'PrometheusApiError';
}

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/**
 * An InstantQuery against the HTTP API at `base` (`POST /api/v1/query`, form-encoded, so long
 * queries fit), authenticated and over TLS as `settings` say (see http-config.ts). Throws
 * PrometheusApiError when the server cannot be reached, does not answer within `timeoutMs`,
 * answers with an HTTP error, rejects the query, or answers something that is not a vector.
 * Messages name the server without user information and never hold a header value.
 */
export function httpInstantQuery(base: URL, timeoutMs: number, settings: HttpClientSettings = NO_SETTINGS): InstantQuery {
  const clean = new URL(base.href);
  clean.username = '';
  clean.password = '';
  const endpoint = new URL('api/v1/query', clean.href.endsWith('/') ? clean : new URL(`${clean.href}/`));
  const where = clean.href.replace(/\/$/, '');
  // One connection pool for all the queries of a report (a TLS handshake once, not per query).
  const agent = endpoint.protocol === 'https:'
    ? new https.Agent({ keepAlive: true, ...settings.tls })
    : new http.Agent({ keepAlive: true });
  return async (promql, timeMs) => {
    let res: Answer;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      res = await post(endpoint, new URLSearchParams({ query: promql, time: (timeMs / 1000).toFixed(3) }).toString(), settings, agent, signal, where);
    } catch (err) {
      if (err instanceof PrometheusApiError) throw err;
      if (signal.aborted) {
        throw new PrometheusApiError(`Prometheus at ${where} did not answer within ${timeoutMs / 1000} s`, { cause: err });
      }
      const cause = networkCause(err);
      const hint = TLS_CODES.test(cause) ? '; trust its CA with tls_config.ca_file in --http.config.file' : '';
      throw new PrometheusApiError(`cannot reach Prometheus at ${where} (${cause}${hint})`, { cause: err });
    }
    const text = res.text;
    let body: ApiBody | undefined;
    try {
      body = JSON.parse(text) as ApiBody;
    } catch {
      body = undefined;
    }
    if (body?.status === 'error') {
      throw new PrometheusApiError(`Prometheus at ${where} rejected the query (${body.errorType ?? `HTTP ${res.status}`}): ${oneLine(body.error ?? '')}`);
    }
    if (res.status === 401 || res.status === 403) {
      const sent = settings.headers.authorization !== undefined ? 'the credentials given were refused' : 'no credentials were given';
      throw new PrometheusApiError(`Prometheus at ${where} answered HTTP ${res.status} ${res.statusText} (${sent}: see basic_auth / authorization in --http.config.file, or user:password@ in the URL)`.trimEnd());
    }
    if (res.status < 200 || res.status > 299) throw new PrometheusApiError(`Prometheus at ${where} answered HTTP ${res.status} ${res.statusText}`.trimEnd());
    if (body?.status !== 'success' || body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
      throw new PrometheusApiError(`Prometheus at ${where} answered something other than a query result: ${oneLine(text).slice(0, 200)}`);
    }
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
}

const NO_SETTINGS: HttpClientSettings = { headers: {}, tls: { rejectUnauthorized: true }, followRedirects: true };

/** Error codes of a server certificate that does not verify. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/;

/** Most redirects followed for one query. */
const MAX_REDIRECTS = 5;

interface Answer {
  status: number;
  statusText: string;
  text: string;
}

/**
 * POSTs `body` to `url` with the configured headers; follows redirects to the same origin only
 * (credentials are never sent elsewhere), re-posting as Prometheus' API expects.
 */
async function post(url: URL, body: string, settings: HttpClientSettings, agent: http.Agent, signal: AbortSignal, where: string): Promise<Answer> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const res = await request(target, body, settings, agent, signal);
    if (!settings.followRedirects || res.status < 300 || res.status > 399 || res.status === 304 || res.location === undefined) return res;
    const next = new URL(res.location, target);
    next.username = '';
    next.password = '';
    if (next.origin !== url.origin) {
      throw new PrometheusApiError(`Prometheus at ${where} redirected to another server (${next.origin}); credentials are not sent there: give that URL with --prometheus`);
    }
    if (hop >= MAX_REDIRECTS) throw new PrometheusApiError(`Prometheus at ${where} redirected more than ${MAX_REDIRECTS} times`);
    target = next;
  }
}

function request(url: URL, body: string, settings: HttpClientSettings, agent: http.Agent, signal: AbortSignal): Promise<Answer & { location?: string }> {
  const headers = {
    ...settings.headers,
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(Buffer.byteLength(body)),
    accept: 'application/json',
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers, agent, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8'), location: res.headers.location,
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The system error code of a failed fetch (ECONNREFUSED, ENOTFOUND, ...), else its message. */
function networkCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const c = cause as { code?: unknown; errors?: Array<{ code?: unknown }>; message?: unknown };
  if (typeof c.code === 'string') return c.code;
  const inner = c.errors?.find((e) => typeof e.code === 'string');
  if (inner) return String(inner.code);
  return typeof c.message === 'string' ? c.message : String(cause);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
