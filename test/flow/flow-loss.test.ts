/**
 * Loss as the issue checks it: real exporters' datagram streams (softflowd NetFlow v5/v9/IPFIX,
 * pmacctd nfprobe v9 and IPFIX with sampler options, pmacctd sfprobe) with a known set of
 * datagrams dropped (every 5th, then a burst of 4), a pair swapped, or the stream sent again (an
 * exporter restart: the sequence numbers start over). The loss the decoders count must equal what
 * was dropped, in each version's unit (docs/flow-netflow.md, Sequence numbers and loss): v5
 * flows, v9 export packets, IPFIX data records, sFlow datagrams and flow samples. nfacctd, told to
 * check sequence numbers, must log the same gaps where it can (v5, v9, nfprobe's IPFIX).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FlowCounter, FlowStats } from '../../src/flow/flow-sink.ts';
import { NetflowDecoder } from '../../src/flow/netflow-decoder.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';
import { otelacctFlowMetrics, runExporter, runPmacctCollector, writeFlowCapture, type ExportOptions } from '../support/flow-oracle.ts';
import { sumBy } from '../support/run-otelacct.ts';
import { FlowRecorder } from '../support/netflow-builder.ts';
import { skipUnless, unmet } from '../support/requirements.ts';
import { RecordingFlowSink } from '../support/sflow-builder.ts';

const TOOLS = { tools: ['softflowd', 'pmacctd', 'nfacctd'] };
const dir = mkdtempSync(join(tmpdir(), 'otelacct-flow-loss-'));
let capture = '';

before(() => {
  // 1,500 pairs, one flow each: 36-60 datagrams per NetFlow stream, 50-70 for sFlow at 1 in 10.
  capture = writeFlowCapture({ file: join(dir, 'loss.pcap'), packets: 4000, pairs: 1500, seed: 14 }).file;
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Dropped from every stream: every 5th datagram from the 4th on (the first carries the
 * templates), and a burst of 4 (softflowd's IPFIX: with its second template message, which it
 * numbers without that message's options data record; its first one, datagram 16, arrives in
 * order, and so shows the numbering: before that, a gap just before such a message is ambiguous
 * by its options records, docs/flow-netflow.md).
 */
function dropped(n: number): Set<number> {
  const out = new Set<number>();
  for (let i = 4; i < Math.min(n, 28); i += 5) out.add(i);
  for (let i = 30; i < Math.min(n, 34); i++) out.add(i);
  return out;
}

interface Decoded {
  lostRecords: number;
  lostDatagrams: number;
  malformed: number;
  /** Records handed to the sink by each datagram. */
  perDatagram: number[];
  /** Packets of the records, times their sampling rates (NetFlow only). */
  packets: number;
}

function decodeNetflow(datagrams: readonly Buffer[]): Decoded {
  const sink = new FlowRecorder();
  const stats = new FlowStats();
  const decoder = new NetflowDecoder(sink, stats, { templateTimeout: 1800, samplingRate: () => 1 });
  const perDatagram: number[] = [];
  for (const d of datagrams) {
    const before = sink.records.length;
    decoder.datagram(d, d.length, 0, 1e6);
    perDatagram.push(sink.records.length - before);
  }
  return { lostRecords: stats.get(0, FlowCounter.LOST_RECORDS), lostDatagrams: stats.get(0, FlowCounter.LOST_DATAGRAMS),
    malformed: stats.get(0, FlowCounter.MALFORMED), perDatagram, packets: sink.records.reduce((n, r) => n + r.packets * r.samplingRate, 0) };
}

function decodeSflow(datagrams: readonly Buffer[]): Decoded {
  const sink = new RecordingFlowSink();
  const stats = new FlowStats();
  const decoder = new SflowDecoder(sink, stats);
  const perDatagram: number[] = [];
  for (const d of datagrams) {
    const before = sink.flows.length;
    decoder.datagram(d, d.length, 0, 1e6);
    perDatagram.push(sink.flows.length - before);
  }
  return { lostRecords: stats.get(0, FlowCounter.LOST_RECORDS), lostDatagrams: stats.get(0, FlowCounter.LOST_DATAGRAMS),
    malformed: stats.get(0, FlowCounter.MALFORMED), perDatagram, packets: 0 };
}

