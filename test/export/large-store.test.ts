import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ipv4Packet } from '../support/frames.ts';

const PAIRS = Number(process.env.PAIRS ?? 200_000);

/** Streams GET `url`, summing the traffic byte series line by line (the body is never kept whole). */
function scrape(url: string, onChunk: () => void): Promise<{ series: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let rest = '';
      let series = 0;
      let bytes = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const l of lines) {
          if (!l.startsWith('otelacct_traffic_bytes_total{')) continue;
          series++;
          bytes += Number(l.slice(l.lastIndexOf(' ') + 1));
        }
        onChunk();
      });
      res.on('end', () => resolve({ series, bytes, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test(`a scrape of ${PAIRS} pairs streams: every series once, the total exact, heap flat across scrapes`, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web', '--cardinality-limit', String(2 * PAIRS)], {});
  const p = await Pipeline.create(config, new Logger('error', () => {}), { outputReader: false });
  const url = (await p.serve())!;
  const pkt = ipv4Packet({ src: '10.0.0.1', dst: '172.16.0.1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 20 });
  for (let i = 0; i < PAIRS; i++) {
    // A distinct pair per packet: the low bytes of both addresses.
    pkt[14] = (i >>> 16) & 255; pkt[15] = (i >>> 8) & 255; pkt[19] = i & 255; pkt[18] = (i >>> 16) & 255;
    p.accountant.packet(pkt, 0, pkt.length, pkt.length, LinkType.RAW, 0);
    if (i % 50_000 === 0) await p.traffic.flush();
  }
  const total = p.accountant.totalBytes;
  const heaps: number[] = [];
  try {
  for (let round = 0; round < 3; round++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const r = await scrape(url, () => { peak = Math.max(peak, process.memoryUsage().heapUsed); });
    assert.equal(r.status, 200);
    assert.equal(r.series, PAIRS, 'every pair once');
    assert.equal(r.bytes, total, 'the total exact');
    // Unstreamed, the scrape's text and data points took ~500 MB of heap here; streamed, a few
    // chunks at a time (plus the garbage a young generation holds before it is collected).
    assert.ok(peak - before < 128 * 1024 * 1024, `heap rose ${((peak - before) / 1048576).toFixed(1)} MiB during the scrape`);
    gc();
    heaps.push(process.memoryUsage().heapUsed);
  }
  assert.ok(heaps[2] - heaps[0] < 4 * 1024 * 1024, `heap after scrapes: ${heaps.map((h) => (h / 1048576).toFixed(1)).join(', ')} MiB`);
  assert.ok(p.traffic.memoryBytes() / PAIRS < 200, `${(p.traffic.memoryBytes() / PAIRS).toFixed(0)} bytes per held series`);
  } finally {
    await p.stop();
  }
});
