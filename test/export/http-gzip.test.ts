import assert from 'node:assert/strict';
import { get, request } from 'node:http';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { acceptsGzip } from '../../src/export/http-server.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ipv4Packet } from '../support/frames.ts';

function fetchRaw(url: string, headers: Record<string, string>): Promise<{ encoding: string | undefined; vary: string | undefined; type: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], vary: res.headers.vary, type: res.headers['content-type'], body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

const traffic = (text: string) => text.split('\n').filter((l) => l.startsWith('otelacct_traffic_')).join('\n');

test('/metrics is gzipped when the client asks, plain otherwise, with the same series', async () => {
  const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web'], {});
  const p = await Pipeline.create(config, new Logger('error', () => {}), { outputReader: false });
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
    assert.equal(zipped.vary, 'accept, accept-encoding');
    const text = gunzipSync(zipped.body).toString('utf8');
    assert.equal(traffic(text), traffic(plain.body.toString('utf8')));
    assert.equal(traffic(text).split('\n').length, 2 * 3000);
    assert.ok(zipped.body.length * 5 < plain.body.length, `gzip ${zipped.body.length} B vs ${plain.body.length} B`);
  } finally {
    await p.stop();
  }
});

test('/metrics as OpenMetrics when the Accept header prefers it: streamed, gzipped or not, the same samples plus _created, ending in # EOF', async () => {
  const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web'], {});
  const p = await Pipeline.create(config, new Logger('error', () => {}), { outputReader: false });
  const accept = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  try {
    const url = (await p.serve())!;
    for (let i = 0; i < 3000; i++) {
      const pkt = ipv4Packet({ src: `10.0.${i >> 8}.${i & 255}`, dst: '192.0.2.1', proto: 6, srcPort: 1000, dstPort: 443, payloadLength: i % 100 });
      p.accountant.packet(pkt, 0, pkt.length, pkt.length, LinkType.RAW, 0);
    }
    const text = (await fetchRaw(url, {})).body.toString('utf8');
    const plain = await fetchRaw(url, { accept });
    const zipped = await fetchRaw(url, { accept, 'accept-encoding': 'gzip' });
    assert.equal(plain.type, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.equal(zipped.encoding, 'gzip');
    assert.equal(zipped.vary, 'accept, accept-encoding');
    const om = gunzipSync(zipped.body).toString('utf8');
    const ofTraffic = (s: string) => s.split('\n').filter((l) => l.startsWith('otelacct_traffic_')).join('\n');
    assert.equal(ofTraffic(om), ofTraffic(plain.body.toString('utf8')), 'the same traffic samples either way');
    assert.ok(om.endsWith('\n# EOF\n'));
    assert.equal(om.indexOf('# EOF'), om.length - 6, 'one # EOF, at the end');
    const totals = (s: string) => s.split('\n').filter((l) => /^otelacct_traffic_\w+_total\{/.test(l)).join('\n');
    assert.equal(totals(om), traffic(text), 'the _total samples are the text format\'s lines');
    assert.equal(om.split('\n').filter((l) => /^otelacct_traffic_\w+_created\{/.test(l)).length, 2 * 3000);
    assert.match(om, /^# TYPE otelacct_traffic_bytes counter\n# UNIT otelacct_traffic_bytes bytes\n# HELP otelacct_traffic_bytes /m);
    const head = await new Promise<string | undefined>((resolve, reject) => {
      request(url, { method: 'HEAD', headers: { accept } }, (res) => resolve(res.headers['content-type'])).on('error', reject).end();
    });
    assert.equal(head, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  } finally {
    await p.stop();
  }
});

test('Accept-Encoding: gzip unless refused with q=0', () => {
  for (const [h, want] of [[undefined, false], ['', false], ['gzip', true], ['GZIP;q=0.5', true], ['br, gzip;q=0', false], ['identity', false], ['*', true], ['x-gzip', true], ['deflate, *;q=0', false]] as const) {
    assert.equal(acceptsGzip(h), want, String(h));
  }
});
