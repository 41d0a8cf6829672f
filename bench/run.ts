/**
 * `npm run bench`: otelacct next to libpcap, tcpdump and pmacctd on the same generated inputs.
 *
 *   node bench/run.ts [--packets N] [--flows N] [--runs N] [--seed N] [--ipv6-share F]
 *                     [--vlan-share F] [--live-packets N] [--scan-sources N]
 *                     [--only offline|live|scan] [--profile] [--keep]
 *
 * Scenarios (all by default; live needs root): offline (bench/offline.ts), live
 * (bench/live.ts), scan (bench/scan.ts). Inputs are generated in a temporary directory
 * (bench/generate.ts), removed at the end unless --keep. Progress goes to stderr; the result is
 * one markdown table on stdout. Exit status 1 when otelacct's totals differ from pmacctd's (or
 * from the generated ones), or the scan does not conserve its totals; a missed speed or memory
 * target is reported in the table, not in the exit status.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTraffic, type TrafficOptions, type TrafficTotals } from './generate.ts';
import { runLive, type LiveResult } from './live.ts';
import { runOffline, type OfflineResult } from './offline.ts';
import { CLI, cleanEnv } from './otelacct-output.ts';
import { formatSummary, summarizeFile } from './profile-summary.ts';
import { runScan, type ScanResult } from './scan.ts';
import { formatTable } from './table.ts';
import { prepareTools, type Tools } from './tools.ts';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '2000000' },
    flows: { type: 'string', default: '4096' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    'ipv6-share': { type: 'string', default: '0.2' },
    'vlan-share': { type: 'string', default: '0.1' },
    'live-packets': { type: 'string', default: '1000000' },
    'scan-sources': { type: 'string', default: '10000000' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

function count(name: keyof typeof values, min: number): number {
  const v = Number(values[name]);
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`bench: --${name} must be an integer ≥ ${min}, got "${String(values[name])}"`);
  return v;
}

function share(name: 'ipv6-share' | 'vlan-share'): number {
  const v = Number(values[name]);
  if (!(v >= 0 && v <= 1)) throw new Error(`bench: --${name} must be between 0 and 1, got "${values[name]}"`);
  return v;
}

const only = values.only;
if (only !== undefined && !['offline', 'live', 'scan'].includes(only)) throw new Error(`bench: --only must be offline, live or scan, got "${only}"`);
const want = (s: string) => only === undefined || only === s;
const runs = count('runs', 1);
const traffic = (file: string, packets: number): TrafficOptions => ({
  file, packets, flows: count('flows', 1), seed: count('seed', 0), ipv6Share: share('ipv6-share'), vlanShare: share('vlan-share'),
});

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const started = performance.now();
const loadAtStart = loadavg()[0];
const dir = mkdtempSync(join(tmpdir(), 'otelacct-bench-'));
let exitCode = 0;
try {
  let tools: Tools | undefined;
  if (want('offline') || want('live')) tools = prepareTools(dir);
  const empty = join(dir, 'empty.pcap');
  writeTraffic(traffic(empty, 0));

  let offline: OfflineResult | undefined;
  let offlineTotals: TrafficTotals | undefined;
  let live: LiveResult | undefined;
  let liveTotals: TrafficTotals | undefined;
  let scan: ScanResult | undefined;
  const input = join(dir, 'traffic.pcap');
  if (want('offline') || values.profile) {
    const t0 = performance.now();
    offlineTotals = writeTraffic(traffic(input, count('packets', 1)));
    log(`generated ${input}: ${offlineTotals.packets} packets, ${offlineTotals.pairs.size} address pairs, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (want('offline') && tools && offlineTotals) {
    offline = await runOffline(tools, input, empty, offlineTotals, runs, dir, log);
    if (offline.mismatches.length > 0) {
      exitCode = 1;
      process.stderr.write(`bench: TOTALS DIFFER\n${offline.mismatches.join('\n')}\n`);
    }
  }
  if (want('live') && tools) {
    if (process.getuid?.() !== 0) {
      log('live scenario skipped: it needs root (veth pair in a network namespace)');
    } else {
      const liveInput = join(dir, 'live.pcap');
      liveTotals = writeTraffic(traffic(liveInput, count('live-packets', 1)));
      live = await runLive(tools, liveInput, liveTotals, runs, dir, log);
    }
  }
  if (want('scan')) {
    scan = await runScan(count('scan-sources', 1), dir, empty, log);
    if (scan.problems.length > 0) {
      exitCode = 1;
      process.stderr.write(`bench: SCAN PROBLEMS\n${scan.problems.join('\n')}\n`);
    }
  }

  const seconds = (performance.now() - started) / 1000;
  const lines = [
    `otelacct benchmark — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
      `load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (other processes share the machine)`,
    `command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd(),
    `inputs: ${values.packets} packets (offline), ${values['live-packets']} (live), ${values['scan-sources']} scan sources; ` +
      `${values.flows} flows, seed ${values.seed}, IPv6 share ${values['ipv6-share']}, VLAN share ${values['vlan-share']}; median of ${runs} runs`,
    ...(tools ? [`tools: ${Object.entries(tools.versions).map(([k, v]) => `${k} ${v}`).join('; ')}`] : []),
    '',
    formatTable({ offline, offlineTotals, live, liveTotals, scan }),
    '',
    'packets/s: packets / wall seconds of the whole process (otelacct: Node start-up, reading, final output included).',
    'net packets/s: pmacctd without its fixed 2 s + 2 s savefile sleeps; otelacct without the wall time of the same run on an empty pcap.',
    '× columns: packets/s ratio (in brackets: from net packets/s). CPU: user + system of the process tree (offline: whole run;',
    'live: from just before the replay until the tool is idle again). Peak RSS: VmHWM summed over the process tree (pmacctd: core + plugin).',
    `whole bench: ${seconds.toFixed(0)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  if (values.profile && offlineTotals) {
    const profDir = join(dir, 'profile');
    spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, CLI, '--read', input, '--output', 'none'], { env: cleanEnv(), stdio: 'inherit' });
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`bench: node --cpu-prof wrote no profile in ${profDir}`);
    process.stdout.write(`\nCPU profile of otelacct --read (${offlineTotals.packets} packets, --output none):\n\n${formatSummary(summarizeFile(join(profDir, file)), 15)}`);
  }
} finally {
  if (values.keep) log(`inputs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exitCode = exitCode;
