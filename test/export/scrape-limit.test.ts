import assert from 'node:assert/strict';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { MAX_SCRAPES } from '../../src/export/http-server.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ipv4Packet } from '../support/frames.ts';

const status = (url: string): Promise<number> => new Promise((resolve, reject) => {
  get(url, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
});

test(`at most ${MAX_SCRAPES} scrapes stream at once: clients that never read cannot starve the rest`, async () => {
  const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web', '--cardinality-limit', '400000'], {});
  const p = await Pipeline.create(config, new Logger('error', () => {}), { outputReader: false });
  const sockets: Socket[] = [];
  try {
    const url = new URL((await p.serve())!);
    const pkt = ipv4Packet({ src: '10.0.0.1', dst: '172.16.0.1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 20 });
    for (let i = 0; i < 150_000; i++) {
      pkt[14] = (i >>> 8) & 255; pkt[15] = i & 255; pkt[13] = (i >>> 16) & 255;
      p.accountant.packet(pkt, 0, pkt.length, pkt.length, LinkType.RAW, 0);
      if (i % 50_000 === 49_999) await p.traffic.flush();
    }
    // Scrapes of a ~70 MB exposition whose clients never read: each stays in progress.
    for (let i = 0; i < MAX_SCRAPES; i++) {
      const s = connect(Number(url.port), '127.0.0.1');
      s.on('error', () => {});
      s.write(`GET ${url.pathname} HTTP/1.1\r\nHost: x\r\n\r\n`);
      s.pause();
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await status(url.href), 503, 'one more scrape is refused while they hang');
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await status(url.href), 200, 'their slots are free once they are gone');
  } finally {
    for (const s of sockets) s.destroy();
    await p.stop();
  }
});
