/**
 * Turns the scenario results into the one markdown table bench/run.ts prints, with the targets
 * of the performance and bounded-memory issues marked met or not.
 */
import type { TrafficTotals } from './generate.ts';
import type { LiveResult, LiveRun } from './live.ts';
import { median } from './measure.ts';
import type { OfflineResult, OfflineRun } from './offline.ts';
import type { ScanResult } from './scan.ts';

/** Offline targets: otelacct ≥ 2.5 Mpps, ≥ 6× pmacctd, ≥ 40 % of the libpcap floor. */
const TARGET_PPS = 2.5e6;
const TARGET_X_PMACCT = 6;
const TARGET_X_FLOOR = 0.4;
/** Scan targets: RSS ≤ 256 MB, ≤ 150 bytes per live series in the flow table. */
const TARGET_SCAN_RSS_BYTES = 256e6;
const TARGET_BYTES_PER_SERIES = 150;

/** One line of the table. */
export interface Row {
  scenario: string;
  tool: string;
  pps: string;
  net: string;
  cpu: string;
  rss: string;
  xPmacct: string;
  xFloor: string;
  notes: string;
}

export const mpps = (pps: number) => `${(pps / 1e6).toFixed(2)} M`;
export const mib = (kib: number) => (kib / 1024).toFixed(0);
export const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
export const ratio = (x: number) => `${x.toFixed(2)}×`;

function offlineRows(r: OfflineResult, packets: number): Row[] {
  const mpkt = packets / 1e6;
  const pps = (runs: OfflineRun[]) => packets / median(runs.map((x) => x.wall));
  const net = (runs: OfflineRun[]) => packets / median(runs.map((x) => x.netWall));
  const cpu = (runs: OfflineRun[]) => (median(runs.map((x) => x.cpu)) / mpkt).toFixed(3);
  const rss = (runs: OfflineRun[]) => mib(median(runs.map((x) => x.peakRssKiB)));
  const floor = pps(r.runs.floor);
  const pm = net(r.runs.pmacctd);
  const o = r.runs.otelacct;
  const oGross = pps(o);
  const oNet = net(o);
  const oNetCpu = (median(o.map((x) => x.cpu)) - median(r.runs.otelacctEmpty.map((x) => x.cpu))) / mpkt;
  const span = r.pmacctReadSpan.length > 0 ? `; its core read the file in ${median(r.pmacctReadSpan).toFixed(2)} s (${mpps(packets / median(r.pmacctReadSpan))}pps)` : '';
  const row = (tool: string, runs: OfflineRun[], notes: string): Row => {
    const p = pps(runs);
    return { scenario: 'offline', tool, pps: mpps(p), net: '', cpu: cpu(runs), rss: rss(runs), xPmacct: ratio(p / pm), xFloor: ratio(p / floor), notes };
  };
  const pmRow = row('pmacctd', r.runs.pmacctd, `net = wall − its fixed 4 s of savefile sleeps${span}`);
  pmRow.net = mpps(pm);
  pmRow.xPmacct = ratio(1);
  pmRow.xFloor = `(${ratio(pm / floor)})`;
  const targets = (v: number) => [v >= TARGET_PPS, v / pm >= TARGET_X_PMACCT, v / floor >= TARGET_X_FLOOR];
  const net3 = targets(oNet).map((x) => (x ? 'yes' : 'no')).join('/');
  const oRow = row('otelacct', o, `targets ≥ 2.5 Mpps / ≥ 6× pmacctd / ≥ 40 % of floor: ${targets(oGross).map(yes).join(' / ')} as run` +
    ` (net of start-up: ${net3}); CPU net of start-up ${oNetCpu.toFixed(3)} s/Mpkt; totals = pmacctd's pair by pair: ${yes(r.mismatches.length === 0)}`);
  oRow.net = mpps(oNet);
  oRow.xPmacct = `${ratio(oGross / pm)} (${ratio(oNet / pm)})`;
  oRow.xFloor = `${ratio(oGross / floor)} (${ratio(oNet / floor)})`;
  const startup = median(r.runs.otelacctEmpty.map((x) => x.wall));
  return [
    row('libpcap floor (C)', r.runs.floor, 'pcap_dispatch counting packets and bytes'),
    row('tcpdump -w /dev/null', r.runs.tcpdump, ''),
    pmRow,
    oRow,
    { scenario: 'offline', tool: 'otelacct, empty file', pps: '', net: '', cpu: '', rss: rss(r.runs.otelacctEmpty), xPmacct: '', xFloor: '',
      notes: `start-up + output of an empty pcap: ${startup.toFixed(2)} s wall, ${median(r.runs.otelacctEmpty.map((x) => x.cpu)).toFixed(2)} s CPU` },
  ];
}

