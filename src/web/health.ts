import type { Accountant } from '../account/accountant.ts';
import type { KernelStats } from '../capture/kernel-stats.ts';
import type { StoreStats } from '../export/traffic-metrics.ts';
import type { ExportHealth } from '../export/self-telemetry.ts';

/**
 * Where traffic is metered: a captured interface, or (later) a flow exporter sending
 * sFlow/NetFlow/IPFIX to the collector; `up` false: lost or down, its traffic is not counted.
 */
export interface MeteredSource {
  kind: 'interface' | 'flow-exporter';
  name: string;
  up: boolean;
}

/** The meter's health as the live page shows it: counters since start, as /metrics has them. */
export interface Health {
  /** IP bytes and packets counted since start (otelacct_traffic_*_total summed, each packet once). */
  bytes: number;
  packets: number;
  /** Packets the kernel dropped, all interfaces (otelacct_capture_dropped_total); null: not a live capture, or unknown. */
  kernelDrops: number | null;
  /** Frames not counted (otelacct_decode_errors_total, all reasons). */
  decodeErrors: number;
  /** Packets whose key found a flow table full between two flushes (counted in the overflow series). */
  flowTableOverflow: number;
  /** New keys folded into an overflow series by the cardinality limit (otelacct_export_series_overflowed_total). */
  seriesOverflowed: number;
  /** OTLP pushes that failed (otelacct_export_failures_total); null when OTLP is off. */
  exportFailures: number | null;
  /** accounting.samplingRate. */
  samplingRate: number;
  /** Captured interfaces that are lost or down now (otelacct_capture_interface_up 0): their traffic is not counted. */
  interfacesDown: string[];
  /** Every interface (and flow exporter) metered, with its state; empty for a capture file. */
  sources: MeteredSource[];
}

/** Where the health counters come from (the same components self-telemetry reads). */
export interface HealthSources {
  accountant: Accountant;
  kernel: KernelStats | undefined;
  store: { stats(): StoreStats };
  exportHealth: ExportHealth;
  otlp: boolean;
  /** Names of the captured interfaces that are down now; absent: not a live capture. */
  interfacesDown?: () => string[];
  /**
   * The metered interfaces with their state (live capture); the flow collector adds its
   * exporters here. Absent: none (a capture file).
   */
  sources?: () => MeteredSource[];
}

/**
 * Reads the health counters now. `flowTableOverflow` is kept by the caller (LiveRates sees the
 * overflow counters at every drain). Polls the kernel counters (they accumulate; polling more
 * often than self-telemetry loses nothing).
 */
export function readHealth(s: HealthSources, flowTableOverflow: number): Health {
  let kernelDrops: number | null = null;
  if (s.kernel && !s.kernel.unavailable && s.kernel.drops().size > 0) {
    s.kernel.poll();
    kernelDrops = 0;
    for (const n of s.kernel.drops().values()) kernelDrops += n;
  }
  let decodeErrors = 0;
  for (const n of s.accountant.decodeErrors) decodeErrors += n;
  return {
    bytes: s.accountant.totalBytes,
    packets: s.accountant.totalPackets,
    kernelDrops,
    decodeErrors,
    flowTableOverflow,
    seriesOverflowed: s.store.stats().overflowed,
    exportFailures: s.otlp ? s.exportHealth.exportFailures : null,
    samplingRate: s.accountant.samplingRate,
    interfacesDown: s.interfacesDown?.() ?? [],
    sources: s.sources?.() ?? [],
  };
}
