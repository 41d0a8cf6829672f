import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from './otel-packages.ts';
import type { MetricData, MetricReader, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SCOPE } from './semconv.ts';
import { DeltaBaselines, SelfDeltas, type Temporality } from './delta-baseline.ts';
import type { TrafficMetrics } from './traffic-metrics.ts';

export interface OtlpPushOptions {
  exporter: PushMetricExporter;
  /** Collects the self-telemetry (a reader of the public provider). */
  self: MetricReader;
  traffic: TrafficMetrics;
  intervalMs: number;
  /** Longest one request may take before it counts as failed. */
  timeoutMs: number;
  /** Most traffic data points per metric in one request. */
  maxPoints: number;
  /** Called once per failed request. */
  onFailure: (error: string) => void;
  /** The temporality preference (default cumulative). */
  temporality?: Temporality;
}

/**
 * OTLP push: every interval, the self-telemetry and the traffic series in requests of at most
 * `maxPoints` traffic data points per metric (the self-telemetry rides with the first), one after
 * the other (memory holds one
 * request at a time, whatever the store holds). Each request is retried by the official exporter
 * on its own; one that still fails is counted and the others go on: cumulative series carry their
 * totals again in the next push, and delta series (DeltaBaselines) commit their baselines only
 * for accepted requests, so the next push carries what a refused one held. Pushes never overlap:
 * a push still running when the next is due makes that one skip.
 *
 * Temporality: `cumulative` as the stores hold it; `delta` traffic and self-telemetry counters as
 * changes since the last accepted push; `lowmemory` traffic counters (synchronous) as changes,
 * self-telemetry counters (asynchronous) cumulative. Gauges stay gauges.
 */
export class OtlpPush {
  readonly #o: OtlpPushOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  readonly #delta: DeltaBaselines | undefined;
  readonly #selfDelta: SelfDeltas | undefined;

  constructor(o: OtlpPushOptions) {
    this.#o = o;
    const t = o.temporality ?? 'cumulative';
    this.#delta = t === 'cumulative' ? undefined : new DeltaBaselines(o.traffic.stores);
    this.#selfDelta = t === 'delta' ? new SelfDeltas() : undefined;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      if (!this.#running) void this.push();
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  /** One push now (waits for a running one first); never rejects. */
  async push(): Promise<void> {
    while (this.#running) await this.#running;
    this.#running = this.#pushOnce().catch((err: unknown) => this.#o.onFailure(String(err))).finally(() => {
      this.#running = undefined;
    });
    await this.#running;
  }

  async #pushOnce(): Promise<void> {
    const o = this.#o;
    const { resourceMetrics: self } = await o.self.collect();
    await o.traffic.flush();
    const scope = SCOPE;
    // The first request carries the self-telemetry too: a small store is one request, as before.
    const selfMetrics = self.scopeMetrics.flatMap((s) => s.metrics);
    let first: MetricData[] | undefined = this.#selfDelta ? this.#selfDelta.convert(selfMetrics) : selfMetrics;
    const delta = this.#delta;
    for (const chunk of o.traffic.chunks(o.maxPoints, 'both', delta)) {
      const ok = await this.#send({ resource: self.resource, scopeMetrics: [{ scope, metrics: first ? [...first, ...chunk] : chunk }] });
      if (ok) delta?.commit();
      else delta?.discard();
      if (first) this.#settleSelf(ok);
      first = undefined;
    }
    if (first) this.#settleSelf(await this.#send({ resource: self.resource, scopeMetrics: [{ scope, metrics: first }] }));
  }

  #settleSelf(ok: boolean): void {
    if (ok) this.#selfDelta?.commit();
    else this.#selfDelta?.discard();
  }

  /** Sends one request; true when the receiver accepted it. */
  #send(metrics: ResourceMetrics): Promise<boolean> {
    const o = this.#o;
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const done = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const ok = result.code === ExportResultCode.SUCCESS;
        if (!ok) o.onFailure(result.error?.message ?? 'unknown error');
        resolve(ok);
      };
      const timer = setTimeout(() => done({ code: ExportResultCode.FAILED, error: new Error(`timed out after ${o.timeoutMs} ms`) }), o.timeoutMs + 1000);
      try {
        o.exporter.export(metrics, done);
      } catch (err) {
        done({ code: ExportResultCode.FAILED, error: err as Error });
      }
    });
  }

  /** Stops the timer, pushes a last time, shuts the exporter down. */
  async shutdown(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.push();
    await this.#o.exporter.shutdown();
  }
}