function liveRows(r: LiveResult, totals: TrafficTotals): Row[] {
  const sum = (runs: LiveRun[], f: (x: LiveRun) => number) => runs.reduce((s, x) => s + f(x), 0);
  const cpuPerM = (runs: LiveRun[]) => median(runs.map((x) => x.cpu / (Math.max(1, x.captured) / 1e6)));
  const pm = r.runs.pmacctd;
  const rows: Row[] = [];
  const sent = r.runs.otelacct.concat(pm, r.runs.tcpdump);
  rows.push({ scenario: 'live', tool: 'tcpreplay --topspeed (sender)', pps: mpps(median(sent.map((x) => x.sent / x.replaySeconds))), net: '',
    cpu: '', rss: '', xPmacct: '', xFloor: '', notes: `${totals.packets} packets per replay into veth ${r.interface}` });
  for (const tool of ['otelacct', 'pmacctd', 'tcpdump'] as const) {
    const runs = r.runs[tool];
    const lost = sum(runs, (x) => x.sent - x.captured);
    const drops = runs.some((x) => x.kernelDrops === undefined) ? 'not reported' : String(sum(runs, (x) => x.kernelDrops ?? 0));
    const exact = runs.every((x) => x.packets === undefined) ? ''
      : `; counted totals = file's in ${runs.filter((x) => x.packets === totals.packets && x.bytes === totals.ipBytes).length}/${runs.length} runs`;
    let notes = `lost ${lost} of ${sum(runs, (x) => x.sent)} sent (kernel drops ${drops}, veth drops ${sum(runs, (x) => x.vethDrops)})${exact}`;
    const cpuRatio = cpuPerM(runs) / cpuPerM(pm);
    if (tool === 'otelacct') {
      notes += `; CPU ${ratio(cpuRatio)} pmacctd's; targets zero drops: ${yes(lost === 0)}, CPU/Mpkt ≤ pmacctd's: ${yes(cpuRatio <= 1)}`;
    }
    const pps = median(runs.map((x) => x.captured / x.replaySeconds));
    const pmPps = median(pm.map((x) => x.captured / x.replaySeconds));
    rows.push({ scenario: 'live', tool, pps: mpps(pps), net: '', cpu: cpuPerM(runs).toFixed(3), rss: mib(median(runs.map((x) => x.peakRssKiB))),
      xPmacct: ratio(pps / pmPps), xFloor: '', notes });
  }
  return rows;
}

function scanRow(s: ScanResult): Row {
  const perEntry = s.flowTableBytes / s.maxFlows;
  const peakBytes = s.run.peakRssKiB * 1024;
  const scanBytes = s.run.rssBeforeOutputKiB * 1024;
  const conserved = s.bytes === s.sources * 40 && s.packets === s.sources;
  const aboveBaseline = ((s.run.peakRssKiB - s.baselineRssKiB) * 1024) / Math.max(1, 2 * s.series);
  return {
    scenario: 'scan', tool: `otelacct, ${s.sources} sources`, pps: mpps(s.sources / s.run.wall), net: '',
    cpu: (s.run.cpu / (s.sources / 1e6)).toFixed(3), rss: mib(s.run.peakRssKiB), xPmacct: '', xFloor: '',
    notes: `RSS ≤ 256 MB through the scan: ${yes(scanBytes <= TARGET_SCAN_RSS_BYTES)} (${(scanBytes / 1e6).toFixed(0)} MB sampled until the output starts; ` +
      `peak ${(peakBytes / 1e6).toFixed(0)} MB including printing ${s.series} series as JSON; empty run ${(s.baselineRssKiB * 1024 / 1e6).toFixed(0)} MB); ` +
      `flow table ${perEntry.toFixed(0)} B per series (${(s.flowTableBytes / 1e6).toFixed(1)} MB for maxFlows ${s.maxFlows}) ≤ 150: ${yes(perEntry <= TARGET_BYTES_PER_SERIES)}; ` +
      `peak RSS above the empty run per exported series ${aboveBaseline.toFixed(0)} B; ` +
      `${s.series} series ≤ cardinalityLimit ${s.cardinalityLimit}: ${yes(s.series <= s.cardinalityLimit)}; ` +
      `Σ bytes ${s.bytes} = ${s.sources} × 40 and Σ packets = ${s.sources}: ${yes(conserved)}`,
  };
}

/** The markdown table of whichever scenarios ran (`more`: rows of other scenarios, appended). */
export function formatTable(o: { offline?: OfflineResult; live?: LiveResult; scan?: ScanResult; offlineTotals?: TrafficTotals; liveTotals?: TrafficTotals;
  more?: Row[] }): string {
  const rows: Row[] = [];
  if (o.offline && o.offlineTotals) rows.push(...offlineRows(o.offline, o.offlineTotals.packets));
  if (o.live && o.liveTotals) rows.push(...liveRows(o.live, o.liveTotals));
  if (o.scan) rows.push(scanRow(o.scan));
  rows.push(...(o.more ?? []));
  const head = '| scenario | tool | packets/s (median) | net packets/s | CPU s per Mpkt | peak RSS MiB | × pmacctd | × libpcap floor | targets and notes |';
  const lines = rows.map((r) => `| ${[r.scenario, r.tool, r.pps, r.net, r.cpu, r.rss, r.xPmacct, r.xFloor, r.notes].join(' | ')} |`);
  return [head, '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |', ...lines].join('\n');
}
