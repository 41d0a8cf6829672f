import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { ExpositionLines } from '../../src/export/exposition-lines.ts';
import { negotiateFormat, OPENMETRICS_EOF, OpenMetricsLines, openMetricsUnit, selfOpenMetrics } from '../../src/export/openmetrics.ts';
import { skipUnless } from '../support/requirements.ts';

test('Accept negotiation as client_golang does it', () => {
  const cases: Array<[string | undefined, 'prometheus' | 'openmetrics']> = [
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['text/plain;version=0.0.4;q=1,*/*;q=0.1', 'prometheus'],
    // Prometheus 2.42's default
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['application/openmetrics-text; version=0.0.1', 'openmetrics'],
    ['Application/OpenMetrics-Text', 'openmetrics'],
    ['text/plain;version=0.0.4;q=0.5, application/openmetrics-text;version=1.0.0;q=0.9', 'openmetrics'],
    ['application/openmetrics-text;version=1.0.0;q=0.4, text/plain;q=0.5', 'prometheus'],
    ['application/openmetrics-text;version=1.0.0;q=0, text/plain;q=0.5', 'prometheus'],
    ['application/openmetrics-text;version=2.0.0, text/plain;q=0.5', 'prometheus'],
    ['application/json', 'prometheus'],
  ];
  for (const [accept, want] of cases) assert.equal(negotiateFormat(accept), want, String(accept));
});

test('# UNIT only where the name ends with the unit (OpenMetrics: the unit is a suffix of the name)', () => {
  const cases: Array<[string, string, string]> = [
    ['otelacct_traffic_bytes', 'By', 'bytes'],
    ['otelacct_traffic_packets', '{packet}', ''],
    ['process_cpu_time', 's', ''],
    ['request_duration_seconds', 's', 'seconds'],
    ['process_memory_usage', 'By', ''],
    ['otelacct_sampling_rate', '1', ''],
    ['cache_hit_ratio', '1', 'ratio'],
    ['x_bytes', 'weird', ''],
  ];
  for (const [name, unit, want] of cases) assert.equal(openMetricsUnit(name, unit), want, `${name} ${unit}`);
});

const descriptor = { name: 'otelacct.traffic.bytes', unit: 'By', valueType: ValueType.INT, description: 'IP bytes "by" pair\\n.' };
const scope = { name: 'otelacct', version: '1.2.3' };
const resource = resourceFromAttributes({ 'service.name': 'otel"acct', 'host.name': 'h\\1' });

/** Self-telemetry-like metrics: a counter with two points, a gauge, a non-monotonic sum. */
function selfMetrics(startSeconds: number): MetricData[] {
  const point = (attributes: Attributes, value: number) => ({ attributes, value, startTime: [startSeconds, 250_000_000] as [number, number], endTime: [startSeconds + 9, 0] as [number, number] });
  return [
    {
      descriptor: { name: 'otelacct.capture.packets', unit: '{packet}', valueType: ValueType.INT, description: 'Frames "received".' },
      aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true,
      dataPoints: [point({ 'network.interface.name': 'eth0' }, 7), point({ 'network.interface.name': 'e"th\\1' }, 0)],
    },
    {
      descriptor: { name: 'process.memory.usage', unit: 'By', valueType: ValueType.INT, description: 'RSS.' },
      aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: [point({}, 1234)],
    },
    {
      descriptor: { name: 'queue.depth', unit: '{item}', valueType: ValueType.INT, description: '' },
      aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: false, dataPoints: [point({ q: 'a' }, -3)],
    },
  ];
}

interface Parsed { name: string; type: string; unit: string; samples: Array<[string, Record<string, string>, number]> }

/**
 * Parses each document with prometheus_client's OpenMetrics parser (Debian python3-prometheus-client),
 * which is strict: it refuses a document without `# EOF`, a unit that is not a suffix, a counter
 * sample without `_total` / `_created`, bad escapes, clashing or interleaved families, ...
 */
function strictParse(documents: string[]): Array<Parsed[] | string> {
  const script = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for doc in json.load(sys.stdin):
    try:
        out.append([{'name': f.name, 'type': f.type, 'unit': f.unit, 'samples': [[s.name, s.labels, s.value] for s in f.samples]} for f in text_string_to_metric_families(doc)])
    except Exception as e:
        out.append('error: ' + repr(e))
print(json.dumps(out))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(documents), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Array<Parsed[] | string>;
}

/** Whether the strict parser is here (skips without it, fails under CI as unmet() does). */
function needParser(t: TestContext): boolean {
  if (!skipUnless(t, { tools: ['/usr/bin/python3'] })) return false;
  if (spawnSync('/usr/bin/python3', ['-c', 'import prometheus_client.openmetrics.parser'], { encoding: 'utf8' }).status === 0) return true;
  const why = 'needs python3-prometheus-client (scripts/bootstrap.sh --test installs it)';
  if (process.env.CI) throw new Error(`CI must run this test but it ${why}`);
  t.skip(why);
  return false;
}

