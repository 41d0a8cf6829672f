/**
 * `npm run bench`: otelacct next to libpcap, tcpdump and pmacctd on the same generated inputs.
 *
 *   node bench/run.ts [--packets N] [--flows N] [--runs N] [--seed N] [--ipv6-share F]
 *                     [--vlan-share F] [--live-packets N] [--scan-sources N]
 *                     [--pairs N] [--pairs-packets N] [--hosts N] [--scan-share F]
 *                     [--all-max-flows N] [--pmacct-cache-entries N] [--billing-pairs N]
 *                     [--fresh-packets N] [--fresh-rate RATE]
 *                     [--only SCENARIO[,SCENARIO...]] [--profile] [--keep]
 *
 * Scenarios (all by default; live and pairs-live need root): offline (bench/offline.ts), live
 * (bench/live.ts), scan (bench/scan.ts), and on one generated capture of --pairs distinct
 * address pairs (test/support/pairs-capture.ts): pairs-default and pairs-all (bench/pairs.ts),
 * billing (bench/billing.ts), pairs-live (bench/pairs-live.ts); flow: NetFlow v9/IPFIX records from
 * softflowd decoded and accounted by otelacct (bench/flow-account.ts) vs nfacctd on the same
 * capture's datagrams (bench/flow-nfacctd.ts, paced: no kernel drops). Inputs are generated in a
 * temporary directory (bench/generate.ts), removed at the end unless --keep. Progress goes to
 * stderr; the result is one markdown table on stdout. Exit status 1 when otelacct's totals differ
 * from pmacctd's (or from the generated ones), a per-pair check fails, or the scan does not
 * conserve its totals; a missed speed or memory target is reported in the table, not in the exit
 * status.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTraffic, type TrafficOptions, type TrafficTotals } from './generate.ts';
import { writePairsCapture, type PairsTruth } from '../test/support/pairs-capture.ts';
import { runBilling, type BillingResult } from './billing.ts';
import { runLive, type LiveResult } from './live.ts';
import { runOffline, type OfflineResult } from './offline.ts';
import { runPairsLive, type PairsLiveResult } from './pairs-live.ts';
import { billingRows, pairsLiveRows, pairsRows } from './pairs-table.ts';
import { runPairs, type PairsResult } from './pairs.ts';
import { CLI, cleanEnv } from './otelacct-output.ts';
import { formatSummary, summarizeFile } from './profile-summary.ts';
import { runScan, type ScanResult } from './scan.ts';
import { formatTable, type Row } from './table.ts';
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
    pairs: { type: 'string', default: '1000000' },
    'pairs-packets': { type: 'string', default: '2000000' },
    hosts: { type: 'string', default: '4096' },
    'scan-share': { type: 'string', default: '0.1' },
    'all-max-flows': { type: 'string' },
    'pmacct-cache-entries': { type: 'string' },
    'billing-pairs': { type: 'string' },
    'fresh-packets': { type: 'string', default: '2000000' },
    'fresh-rate': { type: 'string' },
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

function share(name: 'ipv6-share' | 'vlan-share' | 'scan-share'): number {
  const v = Number(values[name]);
  if (!(v >= 0 && v <= 1)) throw new Error(`bench: --${name} must be between 0 and 1, got "${values[name]}"`);
  return v;
}

const SCENARIOS = ['offline', 'live', 'scan', 'pairs-default', 'pairs-all', 'billing', 'pairs-live', 'flow'];
const only = values.only?.split(',').map((x) => x.trim());
const unknown = only?.filter((x) => !SCENARIOS.includes(x)) ?? [];
if (unknown.length > 0) throw new Error(`bench: --only takes a comma-separated list of ${SCENARIOS.join(', ')}; got "${unknown.join(',')}"`);
const want = (s: string) => only === undefined || only.includes(s);
const wantPairs = ['pairs-default', 'pairs-all', 'billing', 'pairs-live'].some(want);
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
  if (SCENARIOS.filter((x) => x !== 'scan').some(want)) tools = prepareTools(dir, { trafgen: want('pairs-live') && process.getuid?.() === 0 });
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
  const more: Row[] = [];
  if (wantPairs && tools) {
    const capture = (name: string, pairs: number): { file: string; truth: PairsTruth } => {
      const file = join(dir, name);
      const t0 = performance.now();
      const truth = writePairsCapture({
        file, packets: count('pairs-packets', 1), pairs, seed: count('seed', 0), hosts: count('hosts', 1),
        ipv6Share: share('ipv6-share'), vlanShare: share('vlan-share'), scanShare: share('scan-share'),
      });
      log(`generated ${file}: ${truth.totalPackets} packets, ${truth.distinct} address pairs, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { file, truth };
    };
    const billingPairs = values['billing-pairs'] === undefined ? undefined : count('billing-pairs', 1);
    const needMain = ['pairs-default', 'pairs-all', 'pairs-live'].some(want) || (want('billing') && billingPairs === undefined);
    const main = needMain ? capture('pairs.pcap', count('pairs', 1)) : undefined;
    const fail = (what: string, lines: string[]) => {
      if (lines.length === 0) return;
      exitCode = 1;
      process.stderr.write(`bench: ${what}\n${lines.join('\n')}\n`);
    };
    if (main !== undefined && (want('pairs-default') || want('pairs-all'))) {
      const truth = main.truth;
      const allMaxFlows = values['all-max-flows'] === undefined ? undefined : count('all-max-flows', 1);
      const pmacctCacheEntries = values['pmacct-cache-entries'] === undefined ? undefined : count('pmacct-cache-entries', 1);
      const pairs: PairsResult = await runPairs(tools, main.file, truth, { default: want('pairs-default'), all: want('pairs-all') }, runs,
        { allMaxFlows, pmacctCacheEntries }, dir, log);
      fail('PER-PAIR CHECKS FAILED', pairs.mismatches);
      more.push(...pairsRows(pairs, truth));
    }
    if (want('billing')) {
      const b = billingPairs === undefined ? main! : capture('billing.pcap', billingPairs);
      const billing: BillingResult = await runBilling(b.file, empty, b.truth, runs, dir, log);
      fail('BILLING TOTALS DIFFER', billing.mismatches);
      more.push(...billingRows(billing));
    }
    if (main !== undefined && want('pairs-live')) {
      const truth = main.truth;
      if (process.getuid?.() !== 0) {
        log('pairs-live scenario skipped: it needs root (veth pair in a network namespace)');
      } else {
        const rate = values['fresh-rate'];
        const live: PairsLiveResult = await runPairsLive(tools, main.file, truth, runs, count('fresh-packets', 1), rate, dir, log);
        more.push(...pairsLiveRows(live, truth));
      }
    }
  }
  if (want('scan')) {
    scan = await runScan(count('scan-sources', 1), dir, empty, log);
    if (scan.problems.length > 0) {
      exitCode = 1;
      process.stderr.write(`bench: SCAN PROBLEMS\n${scan.problems.join('\n')}\n`);
    }
  }

  const flowLines: string[] = [];
  if (want('flow')) {
    const run = (script: string, args: string[]) => {
      const r = spawnSync(process.execPath, [join(import.meta.dirname, script), ...args], { encoding: 'utf8', env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
      if (r.status !== 0) exitCode = 1;
      return r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    log('flow: otelacct (bench/flow-account.ts) and nfacctd (bench/flow-nfacctd.ts) on softflowd v9/IPFIX of 150k pairs, 4 passes');
    const ours = run('flow-account.ts', []);
    const theirs = run('flow-nfacctd.ts', []).filter((l) => l.mode === 'paced');
    for (const o of ours) {
      const n = theirs.find((l) => l.version === o.version);
      const rate = o.recordsPerSecond as number;
      const cpuPerM = ((o.cpuSeconds as number) / (o.records as number)) * 1e6;
      const nRate = n?.recordsPerSecond as number | undefined;
      const ahead = nRate === undefined ? 'n/a' : (rate / nRate).toFixed(1) + '×';
      const goal = rate >= 1e6 && nRate !== undefined && rate > nRate ? 'yes' : '**no**';
      flowLines.push(`| flow v${String(o.version)} | ${(rate / 1e6).toFixed(2)} M records/s, ${cpuPerM.toFixed(2)} CPU s/M records, totals ${o.exact ? 'exact' : '**differ**'} | ` +
        `${nRate === undefined ? 'n/a' : `${(nRate / 1e3).toFixed(0)} k records/s, ${String((n!.cpuSecondsPerMillionRecords as number))} CPU s/M records`} | ${ahead} | ${goal} |`);
      if (!o.exact) exitCode = 1;
    }
  }

  const seconds = (performance.now() - started) / 1000;
  const lines = [
    `otelacct benchmark — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
      `load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (other processes share the machine)`,
    `command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd(),
    `inputs: ${values.packets} packets (offline), ${values['live-packets']} (live), ${values['scan-sources']} scan sources; ` +
      `${values.flows} flows, seed ${values.seed}, IPv6 share ${values['ipv6-share']}, VLAN share ${values['vlan-share']}; median of ${runs} runs`,
    ...(wantPairs ? [`pairs capture: ${values['pairs-packets']} packets, ${values.pairs} pairs (billing: ${values['billing-pairs'] ?? 'the same capture'}), ` +
      `${values.hosts} local hosts, scan share ${values['scan-share']}; ` +
      `fresh start: ${values['fresh-packets']} trafgen packets per batch at ${values['fresh-rate'] ?? 'top speed'}`] : []),
    ...(tools ? [`tools: ${Object.entries(tools.versions).map(([k, v]) => `${k} ${v}`).join('; ')}`] : []),
    '',
    formatTable({ offline, offlineTotals, live, liveTotals, scan, more }),
    '',
    ...(flowLines.length > 0 ? ['| flow scenario | otelacct (decode + account, one core) | nfacctd 1.7.7 (paced, no drops) | otelacct ÷ nfacctd | ≥ 1M records/s and ahead |',
      '| --- | --- | --- | --- | --- |', ...flowLines, ''] : []),
    'packets/s: packets / wall seconds of the whole process (otelacct: Node start-up, reading, final output included).',
    'net packets/s: pmacctd without its fixed 2 s + 2 s savefile sleeps; otelacct without the wall time of the same run on an empty pcap.',
    '× columns: packets/s ratio (in brackets: from net packets/s). CPU: user + system of the process tree (offline: whole run;',
    'live: from just before the replay until the tool is idle again). Peak RSS: VmHWM summed over the process tree (pmacctd: core + plugin).',
    ...(wantPairs ? ['pairs-*: × pmacctd = pmacctd\'s wall net of its 4 s of sleeps ÷ otelacct\'s whole-command wall (in brackets: pmacctd\'s whole wall); ' +
      'otelacct writes its exposition to a file; billing CPU is the otelacct process\'s user + system per Mpkt (net: minus an empty pcap\'s run; ' +
      'steady state: bench/warm-read.ts, the reads after the first in one process, without start-up, V8 compiling or output).'] : []),
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
