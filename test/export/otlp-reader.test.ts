import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import type { OtlpProtocol } from '../../src/export/otlp-settings.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ipv4Packet, ipv6Packet } from '../support/frames.ts';
import { OtlpGrpcReceiver } from '../support/otlp-grpc-receiver.ts';
import { attrs, countPoints, metricsNamed, OtlpReceiver, sumPoints, type ExportRequest, type ReceiverBase } from '../support/otlp-receiver.ts';

const quiet = new Logger('error', () => {});
const SOURCES = 100;
const MAX = 60;
const TRAFFIC = 'otelacct.traffic.';

/**
 * One push (the final one, on stop) of a pipeline that counted one packet from each of `sources`
 * sources (payload i bytes for the i-th, so 28 + i bytes as IPv4), sent to `rx` over `protocol`
 * in requests of at most `max` points. The interval is a day: the final push is the only one.
 */
async function push(protocol: OtlpProtocol, rx: ReceiverBase, o: { sources?: number; max?: number; timeout?: number; ipv6?: boolean } = {}) {
  const base = await rx.start();
  const sources = o.sources ?? SOURCES;
  const { config } = loadConfig(['--no-prometheus', '--dimensions', 'source.address,destination.address', '--cardinality-limit', String(sources + 10),
    '--otlp-protocol', protocol, '--otlp-endpoint', protocol === 'grpc' ? base : `${base}/v1/metrics`,
    '--otlp-max-data-points', String(o.max ?? MAX), '--otlp-interval', '86400000', '--otlp-timeout', String(o.timeout ?? 5000)], {});
  const p = await Pipeline.create(config, quiet, { outputReader: false, env: {} });
  for (let i = 0; i < sources; i++) {
    const spec = { src: o.ipv6 ? `2001:db8:${(i >> 8).toString(16)}::${(i & 255).toString(16)}` : `10.1.${i >> 8}.${i & 255}`,
      dst: o.ipv6 ? `2001:db8:ffff:${i % 97}::${i.toString(16)}` : '10.255.255.1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: o.ipv6 ? 0 : i };
    const pkt = o.ipv6 ? ipv6Packet(spec) : ipv4Packet(spec);
    p.accountant.packet(pkt, 0, pkt.length, pkt.length, LinkType.RAW, 0);
  }
  const started = Date.now();
  await p.stop();
  const took = Date.now() - started;
  await rx.stop();
  const traffic = rx.received.filter((r) => metricsNamed(r.body, 'otelacct.traffic.bytes').length > 0);
  return { took, failures: p.telemetry.health.exportFailures, traffic, bytes: bySource(traffic, 'otelacct.traffic.bytes'), packets: bySource(traffic, 'otelacct.traffic.packets') };
}

function bySource(requests: Array<{ body: ExportRequest }>, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests) for (const [k, v] of sumPoints(r.body, metric, ['source.address'])) out.set(k, v);
  return out;
}

const receiver = (protocol: OtlpProtocol) => (protocol === 'grpc' ? new OtlpGrpcReceiver() : new OtlpReceiver());
const expectedBytes = new Map(Array.from({ length: SOURCES }, (_, i) => [`10.1.${i >> 8}.${i & 255}`, 28 + i]));
/** Refuses (or leaves unanswered) every attempt at the traffic request that holds 10.1.0.0. */
const firstTraffic = (answer: true | 'hang') => (body: ExportRequest) => (sumPoints(body, 'otelacct.traffic.bytes', ['source.address']).has('10.1.0.0') ? answer : false);

describe(`one push of ${SOURCES} series (bytes and packets) with otlp.maxDataPoints ${MAX}`, () => {
  for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
    test(`${protocol}: traffic requests of at most ${MAX} points (the first with the self-telemetry), each with the resource and the descriptors; together every series, exact`, async () => {
      const rx = receiver(protocol);
      const r = await push(protocol, rx);
      assert.deepEqual(rx.problems, []);
      assert.equal(rx.received.length, Math.ceil(SOURCES / (MAX / 2)));
      assert.ok(metricsNamed(rx.received[0].body, 'otelacct.capture.packets').length > 0, 'the self-telemetry rides with the first request');
      assert.deepEqual(r.traffic.map((x) => countPoints(x.body, TRAFFIC)), [60, 60, 60, 20]);
      for (const x of rx.received) {
        assert.equal(x.protocol, protocol);
        assert.equal(attrs(x.body.resourceMetrics[0].resource.attributes)['service.name'], 'otelacct');
      }
      for (const x of r.traffic) {
        const [bytes] = metricsNamed(x.body, 'otelacct.traffic.bytes');
        assert.equal(bytes.unit, 'By');
        assert.equal(bytes.sum?.aggregationTemporality, 2);
        assert.equal(bytes.sum?.isMonotonic, true);
        assert.equal(metricsNamed(x.body, 'otelacct.traffic.packets')[0].unit, '{packet}');
      }
      assert.deepEqual(r.bytes, expectedBytes);
      assert.equal(r.packets.size, SOURCES);
      assert.equal(r.failures, 0);
    });
  }

  for (const protocol of ['http/protobuf', 'grpc'] as const) {
    test(`${protocol}: the first traffic request refused (503 / UNAVAILABLE): the others still go out in the same push; one failure counted`, async () => {
      const rx = receiver(protocol);
      rx.refuse = firstTraffic(true);
      const r = await push(protocol, rx, { timeout: 1500 });
      if (protocol === 'grpc') {
        // The 0.301 gRPC exporter reports every error as final (its transport never answers
        // 'retryable'); the README says so. An upgrade that retries makes this fail: update both.
        assert.equal(rx.failed, 1, 'the gRPC exporter does not retry');
      } else {
        assert.ok(rx.failed >= 2, `the exporter retried the refused request (${rx.failed} attempts)`);
      }
      assert.equal(r.traffic.length, 3);
      assert.equal(r.bytes.size, SOURCES - MAX / 2);
      for (const [k, v] of r.bytes) assert.equal(v, expectedBytes.get(k));
      assert.equal(r.failures, 1);
    });

    test(`${protocol}: the first traffic request never answered: the exporter's timeout fails it and the others still go out`, async () => {
      const rx = receiver(protocol);
      rx.refuse = firstTraffic('hang');
      const r = await push(protocol, rx, { timeout: 500 });
      assert.equal(r.bytes.size, SOURCES - MAX / 2, 'the requests after the hanging one landed');
      assert.equal(r.failures, 1);
      assert.ok(r.took < 5000, `${r.took} ms`);
    });
  }
});

test('grpc: 30,000 IPv6 pairs in one request exceed gRPC\'s 4 MiB default message limit and are refused; in requests of the default size they land complete', async () => {
  // About 6 MB as one ExportMetricsServiceRequest; grpc-js's server, like the collector's gRPC
  // receiver, accepts 4 MiB by default.
  const sources = 30_000;
  const whole = await push('grpc', new OtlpGrpcReceiver(), { sources, max: 1_000_000, ipv6: true, timeout: 20_000 });
  assert.equal(whole.traffic.length, 0);
  assert.equal(whole.failures, 1);
  const max = loadConfig([], {}).config.otlp.maxDataPoints;
  const split = await push('grpc', new OtlpGrpcReceiver(), { sources, max, ipv6: true, timeout: 20_000 });
  assert.equal(split.traffic.length, Math.ceil(sources / (max / 2)));
  assert.ok(split.traffic.every((x) => countPoints(x.body, TRAFFIC) <= max));
  assert.equal(split.bytes.size, sources);
  assert.equal(split.failures, 0);
});
