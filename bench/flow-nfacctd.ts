/**
 * nfacctd's side of the flow benchmark (issue 14, item 5): softflowd exports a generated
 * capture of many flows as NetFlow v9 and IPFIX (once each, recorded), and the same datagrams are
 * replayed to nfacctd (pmacct 1.7.7, print plugin, aggregate src_host,dst_host) twice:
 *
 *  - paced: as fast as nfacctd takes them without a kernel drop (the sender keeps nfacctd's
 *    socket queue under 256 KiB; test/support/flow-datagrams.ts replay), its totals checked pair
 *    by pair against the capture's truth;
 *  - top speed: no pacing; the kernel's drops on nfacctd's socket are reported, and what it counted.
 *
 * The datagram set is sent `--repeat` times in a row (a longer, steadier run; totals × repeat),
 * from each of `--exporters` source addresses in turn (127.1.x.y: as many exporters, each with its
 * own templates and sequence numbers, for nfacctd's memory over many exporters).
 * Measured per run: records/s end to end (flow records accounted — at top speed, records × the
 * share of packets counted — over the seconds from the first datagram
 * sent to the last change of nfacctd's CPU time: its print plugin, which does the accounting, ends
 * after its core has read the socket) and over the core's socket reading alone; CPU seconds of
 * nfacctd's core and plugin over the run (/proc/PID/stat; start-up and the exit purge excluded);
 * peak RSS (VmHWM; the plugin's is mostly its print cache, one ~4 KB bucket per pair). Records are
 * softflowd's own count ("N records"). One JSON line per version and mode on stdout; a readable
 * line per run on stderr. Exits 1 when paced IPFIX totals differ from the truth.
 *
 *   node bench/flow-nfacctd.ts [--pairs 150000] [--packets 600000] [--versions 9,10] [--repeat 4] [--exporters 1] [--keep DIR]
 *
 * --keep DIR writes the datagrams as DIR/softflowd-v9.pcap, DIR/softflowd-v10.pcap (UDP on
 * 127.0.0.1 → ports 2055 / 4739, LINKTYPE_RAW; test/support/flow-datagrams.ts readDatagramsPcap
 * reads them back) and the capture as DIR/flows.pcap, so otelacct's decoder can be measured on
 * the same bytes. Needs softflowd, nfacctd (scripts/bootstrap.sh --test).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  captureTruth, diffTotals, runExporter, runPmacctCollector, softflowdExportStats, sumCounters, withoutFiller,
  writeDatagramsPcap, writeFlowCapture, type FlowCapture,
} from '../test/support/flow-oracle.ts';

/** The datagrams of one softflowd run over `capture` and its record count. */
export async function softflowdDatagrams(capture: FlowCapture, version: 9 | 10): Promise<{ datagrams: Buffer[]; records: number }> {
  // softflowd flushes every flow it holds at the end of the file in one burst, which a 4 MiB
  // (rmem_max) receive buffer cannot take for 150k flows: with -m 16384 it exports (force-expires)
  // the oldest flows every 16384 packets instead, so a pair's packets may be split over records.
  const run = await runExporter({ capture: capture.file, exporter: 'softflowd', version, maxFlows: 16_384, timeoutMs: 300_000 });
  const stats = softflowdExportStats(run.log);
  if (stats === undefined || stats.failures !== 0 || stats.packets !== run.datagrams.length) {
    throw new Error(`softflowd v${version}: its statistics (${JSON.stringify(stats)}) do not match the ${run.datagrams.length} datagrams recorded\n${run.log}`);
  }
  return { datagrams: run.datagrams, records: stats.records };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '150000' },
      packets: { type: 'string', default: '600000' },
      versions: { type: 'string', default: '9,10' },
      keep: { type: 'string' },
      repeat: { type: 'string', default: '4' },
      exporters: { type: 'string', default: '1' },
    },
  });
  const pairs = Number(values.pairs);
  const packets = Number(values.packets);
  const versions = values.versions.split(',').map(Number);
  const repeat = Number(values.repeat);
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error(`flow-nfacctd: --repeat ${values.repeat} is not an integer >= 1`);
  const exporters = Number(values.exporters);
  if (!(Number.isInteger(exporters) && exporters >= 1 && exporters <= 65536)) {
    throw new Error(`flow-nfacctd: --exporters ${values.exporters} is not an integer 1..65536`);
  }
  // Exporter k sends from 127.1.(k >> 8).(k & 255): nfacctd keys templates and sequences by source address.
  const sources = exporters === 1 ? undefined : Array.from({ length: exporters }, (_, k) => `127.1.${k >> 8}.${k & 255}`);
  for (const v of versions) if (v !== 9 && v !== 10) throw new Error(`flow-nfacctd: --versions: ${v} is not 9 or 10`);
  if (!(Number.isInteger(pairs) && pairs > 0 && Number.isInteger(packets) && packets >= pairs)) {
    throw new Error(`flow-nfacctd: --pairs ${values.pairs} and --packets ${values.packets} must be integers, packets >= pairs > 0`);
  }
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'otelacct-flow-bench-'));
  mkdirSync(dir, { recursive: true });
  try {
    const capture = writeFlowCapture({ file: join(dir, 'flows.pcap'), packets, pairs, seed: 2055, hosts: 4096 });
    const times = repeat * exporters;
    const truth = new Map([...captureTruth(capture)].map(([k, c]) => [k, { bytes: c.bytes * times, packets: c.packets * times }]));
    const want = sumCounters(truth);
    // One bucket per pair (~4 KB each, allocated up front by pmacct's print plugin).
    const cacheEntries = pairs + 1;
    for (const version of versions as (9 | 10)[]) {
      const once = await softflowdDatagrams(capture, version);
      if (values.keep !== undefined) writeDatagramsPcap(join(dir, `softflowd-v${version}.pcap`), once.datagrams, version === 9 ? 2055 : 4739);
      // The set sent `repeat` times in a row (sequence numbers repeat: nfacctd only logs that).
      const datagrams = Array.from({ length: repeat }, () => once.datagrams).flat();
      const records = once.records * times;
      const bytes = datagrams.reduce((s, d) => s + d.length, 0) * exporters;
      for (const mode of ['paced', 'top-speed'] as const) {
        const r = await runPmacctCollector({
          kind: 'nfacctd', datagrams, maxQueued: mode === 'paced' ? undefined : Infinity, allowDrops: mode === 'top-speed', timeoutMs: 600_000,
          cacheEntries, sources,
        });
        const got = withoutFiller(r.totals);
        const counted = sumCounters(got);
        const exact = diffTotals(got, truth, 3);
        const cpu = r.cpuSeconds.core + r.cpuSeconds.plugins;
        const line = {
          bench: 'flow-nfacctd', tool: 'nfacctd 1.7.7 (print plugin, src_host,dst_host)', exporter: 'softflowd 1.1.0',
          version, mode, pairs, packets, repeat, exporters, printCacheEntries: cacheEntries, datagrams: datagrams.length * exporters, datagramBytes: bytes, records,
          // Top speed: records nfacctd accounted (records × the share of packets counted) per second.
          seconds: round(r.busySeconds, 3), recordsPerSecond: Math.round(records * (counted.packets / want.packets) / r.busySeconds),
          coreSeconds: round(r.seconds, 3), coreRecordsPerSecond: Math.round(records / r.seconds),
          datagramsPerSecond: Math.round(datagrams.length * exporters / r.busySeconds),
          cpuSeconds: { core: round(r.cpuSeconds.core, 2), plugin: round(r.cpuSeconds.plugins, 2) },
          cpuSecondsPerMillionRecords: round(cpu / records * 1e6, 3),
          peakRssMiB: { core: round(r.peakRssKiB.core / 1024, 1), plugin: round(r.peakRssKiB.plugins / 1024, 1) },
          kernelDrops: r.drops, sentSeconds: round(r.replay.seconds, 3),
          countedPackets: counted.packets, truthPackets: want.packets, countedBytes: counted.bytes, truthBytes: want.bytes,
          totalsExact: exact.length === 0,
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
        process.stderr.write(`flow-nfacctd v${version} ${mode}: ${records} records sent, accounted in ${line.seconds} s = ${line.recordsPerSecond} records/s ` +
          `(socket read in ${line.coreSeconds} s = ${line.coreRecordsPerSecond} records/s); ` +
          `CPU ${line.cpuSeconds.core} s core + ${line.cpuSeconds.plugin} s plugin (${line.cpuSecondsPerMillionRecords} s per M records); ` +
          `peak RSS ${line.peakRssMiB.core} + ${line.peakRssMiB.plugin} MiB; kernel drops ${r.drops}; ` +
          `counted ${counted.packets} of ${want.packets} packets; per-pair totals = truth: ${exact.length === 0 ? 'yes' : `no (${exact.join('; ')})`}\n`);
        // softflowd's v9 datagrams lose records in nfacctd (docs/flow-oracles.md): only IPFIX must be exact.
        if (mode === 'paced' && version === 10 && exact.length !== 0) process.exitCode = 1;
      }
    }
  } finally {
    if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
