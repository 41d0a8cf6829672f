import assert from 'node:assert/strict';

/** One instant-vector sample of a Prometheus HTTP API answer. */
export interface PromResult { metric: Record<string, string>; value: [number, string] }

/** Runs PromQL `q` against the Prometheus at `base` (http://host:port); asserts the API said success. */
export async function queryPrometheus(base: string, q: string): Promise<PromResult[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: PromResult[] } };
  assert.equal(body.status, 'success', q);
  return body.data.result;
}
