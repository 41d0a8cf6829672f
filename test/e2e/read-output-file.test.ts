import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { CLI, runOtelacct } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

/** A capture of `pairs` distinct IPv4 and IPv6 pairs, a few packets each: several MiB of exposition. */
function capture(pairs: number): string {
  const w = new PcapWriter({ linkType: 1 });
  for (let i = 0; i < pairs; i++) {
    const dst = `${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.1`;
    w.add(i % 4 === 0
      ? ethernetIPv6({ src: '2001:db8::1', dst: `2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`, proto: 17, payloadLength: i % 700 })
      : ethernetIPv4({ src: '192.0.2.1', dst, proto: 6, srcPort: 1, dstPort: 2, payloadLength: i % 1400 }));
  }
  return tmp.write('pairs.pcap', w.toBuffer());
}

/** Runs the CLI with stdout on a new regular file (the output then goes through fileWrite); its exit code and the file's text. */
function runToFile(args: string[], name: string): Promise<{ code: number | null; text: string; stderr: string }> {
  const path = join(tmp.path, name);
  const fd = openSync(path, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, text: readFileSync(path, 'utf8'), stderr }));
  });
}

/** The exposition's traffic lines (self-telemetry differs between runs). */
function traffic(text: string): string[] {
  return text.split('\n').filter((l) => l.includes('otelacct_traffic'));
}

test('--read output to a regular file equals the output to a pipe, line for line (Prometheus text and JSON)', async () => {
  const file = capture(30_000);
  const args = ['--read', file, '--cardinality-limit', '100000'];
  const piped = await runOtelacct(args, { timeoutMs: 120_000 });
  const written = await runToFile(args, 'out.prom');
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(written.code, 0, written.stderr);
  assert.ok(written.text.length > 2 * 1024 * 1024, `${written.text.length} bytes: more than two 1 MiB chunks`);
  assert.equal(traffic(piped.stdout).length, 2 * 30_000 + 6, 'HELP, UNIT and TYPE of both metrics, every series of both');
  assert.deepEqual(traffic(written.text), traffic(piped.stdout));
  assert.ok(written.text.endsWith('\n'));

  const json = await runToFile([...args, '--output', 'json'], 'out.json');
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.text) as { metrics: { name: string; dataPoints: unknown[] }[] };
  assert.equal(doc.metrics.find((m) => m.name === 'otelacct.traffic.bytes')?.dataPoints.length, 30_000);
});
