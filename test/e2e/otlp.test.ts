import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { attrs, metricsNamed, OtlpReceiver, sumPoints } from '../support/otlp-receiver.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { parseExposition, runOtelacct, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());
const PAIR = ['source.address', 'destination.address'];

function capture(name: string): string {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 300; i++) {
    w.add(ethernetIPv4({ src: `172.16.${i % 5}.${i % 11}`, dst: '172.16.200.1', proto: i % 2 ? 6 : 17, srcPort: i, dstPort: 80, payloadLength: (i * 13) % 900 }));
  }
  w.add(ethernetIPv6({ src: '2001:db8::a', dst: '2001:db8::b', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 10 }));
  return tmp.write(name, w.toBuffer());
}

test('--read with OTLP: the final push carries exactly the totals printed for Prometheus (gzip, resource)', async (t) => {
  const rx = new OtlpReceiver();
  const base = await rx.start();
  t.after(() => rx.stop());
  const file = capture('otlp.pcap');
  const conf = join(tmp.path, 'otelacct.yaml');
  writeFileSync(conf, 'resource:\n  attributes:\n    site: dc1\notlp:\n  headers:\n    x-tenant: acme\n');
  const r = await runOtelacct(['--read', file, '--config', conf, '--otlp-endpoint', `${base}/v1/metrics`, '--otlp-compression', 'gzip'], {
    env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,site=overridden' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rx.problems, []);
  assert.ok(rx.received.length >= 1, 'at least the final export');
  const last = rx.received.at(-1)!;
  assert.equal(last.path, '/v1/metrics');
  assert.equal(last.headers['content-encoding'], 'gzip');
  assert.equal(last.headers['x-tenant'], 'acme');
  const resource = attrs(last.body.resourceMetrics[0].resource.attributes);
  assert.equal(resource['service.name'], 'otelacct');
  assert.equal(resource['site'], 'dc1', 'config resource attributes win over OTEL_RESOURCE_ATTRIBUTES');
  assert.equal(resource['deployment.environment.name'], 'test');
  assert.ok(resource['host.name']);
  assert.ok(resource['service.instance.id']);

  const [bytesMetric] = metricsNamed(last.body, 'otelacct.traffic.bytes');
  assert.equal(bytesMetric.unit, 'By');
  assert.equal(bytesMetric.sum?.aggregationTemporality, 2, 'cumulative');
  assert.equal(bytesMetric.sum?.isMonotonic, true);
  assert.equal(metricsNamed(last.body, 'otelacct.traffic.packets')[0].unit, '{packet}');

  const expo = parseExposition(r.stdout);
  const promBytes = sumBy(expo, 'otelacct_traffic_bytes_total', ['source_address', 'destination_address']);
  const promPackets = sumBy(expo, 'otelacct_traffic_packets_total', ['source_address', 'destination_address']);
  assert.equal(promBytes.size, 56);
  assert.deepEqual(sumPoints(last.body, 'otelacct.traffic.bytes', PAIR), promBytes);
  assert.deepEqual(sumPoints(last.body, 'otelacct.traffic.packets', PAIR), promPackets);
});

test('periodic OTLP pushes while serving are cumulative and steady; SIGTERM exits 0 after a final push', async (t) => {
  const rx = new OtlpReceiver();
  const base = await rx.start();
  t.after(() => rx.stop());
  const file = capture('periodic.pcap');
  const child = startOtelacct(['--read', file, '--serve', '--output', 'none', '--prometheus-port', '0', '--prometheus-host', '127.0.0.1'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_METRIC_EXPORT_INTERVAL: '200', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken',
  });
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  await log.line(/"serving metrics"/);
  await waitFor('three OTLP exports', () => (rx.received.length >= 3 ? true : undefined), 20_000);
  const before = rx.received.length;
  assert.equal(await stop(child, 'SIGTERM'), 0);
  assert.ok(rx.received.length > before, 'a final export on SIGTERM');
  assert.deepEqual(rx.problems, []);
  const totals = rx.received.map((x) => [...sumPoints(x.body, 'otelacct.traffic.bytes', [])].reduce((a, [, v]) => a + v, 0));
  assert.ok(totals.every((v) => v === totals[0] && v > 0), `every export carries the same cumulative total: ${totals}`);
  assert.equal(rx.received[0].path, '/v1/metrics', 'OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/metrics appended');
  assert.equal(rx.received[0].headers.authorization, 'Bearer t0ken');
  const starts = new Set(rx.received.map((x) => metricsNamed(x.body, 'otelacct.traffic.bytes')[0].sum!.dataPoints[0].startTimeUnixNano));
  assert.equal(starts.size, 1, 'start time stays fixed across exports');
});
