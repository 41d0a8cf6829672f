/**
 * A scrape of a big store: `node bench/scrape.ts [--pairs N] [--gzip] [--openmetrics]` counts N distinct
 * source/destination pairs (default 1,000,000: 2N traffic series) into an in-process otelacct,
 * then GETs /metrics over loopback as Prometheus would, reading the body as it streams. Prints the
 * scrape's wall time, the series received, the body size and the process's RSS before and at the
 * peak of the scrape. Target (issue 11): a scrape of 1M series ≤ 3 s, never the whole exposition
 * in memory.
 */
import { get } from 'node:http';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { loadConfig } from '../src/config/load.ts';
import { LinkType } from '../src/decode/link-type.ts';
import { Logger } from '../src/log.ts';
import { Pipeline } from '../src/pipeline.ts';
import { ipv4Packet } from '../test/support/frames.ts';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '1000000' }, gzip: { type: 'boolean', default: false }, openmetrics: { type: 'boolean', default: false } } });
const pairs = Number(values.pairs);
const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web', '--cardinality-limit', String(2 * pairs)], {});
const p = new Pipeline(config, new Logger('error', () => {}), { outputReader: false });
const url = (await p.serve())!;
const pkt = ipv4Packet({ src: '10.0.0.1', dst: '172.16.0.1', proto: 6, srcPort: 1, dstPort: 443, payloadLength: 20 });
for (let i = 0; i < pairs; i++) {
  pkt[13] = (i >>> 16) & 255; pkt[14] = (i >>> 8) & 255; pkt[15] = i & 255; pkt[19] = i & 255;
  p.accountant.packet(pkt, 0, pkt.length, pkt.length, LinkType.RAW, 0);
  if (i % 50_000 === 49_999) await p.traffic.flush(); // as the flush mark does while capturing
}
await p.traffic.flush();
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
const started = performance.now();
const result = await new Promise<{ series: number; bytes: number; wire: number }>((resolve, reject) => {
  const headers: Record<string, string> = values.gzip ? { 'accept-encoding': 'gzip' } : {};
  // Prometheus' own Accept header: OpenMetrics (a _created line beside each traffic _total line).
  if (values.openmetrics) headers.accept = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  get(url, { headers }, (res) => {
    let wire = 0;
    res.on('data', (b: Buffer) => { wire += b.length; });
    const body = values.gzip ? res.pipe(createGunzip()) : res;
    let series = 0;
    let bytes = 0;
    let rest = '';
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => {
      bytes += chunk.length;
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (l.startsWith('otelacct_traffic_') && !l.startsWith('otelacct_traffic_bytes_created') && !l.startsWith('otelacct_traffic_packets_created')) series++;
    });
    body.on('end', () => resolve({ series, bytes, wire }));
    body.on('error', reject);
  }).on('error', reject);
});
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
console.log(JSON.stringify({
  pairs, series: result.series, seconds: Number(seconds.toFixed(2)), bodyMB: Number((result.bytes / 1e6).toFixed(1)),
  wireMB: Number((result.wire / 1e6).toFixed(1)), gzip: values.gzip, openmetrics: values.openmetrics,
  rssBeforeMB: Math.round(rssBefore / 1048576), rssPeakMB: Math.round(peak / 1048576),
  storeBytesPerPair: Math.round(p.traffic.memoryBytes() / pairs), storeBytesPerSeries: Math.round(p.traffic.memoryBytes() / pairs / 2),
}));
await p.stop();
