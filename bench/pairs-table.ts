/**
 * Table rows of the per-pair scenarios (bench/pairs.ts, bench/billing.ts, bench/pairs-live.ts),
 * with the targets of issue 11 marked met or not.
 */
import type { PairsTruth } from '../test/support/pairs-capture.ts';
import type { BillingResult, BillingSide } from './billing.ts';
import { median } from './measure.ts';
import { FRESH_IP_BYTES, type PairsLiveResult } from './pairs-live.ts';
import type { OtelacctPairsRun, PairsResult } from './pairs.ts';
import { mib, mpps, ratio, yes, type Row } from './table.ts';

/** pairs-default: ≥ 6× pmacctd. pairs-all: ≥ 2× pmacctd, peak RSS ≤ 400 MB. billing: CPU/packet ≤ 1.5× the default's (as run, net, steady state). */
const TARGET_DEFAULT_X = 6;
const TARGET_ALL_X = 2;
const TARGET_ALL_RSS_BYTES = 400e6;
const TARGET_BILLING_X = 1.5;

const row = (scenario: string, tool: string, r: Partial<Row>): Row => ({
  scenario, tool, pps: '', net: '', cpu: '', rss: '', xPmacct: '', xFloor: '', notes: '', ...r,
});
const mb = (kib: number) => `${((kib * 1024) / 1e6).toFixed(0)} MB`;
const inRuns = (n: number, of: number) => `${n}/${of} runs`;

/** Rows of pairs-default and pairs-all, after one pmacctd row. */
export function pairsRows(r: PairsResult, truth: PairsTruth): Row[] {
  const mpkt = truth.totalPackets / 1e6;
  const pm = r.pmacctd;
  const pmWall = median(pm.map((x) => x.wall));
  const pmNet = median(pm.map((x) => x.netWall));
  const pmExact = pm.filter((x) => x.packets === truth.totalPackets && x.bytes === truth.totalBytes).length;
  const last = pm[pm.length - 1];
  const partial = pmExact === pm.length ? '' : `; **pmacctd counted only ${(100 * last.packets / truth.totalPackets).toFixed(0)} % of the packets**: ` +
    'the ratio is against a pmacctd that did not do all the work (see --pmacct-cache-entries)';
  const rows = [row('pairs', 'pmacctd (src_host,dst_host)', {
    pps: mpps(truth.totalPackets / pmWall), net: mpps(truth.totalPackets / pmNet), cpu: (median(pm.map((x) => x.cpu)) / mpkt).toFixed(3),
    rss: mib(median(pm.map((x) => x.peakRssKiB))), xPmacct: ratio(1),
    notes: `${truth.distinct} generated pairs; print_cache_entries ${last.cacheEntries}; not an oracle here: totals = generated in ` +
      `${inRuns(pmExact, pm.length)} (last run ${last.packets} of ${truth.totalPackets} packets, ${last.bytes} of ${truth.totalBytes} bytes, ` +
      `${last.rows} rows, ${last.exactPairs} pairs exact, every purge complete: ${last.purgedAll ? 'yes' : 'no'}); ` +
      `net = wall − its fixed savefile sleeps (${(last.wall - last.netWall).toFixed(0)} s)`,
  })];
  const common = (runs: OtelacctPairsRun[]) => {
    const wall = median(runs.map((x) => x.wall));
    return {
      wall,
      base: {
        pps: mpps(truth.totalPackets / wall), cpu: (median(runs.map((x) => x.cpu)) / mpkt).toFixed(3), rss: mib(median(runs.map((x) => x.peakRssKiB))),
        xPmacct: `${ratio(pmNet / wall)} (${ratio(pmWall / wall)})`,
      },
    };
  };
  if (r.default.length > 0) {
    const d = r.default;
    const { wall, base } = common(d);
    const totals = d.filter((x) => x.check.totalsExact).length;
    const overflow = d.filter((x) => x.check.overflowExact).length;
    const keptExact = d.every((x) => x.check.kept === x.check.keptExact);
    const l = d[d.length - 1];
    rows.push(row('pairs-default', 'otelacct --read F (defaults)', {
      ...base,
      notes: `target ≥ 6× pmacctd: ${yes(pmNet / wall >= TARGET_DEFAULT_X)} against its net time (against its whole run: ` +
        `${yes(pmWall / wall >= TARGET_DEFAULT_X)}); totals = generated: ${yes(totals === d.length)} (${inRuns(totals, d.length)}); ` +
        `overflow series = total − kept series: ${yes(overflow === d.length)}; kept pair series exact: ${yes(keptExact)} ` +
        `(last run: ${l.check.kept} pairs kept, ${l.series} series, ${l.check.split} pairs split); whole command, ` +
        `${(l.outputBytes / 1e6).toFixed(1)} MB of exposition written to a file${partial}`,
    }));
  }
  if (r.all.length > 0) {
    const a = r.all;
    const { wall, base } = common(a);
    const rss = median(a.map((x) => x.peakRssKiB));
    const exact = a.filter((x) => x.check.problemCount === 0 && x.check.keptExact === truth.distinct && x.check.totalsExact).length;
    const l = a[a.length - 1];
    rows.push(row('pairs-all', `otelacct --read F ${r.allArgs.join(' ')}`, {
      ...base,
      notes: `targets peak RSS ≤ 400 MB: ${yes(rss * 1024 <= TARGET_ALL_RSS_BYTES)} (${mb(rss)}); ≥ 2× pmacctd: ` +
        `${yes(pmNet / wall >= TARGET_ALL_X)} against its net time (against its whole run: ${yes(pmWall / wall >= TARGET_ALL_X)}); ` +
        `every pair byte- and packet-exact: ${yes(exact === a.length)} (${inRuns(exact, a.length)}; last run ${l.check.keptExact} of ` +
        `${truth.distinct} pairs exact, ${l.check.problemCount} problems); output included: ${(l.outputBytes / 1e6).toFixed(0)} MB of exposition written to a file${partial}`,
    }));
  }
  return rows;
}

