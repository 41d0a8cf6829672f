import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { OtlpReceiver, sumPoints } from '../support/otlp-receiver.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

test('collector outage (refused, 503, 429, hanging) then recovery: no crash, /metrics unaffected, exact totals afterwards', async (t) => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  let total = 0;
  for (let i = 0; i < 400; i++) {
    w.add(ethernetIPv4({ src: `10.7.${i % 4}.1`, dst: '10.7.9.9', proto: 6, srcPort: i, dstPort: 443, payloadLength: i % 300 }));
    total += 40 + (i % 300);
  }
  const file = tmp.write('outage.pcap', w.toBuffer());
  const rx = new OtlpReceiver(2);
  const base = await rx.start();
  t.after(() => rx.stop());
  const child = startOtelacct(['--read', file, '--serve', '--output', 'none', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0',
    '--otlp-endpoint', `${base}/v1/metrics`, '--otlp-interval', '300', '--otlp-timeout', '250']);
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await waitFor('a first export', () => (rx.count > 0 ? true : undefined));

  const scrapeTotal = async () => {
    const started = Date.now();
    const text = await (await fetch(url)).text();
    const took = Date.now() - started;
    const bytes = [...sumBy(parseExposition(text), 'otelacct_traffic_bytes_total', []).values()][0];
    return { bytes, took, failures: [...sumBy(parseExposition(text), 'otelacct_export_failures_total', []).values()][0] };
  };

  for (const mode of ['503', '429', 'hang'] as const) {
    rx.mode = mode;
    const failedBefore = rx.failed;
    await waitFor(`exports failing with ${mode}`, () => (rx.failed >= failedBefore + 2 ? true : undefined), 15_000);
    const s = await scrapeTotal();
    assert.equal(s.bytes, total, `/metrics during a ${mode} outage`);
    assert.ok(s.took < 1000, `/metrics answered in ${s.took} ms during a ${mode} outage`);
  }
  rx.mode = 'ok';
  const port = await rx.pause(); // connection refused
  await new Promise((r) => setTimeout(r, 1200));
  const during = await scrapeTotal();
  assert.equal(during.bytes, total);
  assert.ok(during.failures > 0, 'export failures are counted in self-telemetry');
  await rx.restart(port);
  const seen = rx.count;
  await waitFor('exports after recovery', () => (rx.count >= seen + 2 ? true : undefined), 15_000);
  const last = rx.received.at(-1)!.body;
  assert.equal([...sumPoints(last, 'otelacct.traffic.bytes', []).values()][0], total, 'the collector gets the exact cumulative total');
  assert.equal(child.exitCode, null, 'still running');
  const failLines = log.text.split('\n').filter((l) => l.includes('"otlp export failed"'));
  assert.ok(failLines.length >= 1 && failLines.length <= 2, `failures logged once per minute, not per export: ${failLines.length} lines`);
  assert.equal(await stop(child, 'SIGTERM'), 0);
});