// Keys the traffic metrics can have (no key that sanitizes to a leading digit or to another key's name).
const key = fc.constantFrom('source.address', 'destination.prefix', 'otelacct.local.network', 'network.io.direction', 'vlan-id', 'x', 'Ünïcode', 'source.port');
const value = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('a"b', 'c\\d', 'e\nf', '\\"\n', '', ' ', '} 1', '# EOF'), fc.integer({ min: 0, max: 65535 }), fc.boolean());
// Distinct label sets, as a store's series are.
const labelSet = ([a]: [Attributes, ...unknown[]]) => JSON.stringify(Object.entries(a).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]).sort());
const points = fc.uniqueArray(fc.tuple(fc.dictionary(key, value, { maxKeys: 6 }), fc.nat({ max: 2 ** 53 - 1 }), fc.integer({ min: 1_000_000_000_000, max: 2_000_000_000_000 })),
  { minLength: 1, maxLength: 12, selector: labelSet });

test('property: OpenMetrics documents pass a strict independent parser and read back as written; _total lines are the serializer\'s', (t) => {
  if (!needParser(t)) return;
  const cases = fc.sample(points, { numRuns: 300, seed: 13 });
  const documents = cases.map((pts) => {
    const om = new OpenMetricsLines(descriptor, scope, resource);
    const text = new ExpositionLines(descriptor, scope, resource);
    let doc = selfOpenMetrics({ resource, scopeMetrics: [{ scope, metrics: selfMetrics(1_700_000_000) }] }) + om.header;
    for (const [a, v, start] of pts) {
      const lines = om.lines(a, v, start);
      assert.ok(lines.startsWith(text.line(a, v)), 'the _total line is the text format\'s (= the official serializer\'s, exposition-lines.test.ts)');
      doc += lines;
    }
    return doc + OPENMETRICS_EOF;
  });
  const parsed = strictParse(documents);
  parsed.forEach((families, i) => {
    assert.ok(typeof families !== 'string', `document ${i}: ${String(families)}\n${documents[i]}`);
    const byName = new Map(families.map((f) => [f.name, f]));
    assert.deepEqual([...byName.keys()], ['target', 'otelacct_capture_packets', 'process_memory_usage', 'queue_depth', 'otelacct_traffic_bytes']);
    assert.deepEqual(byName.get('target')!.samples, [['target_info', { service_name: 'otel"acct', host_name: 'h\\1' }, 1]]);
    assert.equal(byName.get('target')!.type, 'info');
    const capture = byName.get('otelacct_capture_packets')!;
    assert.equal(capture.type, 'counter');
    assert.equal(capture.unit, '');
    const scopeLabels = { otel_scope_name: 'otelacct', otel_scope_version: '1.2.3' };
    assert.deepEqual(capture.samples, [
      ['otelacct_capture_packets_total', { network_interface_name: 'eth0', ...scopeLabels }, 7],
      ['otelacct_capture_packets_created', { network_interface_name: 'eth0', ...scopeLabels }, 1_700_000_000.25],
      ['otelacct_capture_packets_total', { network_interface_name: 'e"th\\1', ...scopeLabels }, 0],
      ['otelacct_capture_packets_created', { network_interface_name: 'e"th\\1', ...scopeLabels }, 1_700_000_000.25],
    ]);
    assert.equal(byName.get('process_memory_usage')!.type, 'gauge');
    assert.equal(byName.get('queue_depth')!.type, 'gauge', 'a non-monotonic sum is a gauge');
    const traffic = byName.get('otelacct_traffic_bytes')!;
    assert.equal(traffic.type, 'counter');
    assert.equal(traffic.unit, 'bytes');
    const want = cases[i].flatMap(([a, v, start]): Array<[string, Record<string, string>, number]> => {
      const labels: Record<string, string> = {};
      for (const [k, val] of Object.entries(a)) labels[k.replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_')] = typeof val === 'string' ? val : JSON.stringify(val);
      Object.assign(labels, scopeLabels);
      return [['otelacct_traffic_bytes_total', labels, v], ['otelacct_traffic_bytes_created', labels, start / 1000]];
    });
    assert.deepEqual(traffic.samples, want, documents[i]);
  });
});

test('the strict parser is strict: it refuses what OpenMetrics forbids (so the property above can fail)', (t) => {
  if (!needParser(t)) return;
  const good = '# TYPE a counter\na_total 1\n# EOF\n';
  const bad = [
    '# TYPE a counter\na_total 1\n', // no # EOF
    '# TYPE a_total counter\na_total 1\n# EOF\n', // the text format's family name
    '# TYPE a counter\n# UNIT a By\na_total 1\n# EOF\n', // unit not a suffix
    '# TYPE a counter\na_total{x="1"} 1\na_total{x="2"} 1\na_created{x="1"} 1\n# EOF\n', // a series' samples apart
    '# TYPE a counter\na_total 1\n# TYPE b gauge\nb 1\n# TYPE a counter\na_created 1\n# EOF\n', // a family interleaved
    '# TYPE target_info gauge\ntarget_info{a="b"} 1\n# TYPE a counter\na_total 1\n# EOF\n'.replace('gauge', 'info'), // info family with _info name
  ];
  const [ok, ...rest] = strictParse([good, ...bad]);
  assert.ok(typeof ok !== 'string', String(ok));
  rest.forEach((r, i) => assert.equal(typeof r, 'string', `bad document ${i} refused`));
});
