import type { Attributes, HrTime } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType, ValueType } from './otel-packages.ts';
import type { FlowCollector } from '../flow/flow-collector.ts';
import { FLOW_ERROR_NAMES, FlowCounter } from '../flow/flow-sink.ts';
import { rcvbufErrors } from '../flow/udp-stats.ts';
import {
  ATTR_ERROR_TYPE, ATTR_EXPORTER_ADDRESS, ATTR_FLOW_PROTOCOL, ATTR_NETWORK_LOCAL_PORT, METRIC_FLOW_DATAGRAMS, METRIC_FLOW_ERRORS,
  METRIC_FLOW_EXPORTERS, METRIC_FLOW_EXPORTERS_REFUSED, METRIC_FLOW_LOST_DATAGRAMS, METRIC_FLOW_LOST_RECORDS,
  METRIC_FLOW_MALFORMED, METRIC_FLOW_RECORDS, METRIC_FLOW_SOCKET_DROPPED, METRIC_FLOW_STATE_EVICTED, METRIC_UDP_RCVBUF_ERRORS,
} from './semconv.ts';

type Point = [number, Attributes];

/** Per-exporter counters: name, FlowCounter, unit, description. */
const PER_EXPORTER: ReadonlyArray<[string, number, string, string]> = [
  [METRIC_FLOW_DATAGRAMS, FlowCounter.DATAGRAMS, '{datagram}', 'Flow datagrams received from the exporter and handed to the decoder.'],
  [METRIC_FLOW_RECORDS, FlowCounter.RECORDS, '{record}', 'Flow records (NetFlow/IPFIX data records, sFlow flow samples) accounted.'],
  [METRIC_FLOW_MALFORMED, FlowCounter.MALFORMED, '{datagram}', 'Flow datagrams, or parts of them, not accounted (see otelacct.flow.errors for why).'],
  [METRIC_FLOW_LOST_DATAGRAMS, FlowCounter.LOST_DATAGRAMS, '{datagram}', 'Datagrams lost between the exporter and otelacct, per the exporter\'s sequence numbers (NetFlow v9, sFlow).'],
  [METRIC_FLOW_LOST_RECORDS, FlowCounter.LOST_RECORDS, '{record}', 'Records or flow samples lost, per the exporter\'s sequence numbers (NetFlow v5, IPFIX, sFlow samples).'],
  [METRIC_FLOW_STATE_EVICTED, FlowCounter.EVICTED, '{entry}', 'NetFlow v9/IPFIX templates and learnt samplers of the exporter evicted from a full cache to make room for another exporter\'s or its own newer ones (fair sharing).'],
];

/**
 * The flow collector's self-telemetry, built at collection time from its counters: per listener
 * and exporter (bounded by flow.maxExporters), per error type, the exporter registry, and the
 * kernel's UDP drops (per socket, and the namespace's receive-buffer errors).
 */
export function flowMetrics(collector: FlowCollector, start: HrTime, now: HrTime): MetricData[] {
  const sum = (name: string, unit: string, description: string, points: Point[]): MetricData => ({
    descriptor: { name, unit, description, valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points.map(([value, attributes]) => ({ attributes, value, startTime: start, endTime: now })),
  });
  const exporters = collector.registry.size;
  const out: MetricData[] = [];
  for (const [name, counter, unit, description] of PER_EXPORTER) {
    const points: Point[] = [];
    for (const s of collector.sources) {
      for (let e = 0; e < exporters; e++) {
        // Exporters that never sent to this listener have no series for it.
        if (s.stats.get(e, FlowCounter.DATAGRAMS) === 0) continue;
        points.push([s.stats.get(e, counter), { [ATTR_FLOW_PROTOCOL]: s.protocol, [ATTR_EXPORTER_ADDRESS]: collector.registry.name(e) }]);
      }
    }
    out.push(sum(name, unit, description, points));
  }
  const errors: Point[] = [];
  for (const s of collector.sources) {
    FLOW_ERROR_NAMES.forEach((type, i) => errors.push([s.stats.errors[i], { [ATTR_FLOW_PROTOCOL]: s.protocol, [ATTR_ERROR_TYPE]: type }]));
  }
  out.push(sum(METRIC_FLOW_ERRORS, '{error}', `Problems in flow datagrams, by error.type (${FLOW_ERROR_NAMES.join(', ')}).`, errors));
  out.push({
    descriptor: { name: METRIC_FLOW_EXPORTERS, unit: '{exporter}', description: 'Flow exporters (source addresses) seen, at most flow.maxExporters.', valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: [{ attributes: {}, value: exporters, startTime: now, endTime: now }],
  });
  out.push(sum(METRIC_FLOW_EXPORTERS_REFUSED, '{datagram}', 'Flow datagrams dropped because their source would have been one exporter more than flow.maxExporters, or is outside flow.allowedExporters.',
    collector.sources.map((s): Point => [s.listener.refused, { [ATTR_FLOW_PROTOCOL]: s.protocol }])));
  out.push(sum(METRIC_FLOW_SOCKET_DROPPED, '{datagram}', 'Flow datagrams the kernel dropped on otelacct\'s socket (receive buffer full: raise flow.receiveBufferSize and net.core.rmem_max), from /proc/net/udp[6].',
    collector.socketDrops().map(({ protocol, port, drops }): Point => [drops, { [ATTR_FLOW_PROTOCOL]: protocol, [ATTR_NETWORK_LOCAL_PORT]: port }])));
  const rcvbuf = rcvbufErrors();
  if (rcvbuf !== undefined) {
    out.push(sum(METRIC_UDP_RCVBUF_ERRORS, '{datagram}', 'UDP datagrams the kernel dropped for a full receive buffer, on any socket of the host (network namespace): /proc/net/snmp RcvbufErrors + Udp6RcvbufErrors, counted since boot.', [[rcvbuf, {}]]));
  }
  return out;
}
