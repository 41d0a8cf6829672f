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
 * queries fit). Throws PrometheusApiError when the server cannot be reached, does not answer
 * within `timeoutMs`, answers with an HTTP error, rejects the query, or answers something that is
 * not a vector.
 */
export function httpInstantQuery(base: URL, timeoutMs: number): InstantQuery {
  const endpoint = new URL('api/v1/query', base.href.endsWith('/') ? base : new URL(`${base.href}/`));
  const where = base.href.replace(/\/$/, '');
  return async (promql, timeMs) => {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ query: promql, time: (timeMs / 1000).toFixed(3) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'TimeoutError') {
        throw new PrometheusApiError(`Prometheus at ${where} did not answer within ${timeoutMs / 1000} s`, { cause: err });
      }
      throw new PrometheusApiError(`cannot reach Prometheus at ${where} (${networkCause(err)})`, { cause: err });
    }
    const text = await res.text();
    let body: ApiBody | undefined;
    try {
      body = JSON.parse(text) as ApiBody;
    } catch {
      body = undefined;
    }
    if (body?.status === 'error') {
      throw new PrometheusApiError(`Prometheus at ${where} rejected the query (${body.errorType ?? `HTTP ${res.status}`}): ${oneLine(body.error ?? '')}`);
    }
    if (!res.ok) throw new PrometheusApiError(`Prometheus at ${where} answered HTTP ${res.status} ${res.statusText}`.trimEnd());
    if (body?.status !== 'success' || body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
      throw new PrometheusApiError(`Prometheus at ${where} answered something other than a query result: ${oneLine(text).slice(0, 200)}`);
    }
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
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