/** What each stream's sequence number counts, and so which counter its loss goes to. */
type Unit = 'records' | 'datagrams' | 'sflow';

interface Stream {
  what: string;
  export: Omit<ExportOptions, 'capture'>;
  unit: Unit;
}

const STREAMS: Stream[] = [
  { what: 'softflowd v5', export: { exporter: 'softflowd', version: 5 }, unit: 'records' },
  { what: 'softflowd v9', export: { exporter: 'softflowd', version: 9 }, unit: 'datagrams' },
  // softflowd 1.1 numbers IPFIX messages with the records including their own, and leaves the
  // options data record of its template messages out of the count.
  { what: 'softflowd IPFIX', export: { exporter: 'softflowd', version: 10 }, unit: 'records' },
  { what: 'nfprobe v9, sampling_rate 10', export: { exporter: 'pmacctd-nfprobe', version: 9, samplingRate: 10 }, unit: 'datagrams' },
  // nfprobe's IPFIX with sampling sends sampler options data records, and numbers them.
  { what: 'nfprobe IPFIX, sampling_rate 10', export: { exporter: 'pmacctd-nfprobe', version: 10, samplingRate: 10 }, unit: 'records' },
  { what: 'sfprobe, sampling_rate 10', export: { exporter: 'pmacctd-sfprobe', samplingRate: 10 }, unit: 'sflow' },
];

/** Loss the decoder must count for the datagrams at `indices` of a stream (its full decode `full`). */
function expectedLoss(unit: Unit, full: Decoded, indices: Iterable<number>): { records: number; datagrams: number } {
  let records = 0;
  let datagrams = 0;
  for (const i of indices) {
    datagrams++;
    records += full.perDatagram[i];
  }
  if (unit === 'records') return { records, datagrams: 0 };
  if (unit === 'datagrams') return { records: 0, datagrams };
  return { records, datagrams };
}

