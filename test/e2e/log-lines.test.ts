/**
 * What reaches stderr: one line per problem whatever the values hold (a line break in a flag
 * cannot forge a second `otelacct:` line), and no URL credentials in clear.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { runOtelacct, startOtelacct } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

const FORGED = 'x\notelacct: ok';

test('a line break in any value gives one escaped stderr line, never a forged second one', async () => {
  const pcap = tmp.write('one.pcap', new PcapWriter({ linkType: LinkType.ETHERNET }).add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 0 })).toBuffer());
  for (const [args, code] of [
    [['-i', FORGED], 2],
    [['--read', FORGED], 1],
    [['--read', pcap, '--networks-file', FORGED, '--output', 'none'], 2],
    [['--read', pcap, '--serve', '--web-config-file', FORGED, '--prometheus-port', '0', '--output', 'none'], 2],
    [['report', '--from', FORGED, '--to', '2026-01-01'], 2],
  ] as const) {
    const r = await runOtelacct([...args], { timeoutMs: 30_000 });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `${JSON.stringify(args)}: ${r.stderr}`);
    assert.ok(lines[0].startsWith('otelacct') && lines[0].includes('x\\notelacct: ok'), lines[0]);
  }
});

test('an OTLP endpoint with credentials is logged with *** in their place', async (t) => {
  // A port that refuses connections: every push fails and is logged with its endpoint.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const pcap = tmp.write('otlp.pcap', new PcapWriter({ linkType: LinkType.ETHERNET }).add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 0 })).toBuffer());
  const child = startOtelacct(['--read', pcap, '--serve', '--output', 'none', '--prometheus-port', '0', '--prometheus-host', '127.0.0.1',
    '--otlp-endpoint', `http://meter:s3cr3t@127.0.0.1:${port}/v1/metrics?api_key=k3y`, '--otlp-interval', '200', '--otlp-timeout', '150']);
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const failed = await log.line(/"otlp export failed"/);
  assert.match(failed, new RegExp(`"endpoint":"http://\\*\\*\\*@127\\.0\\.0\\.1:${port}/v1/metrics\\?api_key=\\*\\*\\*"`));
  assert.equal(await stop(child, 'SIGTERM'), 0);
  assert.doesNotMatch(log.text, /s3cr3t|k3y/);
});
