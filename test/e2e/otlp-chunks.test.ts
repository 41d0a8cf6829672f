import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { OtlpGrpcReceiver } from '../support/otlp-grpc-receiver.ts';
import { attrs, countPoints, metricsNamed, OtlpReceiver, sumPoints, type ReceiverBase } from '../support/otlp-receiver.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { parseExposition, runOtelacct, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());
const PAIRS = 25_000;
const CHUNK = 10_000;
const PAIR_LABELS = ['source_address', 'destination_address'];

/** A capture with PAIRS distinct source/destination pairs, one packet each. */
function capture(): string {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < PAIRS; i++) {
    w.add(ethernetIPv4({ src: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, dst: '192.0.2.1', proto: 17, srcPort: 1000, dstPort: 53, payloadLength: i % 500 }));
  }
  return tmp.write('pairs.pcap', w.toBuffer());
}
const file = capture();
// Every pair kept exact (the default roll-up policy rolls pairs past half the limit up to prefixes).
const ARGS = ['--dimensions', 'source.address,destination.address', '--cardinality-limit', '30000', '--overflow-policy', 'overflow', '--otlp-max-data-points', String(CHUNK)];

/** A receiver's view of one traffic metric, summed by pair like `sumBy` does for the exposition. */
function viewByPair(rx: ReceiverBase, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of rx.view!) {
    if (!key.startsWith(`${metric}[`)) continue;
    const a = Object.fromEntries(JSON.parse(key.slice(metric.length)) as Array<[string, string]>);
    out.set(`${a['source.address']},${a['destination.address']}`, value);
  }
  return out;
}

for (const protocol of ['http/protobuf', 'grpc'] as const) {
  test(`${protocol}: a push of ${PAIRS} pairs (2 metrics) goes out in requests of at most ${CHUNK} points, each with resource and descriptors, and arrives complete`, async (t) => {
    const rx = protocol === 'grpc' ? new OtlpGrpcReceiver(Infinity, { view: true }) : new OtlpReceiver(Infinity, { view: true });
    const base = await rx.start();
    t.after(() => rx.stop());
    const r = await runOtelacct(['--read', file, ...ARGS, '--otlp-protocol', protocol, '--otlp-endpoint', protocol === 'grpc' ? base : `${base}/v1/metrics`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(rx.problems, []);
    const sizes = rx.received.map((x) => countPoints(x.body, 'otelacct.traffic.'));
    assert.ok(rx.received.length >= Math.ceil((2 * PAIRS) / CHUNK), `requests: ${sizes}`);
    assert.ok(sizes.every((n) => n <= CHUNK), `no request over ${CHUNK} traffic points (the first also carries the self-telemetry): ${sizes}`);
    for (const x of rx.received) {
      assert.equal(attrs(x.body.resourceMetrics[0].resource.attributes)['service.name'], 'otelacct', 'every request keeps the resource');
      for (const m of metricsNamed(x.body, 'otelacct.traffic.bytes')) {
        assert.equal(m.unit, 'By', 'every piece keeps the descriptor');
        assert.equal(m.sum?.aggregationTemporality, 2);
      }
    }
    const expo = parseExposition(r.stdout);
    const promBytes = sumBy(expo, 'otelacct_traffic_bytes_total', PAIR_LABELS);
    assert.equal(promBytes.size, PAIRS);
    assert.deepEqual(viewByPair(rx, 'otelacct.traffic.bytes'), promBytes);
    assert.deepEqual(viewByPair(rx, 'otelacct.traffic.packets'), sumBy(expo, 'otelacct_traffic_packets_total', PAIR_LABELS));
  });
}

test('a collector that refuses (503) one request of a push: the other requests land, the failure is counted, the next push completes the view', async (t) => {
  const rx = new OtlpReceiver(0, { view: true });
  const base = await rx.start();
  t.after(() => rx.stop());
  // Refuse every attempt at the first traffic request of a push (the one holding the first pair
  // seen): the requests after it must still go out.
  let marker: string | undefined;
  rx.refuse = (body) => {
    const pairs = sumPoints(body, 'otelacct.traffic.bytes', ['source.address']);
    if (pairs.size === 0) return false;
    marker ??= pairs.keys().next().value;
    return pairs.has(marker!);
  };
  const child = startOtelacct(['--read', file, '--serve', '--output', 'none', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0',
    ...ARGS, '--otlp-endpoint', `${base}/v1/metrics`, '--otlp-interval', '3000']);
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  // /metrics answers while the file is read: the totals are final once the read is over.
  await log.line(/"file read; serving/);
  const scrape = async () => parseExposition(await (await fetch(url)).text());

  const expo = await scrape();
  const promBytes = sumBy(expo, 'otelacct_traffic_bytes_total', PAIR_LABELS);
  assert.equal(promBytes.size, PAIRS);
  // Wait for the refused request's failure to be counted and for the rest of the push, then
  // look at what landed: everything but the CHUNK / 2 pairs (bytes and packets) of that request.
  await waitFor('a counted export failure', async () => ([...sumBy(await scrape(), 'otelacct_export_failures_total', []).values()][0] > 0 ? true : undefined), 20_000, 250);
  await waitFor('the rest of the push', () => (viewByPair(rx, 'otelacct.traffic.bytes').size === PAIRS - CHUNK / 2 ? true : undefined), 20_000);
  assert.ok(rx.failed >= 2, `the refused request was retried by the exporter before it gave up (${rx.failed} attempts)`);
  assert.equal(viewByPair(rx, 'otelacct.traffic.packets').size, PAIRS - CHUNK / 2);
  assert.ok(![...viewByPair(rx, 'otelacct.traffic.bytes').keys()].some((k) => k.startsWith(`${marker},`)), 'the refused request did not land');
  for (const [pair, v] of viewByPair(rx, 'otelacct.traffic.bytes')) assert.equal(v, promBytes.get(pair), `${pair}: what landed is exact`);

  rx.refuse = undefined;
  await waitFor('the view complete after the next push', () => (viewByPair(rx, 'otelacct.traffic.bytes').size === PAIRS ? true : undefined), 20_000);
  assert.deepEqual(viewByPair(rx, 'otelacct.traffic.bytes'), promBytes);
  assert.deepEqual(viewByPair(rx, 'otelacct.traffic.packets'), sumBy(expo, 'otelacct_traffic_packets_total', PAIR_LABELS));
  assert.deepEqual(rx.problems, []);
  assert.equal(await stop(child, 'SIGTERM'), 0);
});
