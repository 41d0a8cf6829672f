import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import { ExpositionLines } from '../../src/export/exposition-lines.ts';

const descriptor = { name: 'otelacct.traffic.bytes', unit: 'By', valueType: ValueType.INT, description: 'IP bytes "by" pair\\n.' };
const scope = { name: 'otelacct', version: '1.2.3' };
const resource = resourceFromAttributes({ 'service.name': 'otelacct' });

/** What the official serializer writes for these points (metadata and sample lines). */
function official(points: Array<[Attributes, number]>): string {
  return new PrometheusSerializer(undefined, false, undefined, true).serialize({
    resource,
    scopeMetrics: [{
      scope,
      metrics: [{
        descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true,
        dataPoints: points.map(([attributes, value]) => ({ attributes, value, startTime: [0, 0], endTime: [0, 0] })),
      }],
    }],
  });
}

const key = fc.constantFrom('source.address', 'destination.prefix', 'otelacct.local.network', 'network.io.direction', 'vlan-id', 'a..b', 'Ünïcode', '9lives', 'x');
const value = fc.oneof(fc.string(), fc.constantFrom('a"b', 'c\\d', 'e\nf', '\\"\n'), fc.integer({ min: 0, max: 65535 }), fc.boolean());

test('property: lines equal the official serializer\'s, byte for byte', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.dictionary(key, value, { maxKeys: 6 }), fc.nat({ max: 2 ** 53 - 1 })), { minLength: 1, maxLength: 20 }),
    (points) => {
      const lines = new ExpositionLines(descriptor, scope, resource);
      const ours = lines.header + points.map(([a, v]) => lines.line(a, v)).join('');
      assert.equal(ours, official(points));
    },
  ), { numRuns: 500, seed: 5 });
});
