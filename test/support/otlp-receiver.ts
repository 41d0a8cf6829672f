import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** OTLP/JSON AnyValue. */
export interface AnyValue { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean }
export interface KeyValue { key: string; value: AnyValue }
export interface NumberDataPoint {
  attributes?: KeyValue[]; startTimeUnixNano: string; timeUnixNano: string; asInt?: string | number; asDouble?: number;
}
export interface OtlpMetric {
  name: string; unit?: string; description?: string;
  sum?: { dataPoints: NumberDataPoint[]; aggregationTemporality: number; isMonotonic?: boolean };
  gauge?: { dataPoints: NumberDataPoint[] };
}
export interface ExportRequest {
  resourceMetrics: Array<{ resource: { attributes: KeyValue[] }; scopeMetrics: Array<{ scope: { name: string }; metrics: OtlpMetric[] }> }>;
}
export interface Received { path: string; headers: IncomingHttpHeaders; body: ExportRequest }

/**
 * A loopback OTLP/HTTP receiver: decodes each POSTed ExportMetricsServiceRequest (JSON encoding,
 * identity or gzip content-encoding) and answers 200 with an empty ExportMetricsServiceResponse.
 * Anything else it receives is a test failure recorded in `problems`.
 */
export class OtlpReceiver {
  readonly received: Received[] = [];
  readonly problems: string[] = [];
  /** Requests received in all (`received` keeps only the last `keep`). */
  count = 0;
  /**
   * How requests are answered: `ok` decodes and answers 200; `503` / `429` answer that status
   * (with Retry-After: 0 for 429); `hang` never answers. Requests answered with a failure or
   * never answered are counted in `failed` and not decoded.
   */
  mode: 'ok' | '503' | '429' | 'hang' = 'ok';
  failed = 0;
  readonly #keep: number;
  #server: Server | undefined;

  /** @param keep how many decoded requests to keep (all by default). */
  constructor(keep = Infinity) {
    this.#keep = keep;
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.mode !== 'ok') {
          this.failed++;
          if (this.mode === 'hang') return;
          res.writeHead(Number(this.mode), this.mode === '429' ? { 'retry-after': '0' } : {}).end();
          return;
        }
        try {
          if (req.method !== 'POST') throw new Error(`method ${req.method}`);
          const type = req.headers['content-type'] ?? '';
          if (!type.startsWith('application/json')) throw new Error(`content-type ${type}`);
          let raw = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
          this.received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw.toString('utf8')) as ExportRequest });
          this.count++;
          if (this.received.length > this.#keep) this.received.shift();
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (err) {
          this.problems.push(String(err));
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.#server?.closeAllConnections();
    return new Promise((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }

  /** Stops listening but can start again on the same port (`restart`): connection refused meanwhile. */
  async pause(): Promise<number> {
    const port = (this.#server!.address() as AddressInfo).port;
    await this.stop();
    return port;
  }

  /** Listens again on `port` after `pause`. */
  async restart(port: number): Promise<void> {
    await new Promise<void>((r, j) => this.#server!.once('error', j).listen(port, '127.0.0.1', r));
  }
}

/** Attribute list → plain object. */
export function attrs(kvs: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of kvs ?? []) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue!;
  }
  return out;
}

/** All metrics named `name` in a request. */
export function metricsNamed(req: ExportRequest, name: string): OtlpMetric[] {
  return req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.name === name)));
}

/** Sum data points of `name` by the given attributes: key = values joined with ','. */
export function sumPoints(req: ExportRequest, name: string, keys: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of metricsNamed(req, name)) {
    for (const dp of m.sum?.dataPoints ?? []) {
      const a = attrs(dp.attributes);
      const k = keys.map((x) => String(a[x] ?? '')).join(',');
      out.set(k, (out.get(k) ?? 0) + Number(dp.asInt ?? dp.asDouble));
    }
  }
  return out;
}
