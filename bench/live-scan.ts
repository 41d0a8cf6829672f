/**
 * Live address scan: replays a generated scan (N distinct sources, one 40-byte IP packet each)
 * with tcpreplay into a veth that otelacct captures on, with the live page on and /metrics
 * scraped every 15 s, sampling otelacct's RSS every 200 ms. Root only. Prints one line: replay
 * time, peak RSS, packets captured and dropped, bytes counted (must be N × 40 plus the few
 * packets the kernel itself sends on a new link).
 *
 *   sudo node bench/live-scan.ts [--sources 10000000] [--cardinality-limit N]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { VethNamespace } from '../test/support/netns.ts';
import { OutputWatch, stop } from '../test/support/processes.ts';
import { parseExposition, sumBy } from '../test/support/run-otelacct.ts';
import { CLI_ARGS } from './otelacct-output.ts';

const { values } = parseArgs({ options: { sources: { type: 'string', default: '10000000' }, 'cardinality-limit': { type: 'string' } } });
const sources = Number(values.sources);
const dir = mkdtempSync(join(tmpdir(), 'otelacct-live-scan-'));
const pcap = join(dir, 'scan.pcap');
execFileSync(process.execPath, [new URL('./generate.ts', import.meta.url).pathname, 'scan', '--sources', String(sources), '--out', pcap], { stdio: 'inherit' });
const net = new VethNamespace(8);
try {
  const extra = values['cardinality-limit'] ? ['--cardinality-limit', values['cardinality-limit']] : [];
  const child = spawn(process.execPath, [...CLI_ARGS, '-i', net.hostIf, '--prometheus-host', '127.0.0.1', '--prometheus-port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = new OutputWatch(child);
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      // exited
    }
  }, 200);
  const scrape = setInterval(() => void fetch(url).then((r) => r.text()).catch(() => {}), 15_000);
  const t0 = Date.now();
  execFileSync('ip', ['netns', 'exec', net.ns, 'tcpreplay', '--topspeed', '-i', net.peerIf, pcap], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 3000));
  const expo = parseExposition(await (await fetch(url)).text());
  clearInterval(poll);
  clearInterval(scrape);
  const one = (m: string) => [...sumBy(expo, m, []).values()][0] ?? 0;
  console.log(`live scan: ${sources} sources replayed in ${((Date.now() - t0) / 1000).toFixed(0)} s; peak RSS ${(peak / 1024).toFixed(0)} MiB ` +
    `(${(peak * 1024 / 1e6).toFixed(0)} MB); captured ${one('otelacct_capture_packets_total')}, kernel drops ${one('otelacct_capture_dropped_total')}; ` +
    `bytes ${one('otelacct_traffic_bytes_total')} (scan: ${sources * 40})`);
  await stop(child);
} finally {
  net.dispose();
  rmSync(dir, { recursive: true, force: true });
}