describe('flow loss on real exporters\' streams: counted = dropped, per version\'s unit', () => {
  const streams = new Map<string, Buffer[]>();

  before(async () => {
    if (unmet(TOOLS) !== undefined) return;
    // The exporters run at once (they mostly wait for their own timers).
    const runs = await Promise.all(STREAMS.map(async (s) => (await runExporter({ capture, ...s.export })).datagrams));
    STREAMS.forEach((s, i) => streams.set(s.what, runs[i]));
  });

  for (const s of STREAMS) {
    test(`${s.what}: nothing lost, dropped datagrams, a swapped pair, a restart`, (t) => {
      if (!skipUnless(t, TOOLS)) return;
      const datagrams = streams.get(s.what)!;
      const decode = s.unit === 'sflow' ? decodeSflow : decodeNetflow;
      const full = decode(datagrams);
      assert.ok(datagrams.length >= 36, `${datagrams.length} datagrams`);
      assert.deepEqual([full.lostRecords, full.lostDatagrams, full.malformed], [0, 0, 0], 'the whole stream: nothing lost');

      const drop = dropped(datagrams.length);
      const lossy = decode(datagrams.filter((_, i) => !drop.has(i)));
      const want = expectedLoss(s.unit, full, drop);
      assert.ok(want.records + want.datagrams >= drop.size);
      assert.deepEqual({ records: lossy.lostRecords, datagrams: lossy.lostDatagrams }, want, `dropped ${[...drop].join(', ')}`);
      assert.equal(lossy.malformed, 0);

      // A swapped pair: the gap before the late datagram counts it once (an upper bound), never twice, never 2^32.
      const swapped = [...datagrams];
      [swapped[7], swapped[8]] = [swapped[8], swapped[7]];
      const late = decode(swapped);
      assert.deepEqual({ records: late.lostRecords, datagrams: late.lostDatagrams }, expectedLoss(s.unit, full, [7]), 'datagrams 7 and 8 swapped');

      // A restart: the exporter's stream from its first datagram again (same uptimes: within 10 s,
      // too close to tell by them). Nothing lost; a datagram lost after it is counted.
      const again = decode([...datagrams, ...datagrams]);
      assert.deepEqual([again.lostRecords, again.lostDatagrams], [0, 0], 'the stream sent twice');
      const restartLoss = decode([...datagrams, ...datagrams.filter((_, i) => i !== 10)]);
      assert.deepEqual({ records: restartLoss.lostRecords, datagrams: restartLoss.lostDatagrams }, expectedLoss(s.unit, full, [10]),
        'the stream sent twice, datagram 10 of the second run lost');
    });
  }

  test('nfprobe IPFIX, two observation domains (nfprobe_engine 1 and 2) interleaved from one exporter: loss per domain', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const [one, two] = await Promise.all([1, 2].map(async (engine) => (await runExporter({ capture, exporter: 'pmacctd-nfprobe', version: 10,
      samplingRate: 10, extra: [`nfprobe_engine[o]: ${engine}`] })).datagrams));
    assert.deepEqual([one[0].readUInt32BE(12), two[0].readUInt32BE(12)], [1, 2], 'observation domain ids');
    const interleaved = one.flatMap((d, i) => (i < two.length ? [d, two[i]] : [d])).concat(two.slice(one.length));
    const whole = decodeNetflow(interleaved);
    assert.deepEqual([whole.lostRecords, whole.lostDatagrams, whole.malformed], [0, 0, 0]);
    // Drop domain 2's 10th message: its records are lost, domain 1 loses nothing.
    const at = interleaved.indexOf(two[10]);
    const lossy = decodeNetflow(interleaved.filter((_, i) => i !== at));
    assert.deepEqual([lossy.lostRecords, lossy.lostDatagrams], [whole.perDatagram[at], 0]);
  });

  test('otelacct exports the loss per exporter: otelacct_flow_lost_records_total on softflowd\'s lossy IPFIX', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const datagrams = streams.get('softflowd IPFIX')!;
    const drop = dropped(datagrams.length);
    const kept = datagrams.filter((_, i) => !drop.has(i));
    const m = await otelacctFlowMetrics(dir, 'netflow', kept, decodeNetflow(kept).packets);
    const want = expectedLoss('records', decodeNetflow(datagrams), drop);
    assert.deepEqual([...sumBy(m, 'otelacct_flow_lost_records_total', ['otelacct_exporter_address'])], [['127.0.0.1', want.records]]);
    assert.equal(sumBy(m, 'otelacct_flow_lost_datagrams_total', []).get('') ?? 0, 0);
  });

  test('nfacctd logs the same gaps (sequence checks on): v5 in flows, v9 in packets, nfprobe IPFIX in records', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    // One nfacctd, one exporter address per stream.
    const whats = ['softflowd v5', 'nfprobe v9, sampling_rate 10', 'nfprobe IPFIX, sampling_rate 10'];
    const source = (i: number): string => `127.0.0.${30 + i}`;
    const kept = whats.map((what) => {
      const datagrams = streams.get(what)!;
      const drop = dropped(datagrams.length);
      return datagrams.filter((_, i) => !drop.has(i));
    });
    const nf = await runPmacctCollector({ kind: 'nfacctd', datagrams: [], config: { nfacctd_disable_checks: 'false' },
      streams: kept.map((datagrams, i) => ({ source: source(i), datagrams })) });
    whats.forEach((what, i) => {
      const s = STREAMS.find((x) => x.what === what)!;
      const datagrams = streams.get(what)!;
      const gaps = [...nf.log.matchAll(/expecting flow '(\d+)' but received '(\d+)' collector=\S+ agent=([\d.]+):/g)]
        .filter((m) => m[3] === source(i)).map((m) => Number(m[2]) - Number(m[1]));
      assert.ok(gaps.length > 0 && gaps.every((g) => g > 0), `${what}: nfacctd gaps ${gaps.join(', ')}`);
      const want = expectedLoss(s.unit, decodeNetflow(datagrams), dropped(datagrams.length));
      assert.equal(gaps.reduce((a, b) => a + b, 0), want.records + want.datagrams, `${what}: nfacctd gaps ${gaps.join(', ')}`);
    });
  });
});