/** Rows of the billing scenario: the default aggregation, then deploy/otelacct.yaml with the ratio. */
export function billingRows(r: BillingResult): Row[] {
  const mpkt = r.packets / 1e6;
  const cpu = (s: BillingSide) => median(s.runs.map((x) => x.cpu)) / mpkt;
  const net = (s: BillingSide) => (median(s.runs.map((x) => x.cpu)) - median(s.empty.map((x) => x.cpu))) / mpkt;
  const side = (s: BillingSide, tool: string, notes: string): Row => row('billing', tool, {
    pps: mpps(r.packets / median(s.runs.map((x) => x.wall))), cpu: cpu(s).toFixed(3), rss: mib(median(s.runs.map((x) => x.peakRssKiB))),
    notes: `net of an empty pcap's run (start-up, output): ${net(s).toFixed(3)} CPU s/Mpkt${notes}`,
  });
  const warm = (s: BillingSide) => median(s.warm) / mpkt;
  const x = cpu(r.billing) / cpu(r.single);
  const xNet = net(r.billing) / net(r.single);
  const xWarm = warm(r.billing) / warm(r.single);
  return [
    side(r.single, 'otelacct, default aggregation', `; steady state (bench/warm-read.ts): ${warm(r.single).toFixed(3)} CPU s/Mpkt`),
    side(r.billing, 'otelacct, deploy/otelacct.yaml (3 aggregations)', `; steady state: ${warm(r.billing).toFixed(3)} CPU s/Mpkt; ` +
      `CPU per packet ${ratio(x)} the default aggregation's (net: ${ratio(xNet)}; steady state: ${ratio(xWarm)}); target ≤ 1.5×: ` +
      `${yes(x <= TARGET_BILLING_X)} as run, ${yes(xNet <= TARGET_BILLING_X)} net, ${yes(xWarm <= TARGET_BILLING_X)} in the steady state; ` +
      `traffic totals = generated in both: ${yes(r.mismatches.length === 0)}`),
  ];
}

/** Rows of pairs-live: the replay, then the fresh start. */
export function pairsLiveRows(r: PairsLiveResult, truth: PairsTruth): Row[] {
  const rp = r.replay;
  const lost = rp.reduce((s, x) => s + x.sent - x.captured, 0);
  const drops = rp.reduce((s, x) => s + (x.kernelDrops ?? 0), 0);
  const exact = rp.filter((x) => x.packets === truth.totalPackets && x.bytes === truth.totalBytes).length;
  const rows = [row('pairs-live', 'otelacct, tcpreplay --topspeed of the pairs capture', {
    pps: mpps(median(rp.map((x) => x.captured / x.replaySeconds))), cpu: median(rp.map((x) => x.cpu / (Math.max(1, x.captured) / 1e6))).toFixed(3),
    rss: mib(median(rp.map((x) => x.peakRssKiB))),
    notes: `sender ${mpps(median(rp.map((x) => x.sent / x.replaySeconds)))}pps into veth ${r.interface}; lost ${lost} of ` +
      `${rp.reduce((s, x) => s + x.sent, 0)} sent (kernel drops ${drops}, veth drops ${rp.reduce((s, x) => s + x.vethDrops, 0)}); ` +
      `targets zero drops: ${yes(lost === 0)}, totals = capture's: ${yes(exact === rp.length)} (${inRuns(exact, rp.length)})`,
  })];
  const f = r.fresh;
  const batch = (k: number) => f.map((x) => x.batches[k]);
  const lostIn = (k: number) => batch(k).reduce((s, b) => s + b.sent - b.captured, 0);
  const dropsIn = (k: number) => batch(k).reduce((s, b) => s + b.kernelDrops, 0);
  const cpuIn = (k: number) => median(batch(k).map((b) => b.cpu / (Math.max(1, b.captured) / 1e6)));
  const counted = f.filter((x) => {
    const captured = x.batches.reduce((s, b) => s + b.captured, 0);
    return x.packets === captured && x.bytes === captured * FRESH_IP_BYTES;
  }).length;
  rows.push(row('pairs-live', `otelacct fresh start, trafgen random addresses (${r.freshRate})`, {
    pps: mpps(median(batch(0).map((b) => b.captured / b.seconds))), cpu: cpuIn(0).toFixed(3), rss: mib(median(f.map((x) => x.peakRssKiB))),
    notes: `first ${r.freshPackets} packets after start: lost ${lostIn(0)} (kernel drops ${dropsIn(0)}) over ${f.length} runs, ` +
      `sent at ${mpps(median(batch(0).map((b) => b.sent / b.seconds)))}pps; next ${r.freshPackets}: lost ${lostIn(1)} (kernel drops ${dropsIn(1)}), ` +
      `${cpuIn(1).toFixed(3)} CPU s/Mpkt; target no drops in the first ${r.freshPackets}: ${yes(lostIn(0) === 0)}; ` +
      `counted = captured: ${yes(counted === f.length)} (${inRuns(counted, f.length)})`,
  }));
  return rows;
}
