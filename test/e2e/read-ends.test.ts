import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { runOtelacct, scrapeTrafficPackets, startOtelacct, trafficPackets } from '../support/run-otelacct.ts';

/** How a `--read` ends (attacker pass, items 4b and 4c): exit 0, 1 or by the signal, never a claim of success it cannot back. */
const tmp = new TempDir();
after(() => tmp.dispose());

const SERVE = ['--serve', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0'];

/** A pcap of `n` 100-byte-payload UDP packets; with `truncate`, a last record cut short. */
function pcap(n: number, truncate = false): Buffer {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < n; i++) w.add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1000, dstPort: 2000, payloadLength: 100 }));
  const whole = w.toBuffer();
  return truncate ? Buffer.concat([whole, whole.subarray(24, 24 + 30)]) : whole;
}

describe('how --read ends', () => {
  it('--serve with a file that cannot be read to its end: the error line and exit 1, not "file read; serving"', async () => {
    const empty = await runOtelacct(['--read', tmp.write('empty.pcap', new Uint8Array(0)), ...SERVE, '--output', 'none'], { timeoutMs: 20_000 });
    assert.deepEqual([empty.code, empty.stdout], [1, '']);
    assert.match(empty.stderr, /empty file, not a pcap or pcapng file/);
    assert.doesNotMatch(empty.stderr, /file read; serving/);
    // What was counted before the damage is still printed, as without --serve.
    const cut = await runOtelacct(['--read', tmp.write('cut.pcap', pcap(5, true)), ...SERVE], { timeoutMs: 20_000 });
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /truncated packet record/);
    assert.doesNotMatch(cut.stderr, /file read; serving/);
    assert.equal(trafficPackets(cut.stdout), 5);
  });

  it('a signal during the read ends otelacct by that signal, file whole or not; a damaged file read to its end exits 1', async () => {
    for (const damaged of [false, true]) {
      const fifo = join(tmp.path, `feed-${damaged}`);
      execFileSync('mkfifo', [fifo]);
      const child = startOtelacct(['--read', fifo, ...SERVE]);
      const log = new OutputWatch(child);
      let stdout = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`otelacct did not end within 20 s: ${log.text.slice(-500)}`)), 20_000);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          resolve([code, signal]);
        });
      });
      exited.catch(() => {});
      await log.line(/"serving metrics"/);
      const writer = await open(fifo, 'w');
      try {
        // 10 packets, then (damaged) a truncated record that ends the file, or nothing more yet:
        // otelacct has the FIFO open (the writer's open returned) and cannot have reached its end.
        await writer.write(damaged ? pcap(10, true) : pcap(10));
        await new Promise((r) => setTimeout(r, 200));
        if (!damaged) {
          // In the middle of the read (the writer still open): SIGTERM.
          child.kill('SIGTERM');
          assert.deepEqual(await exited, [null, 'SIGTERM']);
          assert.equal(stdout, '', 'nothing written: the totals are not final');
        } else {
          await writer.close();
          assert.deepEqual(await exited, [1, null]);
          assert.match(log.text, /truncated packet record/);
        }
      } finally {
        await writer.close().catch(() => {});
        await stop(child, 'SIGKILL');
      }
    }
  });

  it('a FIFO with a slow writer: /metrics answers while the writer is idle, with what it sent so far; the end of the file makes the totals final', async () => {
    const fifo = join(tmp.path, 'slow');
    execFileSync('mkfifo', [fifo]);
    const child = startOtelacct(['--read', fifo, ...SERVE, '--output', 'none']);
    const log = new OutputWatch(child);
    const writer = await open(fifo, 'w');
    try {
      const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
      // Every scrape must answer within 2 s although the pipe is empty and its writer open.
      const scrape = (): Promise<number> => scrapeTrafficPackets(url);
      const first = pcap(10);
      await writer.write(first);
      assert.equal(await waitFor('the first 10 packets on /metrics', async () => ((await scrape()) === 10 ? 10 : undefined), 10_000), 10);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await scrape(), 10, 'the idle writer: nothing more, and /metrics still answers');
      assert.doesNotMatch(log.text, /file read; serving/);
      await writer.write(pcap(15).subarray(first.length)); // 5 more records
      assert.equal(await waitFor('15 packets', async () => ((await scrape()) === 15 ? 15 : undefined), 10_000), 15);
      await writer.close();
      await log.line(/"file read; serving/);
      assert.equal(await scrape(), 15);
    } finally {
      await writer.close().catch(() => {});
      await stop(child);
    }
  });

  it('damaged data from a pipe whose writer stays open and idle: the error and exit 1 at once, not when the writer closes', async () => {
    const fifo = join(tmp.path, 'damaged-idle');
    execFileSync('mkfifo', [fifo]);
    const child = startOtelacct(['--read', fifo, '--output', 'none']);
    const log = new OutputWatch(child);
    const writer = await open(fifo, 'w');
    try {
      // A pcap header and a record claiming 300,000 captured bytes (the limit is 256 KiB).
      const bad = Buffer.concat([pcap(0), Buffer.alloc(16)]);
      bad.writeUInt32LE(300_000, 24 + 8);
      bad.writeUInt32LE(300_000, 24 + 12);
      await writer.write(bad);
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`otelacct still running 10 s after the damage: ${log.text.slice(-500)}`)), 10_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.equal(code, 1);
      assert.match(log.text, /captured length 300000 exceeds/);
    } finally {
      await writer.close().catch(() => {});
      await stop(child, 'SIGKILL');
    }
  });
});
