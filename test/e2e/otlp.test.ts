import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { SCHEMA_URL } from '../../src/export/semconv.ts';
import { makePki, type TestPki } from '../support/certs.ts';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { OtlpGrpcReceiver } from '../support/otlp-grpc-receiver.ts';
import { attrs, metricsNamed, OtlpReceiver, sumPoints, type OtlpProtocol } from '../support/otlp-receiver.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { unmet } from '../support/requirements.ts';
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

/** Each protocol, and how it is chosen (the receiver checks it is the one that arrives). */
const PROTOCOLS: Array<{ protocol: OtlpProtocol; how: string; args: string[]; env: Record<string, string> }> = [
  { protocol: 'http/protobuf', how: 'the default', args: [], env: {} },
  { protocol: 'http/json', how: '--otlp-protocol', args: ['--otlp-protocol', 'http/json'], env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } },
  { protocol: 'grpc', how: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL over OTEL_EXPORTER_OTLP_PROTOCOL', args: [], env: { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } },
];

for (const { protocol, how, args, env } of PROTOCOLS) {
  test(`--read with OTLP ${protocol} (${how}): the final push carries exactly the totals printed for Prometheus (gzip, headers, resource)`, async (t) => {
    const grpc = protocol === 'grpc';
    const rx = grpc ? new OtlpGrpcReceiver() : new OtlpReceiver();
    const base = await rx.start();
    t.after(() => rx.stop());
    const file = capture(`otlp-${protocol.replace('/', '-')}.pcap`);
    const conf = join(tmp.path, 'otelacct.yaml');
    writeFileSync(conf, 'resource:\n  attributes:\n    site: dc1\notlp:\n  headers:\n    x-tenant: acme\n');
    const r = await runOtelacct(['--read', file, '--config', conf, '--otlp-endpoint', grpc ? base : `${base}/v1/metrics`, '--otlp-compression', 'gzip', ...args], {
      env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,site=overridden', ...env },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(rx.problems, []);
    assert.ok(rx.received.length >= 1, 'at least the final export');
    const last = rx.received.at(-1)!;
    assert.equal(last.protocol, protocol);
    if (!grpc) {
      assert.equal(last.path, '/v1/metrics');
      assert.equal(last.headers['content-encoding'], 'gzip');
    }
    assert.equal(last.headers['x-tenant'], 'acme');
    const resource = attrs(last.body.resourceMetrics[0].resource.attributes);
    assert.equal(resource['service.name'], 'otelacct');
    assert.equal(resource['site'], 'dc1', 'config resource attributes win over OTEL_RESOURCE_ATTRIBUTES');
    assert.equal(resource['deployment.environment.name'], 'test');
    assert.ok(resource['host.name']);
    assert.ok(resource['service.instance.id']);
    assert.equal(last.body.resourceMetrics[0].schemaUrl, SCHEMA_URL, 'the resource carries the semconv schema URL');
    for (const sm of last.body.resourceMetrics[0].scopeMetrics) assert.equal(sm.schemaUrl, SCHEMA_URL, `scope ${sm.scope.name} carries the schema URL`);

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
}

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
  await waitFor('three OTLP pushes', () => (rx.received.length >= 6 ? true : undefined), 20_000);
  const before = rx.received.length;
  assert.equal(await stop(child, 'SIGTERM'), 0);
  assert.ok(rx.received.length > before, 'a final export on SIGTERM');
  assert.deepEqual(rx.problems, []);
  // Each push is the self-telemetry request, then the traffic request(s): here one.
  const traffic = rx.received.filter((x) => metricsNamed(x.body, 'otelacct.traffic.bytes').length > 0);
  assert.ok(traffic.length >= 3);
  const totals = traffic.map((x) => [...sumPoints(x.body, 'otelacct.traffic.bytes', [])].reduce((a, [, v]) => a + v, 0));
  assert.ok(totals.every((v) => v === totals[0] && v > 0), `every export carries the same cumulative total: ${totals}`);
  assert.equal(rx.received[0].path, '/v1/metrics', 'OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/metrics appended');
  assert.equal(rx.received[0].headers.authorization, 'Bearer t0ken');
  const starts = new Set(traffic.map((x) => metricsNamed(x.body, 'otelacct.traffic.bytes')[0].sum!.dataPoints[0].startTimeUnixNano));
  assert.equal(starts.size, 1, 'start time stays fixed across exports');
});

describe('TLS from the spec variables', () => {
  let pki: TestPki;
  const needs = unmet({ tools: ['openssl'] });
  before(() => {
    if (!needs) pki = makePki(tmp.path);
  });

  for (const protocol of ['http/protobuf', 'grpc'] as const) {
    test(`${protocol}: mTLS with OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE, _CLIENT_CERTIFICATE and _CLIENT_KEY; without the client certificate nothing lands`, { skip: needs }, async (t) => {
      const tls = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey), clientCa: pki.read(pki.caCert) };
      const rx = protocol === 'grpc' ? new OtlpGrpcReceiver(Infinity, { tls }) : new OtlpReceiver(Infinity, { tls });
      const base = await rx.start();
      t.after(() => rx.stop());
      assert.match(base, /^https:/);
      const file = capture(`tls-${protocol.replace('/', '-')}.pcap`);
      const args = ['--read', file, '--otlp-protocol', protocol, '--otlp-endpoint', protocol === 'grpc' ? base : `${base}/v1/metrics`, '--otlp-timeout', '3000'];
      const ca = { OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: pki.caCert };

      const refused = await runOtelacct(args, { env: ca });
      assert.equal(refused.code, 0, refused.stderr);
      assert.match(refused.stderr, /"otlp export failed"/, 'the receiver wants a client certificate');
      assert.equal(rx.count, 0);

      const r = await runOtelacct(args, { env: { ...ca, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: pki.clientKey } });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /otlp export failed/);
      assert.deepEqual(rx.problems, []);
      assert.ok(rx.count >= 1);
      const expo = parseExposition(r.stdout);
      assert.deepEqual(sumPoints(rx.received.at(-1)!.body, 'otelacct.traffic.bytes', PAIR), sumBy(expo, 'otelacct_traffic_bytes_total', ['source_address', 'destination_address']));
    });
  }

  test('grpc: an endpoint without scheme is TLS unless OTEL_EXPORTER_OTLP_INSECURE=true', async (t) => {
    const rx = new OtlpGrpcReceiver();
    const base = await rx.start();
    t.after(() => rx.stop());
    const args = ['--read', capture('insecure.pcap'), '--otlp-protocol', 'grpc', '--otlp-timeout', '3000'];
    const hostPort = base.replace('http://', '');
    const tlsTried = await runOtelacct(args, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: hostPort } });
    assert.match(tlsTried.stderr, /"otlp export failed"/, 'TLS against a plaintext receiver fails');
    assert.equal(rx.count, 0);
    const r = await runOtelacct(args, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: hostPort, OTEL_EXPORTER_OTLP_INSECURE: 'true' } });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /otlp export failed/);
    assert.ok(rx.count >= 1);
  });

  test('a bad TLS variable stops otelacct at start with one line', async () => {
    const r = await runOtelacct(['--read', capture('bad-tls.pcap')], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://127.0.0.1:1', OTEL_EXPORTER_OTLP_CLIENT_KEY: join(tmp.path, 'missing.key') } });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `otelacct: OTEL_EXPORTER_OTLP_CLIENT_KEY="${join(tmp.path, 'missing.key')}": cannot read (ENOENT)\n`);
    assert.equal(r.stdout, '');
  });
});
