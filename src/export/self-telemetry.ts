import { ValueType, type Meter } from '@opentelemetry/api';
import type { Accountant } from '../account/accountant.ts';
import type { InterfaceRegistry } from '../capture/interface-registry.ts';
import type { KernelStats } from '../capture/kernel-stats.ts';
import { DECODE_STATUS_NAMES } from '../decode/decode-result.ts';
import type { CumulativeStore } from './cumulative-store.ts';
import {
  ATTR_NETWORK_INTERFACE_NAME, ATTR_REASON, METRIC_CAPTURE_DROPPED, METRIC_CAPTURE_PACKETS, METRIC_DECODE_ERRORS,
  METRIC_SAMPLING_RATE, METRIC_SERIES, METRIC_SERIES_EXPIRED,
} from './semconv.ts';

/** Counters an exporter keeps about its own health (OTLP export failures). */
export interface ExportHealth {
  exportFailures: number;
}

/**
 * Registers otelacct's self-telemetry on `meter` as observable instruments read at collection
 * time (nothing on the packet path). Every attribute set here is bounded: interfaces, decode
 * reasons.
 */
export function registerSelfTelemetry(meter: Meter, accountant: Accountant, interfaces: InterfaceRegistry,
  store: CumulativeStore, health: ExportHealth, kernel: KernelStats | undefined): void {
  const dropped = meter.createObservableCounter(METRIC_CAPTURE_DROPPED, {
    unit: '{packet}', valueType: ValueType.INT,
    description: 'Packets the kernel dropped before otelacct could read them (capture buffer full), per interface; live capture only.',
  });
  const overflowed = meter.createObservableCounter('otelacct.export.series.overflowed', {
    unit: '{series}', valueType: ValueType.INT,
    description: 'New keys folded into an otel.metric.overflow series because a traffic metric held its cardinality limit.',
  });
  const frames = meter.createObservableCounter(METRIC_CAPTURE_PACKETS, {
    unit: '{packet}', valueType: ValueType.INT,
    description: 'Frames received from the capture, per interface, whether accounted or not.',
  });
  const errors = meter.createObservableCounter(METRIC_DECODE_ERRORS, {
    unit: '{packet}', valueType: ValueType.INT,
    description: 'Frames not accounted, by reason (not_ip, truncated_ip, unsupported_link_type, ...).',
  });
  const flowEntries = meter.createObservableGauge('otelacct.flow_table.entries', {
    unit: '{entry}', valueType: ValueType.INT, description: 'Keys in the flow tables (all aggregations) since their last flush.',
  });
  const series = meter.createObservableGauge(METRIC_SERIES, {
    unit: '{series}', valueType: ValueType.INT, description: 'Traffic series held for export (all traffic metrics).',
  });
  const expired = meter.createObservableCounter(METRIC_SERIES_EXPIRED, {
    unit: '{series}', valueType: ValueType.INT, description: 'Traffic series dropped after export.idleTimeout without traffic.',
  });
  const exportFailures = meter.createObservableCounter('otelacct.export.failures', {
    unit: '{export}', valueType: ValueType.INT, description: 'OTLP exports that failed.',
  });
  const sampling = meter.createObservableGauge(METRIC_SAMPLING_RATE, {
    unit: '1', valueType: ValueType.INT,
    description: 'Effective sampling rate N: 1 packet in N is counted, its bytes and packets scaled by N.',
  });
  meter.addBatchObservableCallback((r) => {
    const names = interfaces.names();
    for (let i = 0; i < names.length; i++) {
      r.observe(frames, accountant.framesByInterface[i], { [ATTR_NETWORK_INTERFACE_NAME]: names[i] });
    }
    for (let s = 1; s < DECODE_STATUS_NAMES.length; s++) {
      r.observe(errors, accountant.decodeErrors[s], { [ATTR_REASON]: DECODE_STATUS_NAMES[s] });
    }
    let entries = 0;
    for (const t of accountant.flowTables) entries += t.size;
    r.observe(flowEntries, entries);
    r.observe(sampling, accountant.samplingRate);
    if (kernel) {
      kernel.poll();
      for (const [index, drops] of kernel.drops()) r.observe(dropped, drops, { [ATTR_NETWORK_INTERFACE_NAME]: interfaces.name(index) });
    }
    const st = store.stats();
    r.observe(overflowed, st.overflowed);
    r.observe(series, st.series);
    r.observe(expired, st.expired);
    r.observe(exportFailures, health.exportFailures);
  }, [frames, errors, flowEntries, series, expired, exportFailures, sampling, dropped, overflowed]);
}
