import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { acceptsGzip } from '../../src/export/http-server.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ipv4Packet } from '../support/frames.ts';

function fetchRaw(url: string, headers: Record<string, string>): Promise<{ encoding: string | undefined; vary: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], vary: res.headers.vary, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

const traffic = (text: string) => text.split('\n').filter((l) => l.startsWith('otelacct_traffic_')).join('\n');

test('/metrics is gzipped when the client asks, plain otherwise, with the same series', async () => {
  const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web'], {});
  const p = new Pipeline(config, new Logger('error', () => {}), { outputReader: false });
  try {
    const url = (await p.serve())!;
    for (let i = 0; i < 3000; i++) {
      const pkt = ipv4Packet({ src: `10.0.${i >> 8}.${i & 255}`, dst: '192.0.2.1', proto: 6, srcPort: 1000, dstPort: 443, payloadLength: i % 100 });
      p.accountant.packet(pkt, 0, pkt.length, pkt.length, LinkType.RAW, 0);
    }
    const plain = await fetchRaw(url, {});
    const zipped = await fetchRaw(url, { 'accept-encoding': 'gzip, deflate' });
    assert.equal(plain.encoding, undefined);
    assert.equal(zipped.encoding, 'gzip');
    assert.equal(zipped.vary, 'accept-encoding');
    const text = gunzipSync(zipped.body).toString('utf8');
    assert.equal(traffic(text), traffic(plain.body.toString('utf8')));
    assert.equal(traffic(text).split('\n').length, 2 * 3000);
    assert.ok(zipped.body.length * 5 < plain.body.length, `gzip ${zipped.body.length} B vs ${plain.body.length} B`);
  } finally {
    await p.stop();
  }
});

test('Accept-Encoding: gzip unless refused with q=0', () => {
  for (const [h, want] of [[undefined, false], ['', false], ['gzip', true], ['GZIP;q=0.5', true], ['br, gzip;q=0', false], ['identity', false], ['*', true], ['x-gzip', true], ['deflate, *;q=0', false]] as const) {
    assert.equal(acceptsGzip(h), want, String(h));
  }
});
