import type { Accountant } from '../account/accountant.ts';
import type { KernelStats } from '../capture/kernel-stats.ts';
import type { ExportHealth } from '../export/self-telemetry.ts';
import type { TrafficMetrics } from '../export/traffic-metrics.ts';
import { readHealth, type MeteredSource } from './health.ts';
import { LivePage } from './live-page.ts';
import { LiveRates } from './live-rates.ts';
import { ReverseDns } from './reverse-dns.ts';

export interface LiveWebOptions {
  /** web.* and what the page needs of the rest of the configuration. */
  config: {
    web: { enabled: boolean; topN: number; windowSeconds: number; reverseDns: boolean; reverseDnsServers: string[]; reverseDnsRate: number; grafanaUrl: string };
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
  /** What is metered, with its state (HealthSources.sources): interfaces, later flow exporters. */
  sources?: () => MeteredSource[];
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
  const dns = web.reverseDns ? new ReverseDns({ servers: web.reverseDnsServers, perSecond: web.reverseDnsRate }) : undefined;
  const rates = new LiveRates({
    accountant: o.accountant, tables: o.accountant.tables, internalTraffic: o.config.accounting.internalTraffic,
    topN: web.topN, windowSeconds: web.windowSeconds, resolve: dns && ((address) => dns.name(address)),
    health: (overflow) => readHealth({
      accountant: o.accountant, kernel: o.kernel, store: o.traffic, exportHealth: o.exportHealth, otlp: o.otlp, interfacesDown: o.interfacesDown, sources: o.sources,
    }, overflow),
  });
  // A drain listener must not throw: the page must never cost /metrics or OTLP a flush.
  o.traffic.onDrain((aggregation, table) => {
    try {
      rates.drain(aggregation, table);
    } catch (err) {
      o.onError(`live page: ${String(err)}`);
    }
  });
  return new LivePage({
    rates, flush: () => o.traffic.flush(), metricsPath: o.config.prometheus.path, onError: o.onError,
    meta: { grafanaUrl: web.grafanaUrl, reverseDns: web.reverseDns }, onClose: () => dns?.close(),
  });
}
