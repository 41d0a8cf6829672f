/**
 * otelacct's side of the flow benchmark (issue 14, item 5): NetFlow v9 and IPFIX records decoded
 * AND accounted on one core. softflowd exports a generated capture of many flows (the same
 * capture and datagrams as bench/flow-nfacctd.ts: test/support/flow-oracle.ts), and the
 * datagrams go, in process, through the real NetflowDecoder into the real accountant (a
 * Pipeline with the default configuration, or `--config FILE`, e.g. deploy/otelacct.yaml),
 * flushed into the series stores whenever a flow table fills, as a running collector does.
 * Measured: records/s over the wall time of the loop (one thread), CPU seconds of the process
 * over it, and the series totals checked against the capture's truth × repeat. nfacctd's
 * numbers on the same datagrams come from bench/flow-nfacctd.ts (a separate process: nfacctd's
 * core reads the socket, its print plugin accounts).
 *
 *   node bench/flow-account.ts [--pairs 150000] [--packets 600000] [--repeat 4] [--config FILE]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FlowInput, flushMark } from '../src/account/accountant.ts';
import { loadConfig } from '../src/config/load.ts';
import { FlowStats, FlowCounter } from '../src/flow/flow-sink.ts';
import { NetflowDecoder } from '../src/flow/netflow-decoder.ts';
import { Logger } from '../src/log.ts';
import { Pipeline } from '../src/pipeline.ts';
import { captureTruth, sumCounters, writeFlowCapture } from '../test/support/flow-oracle.ts';
import { softflowdDatagrams } from './flow-nfacctd.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '150000' }, packets: { type: 'string', default: '600000' },
    repeat: { type: 'string', default: '4' }, config: { type: 'string' },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'otelacct-flow-account-'));
try {
  const capture = writeFlowCapture({ file: join(dir, 'flows.pcap'), packets: Number(values.packets), pairs: Number(values.pairs), seed: 2055, hosts: 4096 });
  // The capture's pairs plus its filler packets (40-byte, test/support/flow-oracle.ts), which the exporters send too.
  const pairs = sumCounters(captureTruth(capture));
  const truth = { bytes: pairs.bytes + 40 * capture.fillerPackets, packets: pairs.packets + capture.fillerPackets };
  const repeat = Number(values.repeat);
  for (const version of [9, 10] as const) {
    const { datagrams, records } = await softflowdDatagrams(capture, version);
    const { config } = loadConfig([...(values.config ? ['-c', values.config] : []), '--no-prometheus', '--no-web'], {});
    const pipeline = new Pipeline(config, new Logger('error'), { outputReader: true });
    const stats = new FlowStats();
    const decoder = new NetflowDecoder(new FlowInput(pipeline.accountant, 0, stats), stats, { templateTimeout: 1800, samplingRate: () => 1 });
    const mark = Math.min(flushMark(config.accounting.maxFlows), config.accounting.maxFlows >> 1);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < repeat; r++) {
      for (let i = 0; i < datagrams.length; i++) {
        const d = datagrams[i];
        decoder.datagram(d, d.length, 0, 1e6);
        // A datagram holds at most ~50 records: drain the tables before they can fill, as the
        // collector's fill-triggered flush does.
        if ((i & 63) === 0 && pipeline.accountant.flowTables.some((t) => t.size >= mark)) await pipeline.traffic.flushFilling(mark);
      }
    }
    await pipeline.traffic.flush();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const accounted = stats.get(0, FlowCounter.RECORDS);
    const bytes = pipeline.accountant.totalBytes;
    const packets = pipeline.accountant.totalPackets;
    const exact = bytes === truth.bytes * repeat && packets === truth.packets * repeat;
    process.stdout.write(`${JSON.stringify({
      bench: 'flow-account', version, records: accounted, softflowdRecords: records * repeat, seconds: +seconds.toFixed(3),
      recordsPerSecond: Math.round(accounted / seconds), cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
      bytes, packets, truthBytes: truth.bytes * repeat, truthPackets: truth.packets * repeat, exact,
      rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    })}\n`);
    if (!exact) process.exitCode = 1;
    await pipeline.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
