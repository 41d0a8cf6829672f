import type { Accountant } from '../account/accountant.ts';
import type { KernelStats } from '../capture/kernel-stats.ts';
import type { ExportHealth } from '../export/self-telemetry.ts';
import type { TrafficMetrics } from '../export/traffic-metrics.ts';
import { readHealth } from './health.ts';
import { LivePage } from './live-page.ts';
import { LiveRates } from './live-rates.ts';

export interface LiveWebOptions {
  /** web.* and what the page needs of the rest of the configuration. */
  config: {
    web: { enabled: boolean; topN: number; windowSeconds: number };
    accounting: { internalTraffic: 'both' | 'once' };
    prometheus: { path: string };
  };
  accountant: Accountant;
  traffic: TrafficMetrics;
  exportHealth: ExportHealth;
  kernel: KernelStats | undefined;
  /** Whether OTLP export is on. */
  otlp: boolean;
  /** Names of the captured interfaces that are down now (live capture only). */
  interfacesDown?: () => string[];
  onError: (message: string) => void;
}

/**
 * Wires the live top-talkers page: LiveRates fed by every flush of `traffic`, and the LivePage
 * routes that serve it. Undefined when web.enabled is false (then `/` keeps the minimal index
 * and /api/* is 404).
 */
export function createLiveWeb(o: LiveWebOptions): LivePage | undefined {
  const web = o.config.web;
  if (!web.enabled) return undefined;
  const rates = new LiveRates({
    accountant: o.accountant, tables: o.accountant.tables, internalTraffic: o.config.accounting.internalTraffic,
    topN: web.topN, windowSeconds: web.windowSeconds,
    health: (overflow) => readHealth({ accountant: o.accountant, kernel: o.kernel, store: o.traffic, exportHealth: o.exportHealth, otlp: o.otlp, interfacesDown: o.interfacesDown }, overflow),
  });
  // A drain listener must not throw: the page must never cost /metrics or OTLP a flush.
  o.traffic.onDrain((aggregation, table) => {
    try {
      rates.drain(aggregation, table);
    } catch (err) {
      o.onError(`live page: ${String(err)}`);
    }
  });
  return new LivePage({ rates, flush: () => o.traffic.flush(), metricsPath: o.config.prometheus.path, onError: o.onError });
}
