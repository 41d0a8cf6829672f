import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { MetricData, MetricReader, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SCOPE } from './semconv.ts';
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
}

/**
 * OTLP push: every interval, the self-telemetry and the traffic series in requests of at most
 * `maxPoints` traffic data points per metric (the self-telemetry rides with the first), one after
 * the other (memory holds one
 * request at a time, whatever the store holds). Each request is retried by the official exporter
 * on its own; one that still fails is counted and the others go on: the series are cumulative, so
 * the next push carries what a refused request held. Pushes never overlap: a push still running
 * when the next is due makes that one skip.
 */
export class OtlpPush {
  readonly #o: OtlpPushOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(o: OtlpPushOptions) {
    this.#o = o;
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
    let first: MetricData[] | undefined = self.scopeMetrics.flatMap((s) => s.metrics);
    for (const chunk of o.traffic.chunks(o.maxPoints, 'both')) {
      await this.#send({ resource: self.resource, scopeMetrics: [{ scope, metrics: first ? [...first, ...chunk] : chunk }] });
      first = undefined;
    }
    if (first) await this.#send({ resource: self.resource, scopeMetrics: [{ scope, metrics: first }] });
  }

  #send(metrics: ResourceMetrics): Promise<void> {
    const o = this.#o;
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (result.code !== ExportResultCode.SUCCESS) o.onFailure(result.error?.message ?? 'unknown error');
        resolve();
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
