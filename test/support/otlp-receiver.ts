import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeRequest, encodeResponse } from './otlp-proto.ts';

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
  resourceMetrics: Array<{ resource: { attributes: KeyValue[] }; schemaUrl?: string; scopeMetrics: Array<{ scope: { name: string; version?: string }; schemaUrl?: string; metrics: OtlpMetric[] }> }>;
}
/** How a request came: the OTLP protocol it used. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export interface Received { path: string; protocol: OtlpProtocol; headers: IncomingHttpHeaders; body: ExportRequest }

/** TLS for a receiver: its certificate and key, and the CA that client certificates must chain to (mTLS). */
export interface ReceiverTls { cert: Buffer; key: Buffer; clientCa?: Buffer }

/**
 * What every loopback OTLP receiver records. Requests are decoded first (a request that does not
 * decode is a test failure recorded in `problems`), then answered as `mode` and `refuse` say.
 */
export abstract class ReceiverBase {
  readonly received: Received[] = [];
  readonly problems: string[] = [];
  /** Requests accepted in all (`received` keeps only the last `keep`). */
  count = 0;
  /**
   * How requests are answered: `ok` accepts; `503` / `429` refuse with that status (HTTP; with
   * Retry-After: 0 for 429) or UNAVAILABLE / RESOURCE_EXHAUSTED (gRPC); `hang` never answers.
   * Requests refused or never answered are counted in `failed`.
   */
  mode: 'ok' | '503' | '429' | 'hang' = 'ok';
  /** Refuses (as `503`) the requests it returns true for, and never answers those it returns 'hang' for. */
  refuse: ((body: ExportRequest) => boolean | 'hang') | undefined;
  failed = 0;
  /** Data points in the requests `refuse` refused. */
  refusedPoints = 0;
  /**
   * With `view`: the collector's view, each series' latest value (metric name and sorted
   * attributes → value), updated by every accepted request.
   */
  readonly view: Map<string, number> | undefined;
  readonly #keep: number;

  constructor(keep: number, view: boolean) {
    this.#keep = keep;
    this.view = view ? new Map() : undefined;
  }

  /** Decides the answer for a decoded request: 'ok', a refusal, or 'hang'. */
  protected answer(r: Received): 'ok' | '503' | '429' | 'hang' {
    if (this.mode !== 'ok') {
      this.failed++;
      return this.mode;
    }
    const refusal = this.refuse?.(r.body);
    if (refusal) {
      this.failed++;
      this.refusedPoints += countPoints(r.body);
      return refusal === 'hang' ? 'hang' : '503';
    }
    this.received.push(r);
    this.count++;
    if (this.received.length > this.#keep) this.received.shift();
    if (this.view) {
      for (const rm of r.body.resourceMetrics) {
        for (const sm of rm.scopeMetrics) {
          for (const m of sm.metrics) {
            for (const dp of [...(m.sum?.dataPoints ?? []), ...(m.gauge?.dataPoints ?? [])]) this.view.set(seriesKey(m.name, dp.attributes), Number(dp.asInt ?? dp.asDouble ?? 0));
          }
        }
      }
    }
    return 'ok';
  }

  abstract start(): Promise<string>;
  abstract stop(): Promise<void>;
}

/**
 * A loopback OTLP/HTTP receiver: decodes each POSTed ExportMetricsServiceRequest, JSON
 * (application/json) or binary protobuf (application/x-protobuf, decoded by protobufjs: see
 * otlp-proto.ts), identity or gzip content-encoding, over HTTP or HTTPS (`tls`), and answers 200
 * with an empty ExportMetricsServiceResponse in the request's encoding.
 */
export class OtlpReceiver extends ReceiverBase {
  readonly #tls: ReceiverTls | undefined;
  #server: Server | undefined;

  /** @param keep how many decoded requests to keep (all by default). */
  constructor(keep = Infinity, opts: { tls?: ReceiverTls; view?: boolean } = {}) {
    super(keep, opts.view ?? false);
    this.#tls = opts.tls;
  }

  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let r: Received;
        const type = req.headers['content-type'] ?? '';
        try {
          if (req.method !== 'POST') throw new Error(`method ${req.method}`);
          let raw = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
          if (type.startsWith('application/json')) {
            r = { path: req.url ?? '', protocol: 'http/json', headers: req.headers, body: JSON.parse(raw.toString('utf8')) as ExportRequest };
          } else if (type.startsWith('application/x-protobuf')) {
            r = { path: req.url ?? '', protocol: 'http/protobuf', headers: req.headers, body: decodeRequest(raw) };
          } else {
            throw new Error(`content-type ${type}`);
          }
        } catch (err) {
          this.problems.push(String(err));
          res.writeHead(400).end();
          return;
        }
        const answer = this.answer(r);
        if (answer === 'hang') return;
        if (answer !== 'ok') {
          res.writeHead(Number(answer), answer === '429' ? { 'retry-after': '0' } : {}).end();
          return;
        }
        if (r.protocol === 'http/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(encodeResponse());
      });
    };
    const tls = this.#tls;
    this.#server = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: tls.clientCa !== undefined, rejectUnauthorized: tls.clientCa !== undefined }, handler)
      : createServer(handler);
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    return `${tls ? 'https' : 'http'}://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
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

/** Data points in a request (of the metrics whose names start with `prefix`, if given). */
export function countPoints(req: ExportRequest, prefix = ''): number {
  let n = 0;
  for (const rm of req.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) if (m.name.startsWith(prefix)) n += (m.sum?.dataPoints?.length ?? 0) + (m.gauge?.dataPoints?.length ?? 0);
    }
  }
  return n;
}

/** A series' identity in a receiver's view: metric name and its attributes, sorted. */
export function seriesKey(name: string, kvs: KeyValue[] | undefined): string {
  return `${name}${JSON.stringify(Object.entries(attrs(kvs)).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
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
