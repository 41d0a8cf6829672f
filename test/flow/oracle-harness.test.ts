/**
 * The real-exporter oracle harness (test/support/flow-oracle.ts) proved against the captures'
 * own truth: softflowd and pmacctd nfprobe/sfprobe export a generated capture, the recorded
 * datagrams go to nfacctd/sfacctd, and their per-pair totals must equal the truth, or differ from
 * it exactly where the tools are known to (docs/flow-oracles.md). Once this holds, comparing
 * otelacct with nfacctd/sfacctd on the same datagrams compares decoders, not harness artefacts.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  captureTruth, diffTotals, FILLER_KEY, otelacctFlowTotals, readDatagramsPcap, runExporter, runPmacctCollector, samplingSigma,
  replay, sflowIpTotals, softflowdExportStats, sumCounters, udpSocketState, withoutFiller, writeDatagramsPcap, writeFlowCapture,
  type FlowCapture, type FlowCounters,
} from '../support/flow-oracle.ts';
import { waitFor } from '../support/processes.ts';
import { skipUnless } from '../support/requirements.ts';

const TOOLS = { tools: ['softflowd', 'pmacctd', 'nfacctd', 'sfacctd'] };
const dir = mkdtempSync(join(tmpdir(), 'otelacct-flow-oracle-'));
let small: FlowCapture;

before(() => {
  small = writeFlowCapture({ file: join(dir, 'small.pcap'), packets: 3000, pairs: 400, seed: 14 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function assertEqualTotals(actual: Map<string, FlowCounters>, expected: Map<string, FlowCounters>, what: string): void {
  const diff = diffTotals(actual, expected);
  assert.deepEqual(diff, [], `${what}:\n${diff.join('\n')}`);
  assert.ok(expected.size > 0);
}

/** Truth keys with ICMP/ICMPv6 destination ports set to type << 8 (echo request: 8, 128), as nfprobe exports them. */
function icmpTypeInDstPort(truth: Map<string, FlowCounters>): Map<string, FlowCounters> {
  return new Map([...truth].map(([k, c]) => {
    const [src, dst, proto, sport, dport] = k.split(' ');
    const port = proto === '1' ? 8 << 8 : proto === '58' ? 128 << 8 : Number(dport);
    return [`${src} ${dst} ${proto} ${sport} ${port}`, c];
  }));
}

describe('flow oracle harness: exporters → recorded datagrams → nfacctd/sfacctd = capture truth', () => {
  test('softflowd NetFlow v9: every datagram it sent is recorded; nfacctd per pair and per 5-tuple = truth', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const run = await runExporter({ capture: small.file, exporter: 'softflowd', version: 9 });
    const stats = softflowdExportStats(run.log);
    assert.ok(stats !== undefined, run.log);
    assert.equal(stats.failures, 0);
    assert.equal(run.datagrams.length, stats.packets, 'datagrams recorded = softflowd\'s "in N packets"');
    assert.ok(run.datagrams.every((d) => d.readUInt16BE(0) === 9));
    // 400 pairs, one flow each, plus the filler's.
    assert.equal(stats.flows, 401);

    const pairs = await runPmacctCollector({ kind: 'nfacctd', datagrams: run.datagrams });
    assertEqualTotals(withoutFiller(pairs.totals), captureTruth(small), 'nfacctd on softflowd v9, per pair');
    assert.deepEqual(pairs.totals.get(FILLER_KEY), { bytes: 40 * small.fillerPackets, packets: small.fillerPackets });
    assert.equal(pairs.replay.drops, 0);

    const aggregate = ['src_host', 'dst_host', 'proto', 'src_port', 'dst_port'] as const;
    const tuples = await runPmacctCollector({ kind: 'nfacctd', datagrams: run.datagrams, aggregate: [...aggregate] });
    // softflowd exports ICMP flows with ports 0 0, as otelacct keys them.
    assertEqualTotals(withoutFiller(tuples.totals), captureTruth(small, { aggregate: [...aggregate] }), 'nfacctd on softflowd v9, per 5-tuple');
  });

  test('softflowd IPFIX: nfacctd per pair = truth', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const run = await runExporter({ capture: small.file, exporter: 'softflowd', version: 10 });
    assert.ok(run.datagrams.every((d) => d.readUInt16BE(0) === 10));
    const totals = await runPmacctCollector({ kind: 'nfacctd', datagrams: run.datagrams });
    assertEqualTotals(withoutFiller(totals.totals), captureTruth(small), 'nfacctd on softflowd IPFIX');
  });

  test('softflowd NetFlow v5: nfacctd per pair = truth without the IPv6 pairs (v5 has no IPv6 records)', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const run = await runExporter({ capture: small.file, exporter: 'softflowd', version: 5 });
    assert.ok(run.datagrams.every((d) => d.readUInt16BE(0) === 5));
    const totals = await runPmacctCollector({ kind: 'nfacctd', datagrams: run.datagrams });
    const truth = captureTruth(small);
    const v4 = new Map([...truth].filter(([k]) => !k.includes(':')));
    assert.ok(v4.size < truth.size && v4.size > 0, 'the capture has IPv4 and IPv6 pairs');
    assertEqualTotals(withoutFiller(totals.totals), v4, 'nfacctd on softflowd v5');
  });

  test('pmacctd nfprobe NetFlow v9 and IPFIX: nfacctd per pair = truth; ICMP type/code in the destination port', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const aggregate = ['src_host', 'dst_host', 'proto', 'src_port', 'dst_port'] as const;
    for (const version of [9, 10] as const) {
      const datagrams = (await runExporter({ capture: small.file, exporter: 'pmacctd-nfprobe', version })).datagrams;
      assert.ok(datagrams.every((d) => d.readUInt16BE(0) === version));
      const tuples = await runPmacctCollector({ kind: 'nfacctd', datagrams, aggregate: [...aggregate] });
      const truth = icmpTypeInDstPort(captureTruth(small, { aggregate: [...aggregate] }));
      assertEqualTotals(withoutFiller(tuples.totals), truth, `nfacctd on nfprobe v${version}, per 5-tuple`);
    }
  });

  test('pmacctd sfprobe at rate 1: sfacctd per pair and VLAN = truth in frame bytes (IP length + 18, + 22 tagged); otelacct = sfacctd in IP bytes', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const datagrams = (await runExporter({ capture: small.file, exporter: 'pmacctd-sfprobe', samplingRate: 1 })).datagrams;
    assert.ok(datagrams.every((d) => d.readUInt32BE(0) === 5));
    const aggregate = ['src_host', 'dst_host', 'vlan'] as const;
    const totals = await runPmacctCollector({ kind: 'sfacctd', datagrams, aggregate: [...aggregate], renormalize: true });
    assertEqualTotals(withoutFiller(totals.totals), captureTruth(small, { aggregate: [...aggregate], sflowFrameLength: true }),
      'sfacctd on sfprobe rate 1');
    // In IP bytes, keyed "src dst": what otelacct must count from the same samples.
    assertEqualTotals(withoutFiller(sflowIpTotals(totals.totals)), captureTruth(small), 'sfacctd on sfprobe rate 1, IP bytes');
    // sfprobe never sends its last, partly filled datagram: only filler samples are lost.
    const filler = totals.totals.get(`${FILLER_KEY} 0`);
    assert.ok(filler !== undefined && filler.packets <= small.fillerPackets && filler.packets > small.fillerPackets - 64);

    // otelacct on the same datagrams (its sFlow listener, the real decoder) = sfacctd, pair by pair.
    const otelacct = await otelacctFlowTotals(dir, 'sflow', datagrams, sumCounters(totals.totals).packets);
    assertEqualTotals(otelacct, sflowIpTotals(totals.totals), 'otelacct against sfacctd on sfprobe rate 1');
  });

  test('pmacctd sfprobe at rate 10: sfacctd renormalised totals within 4σ of the truth (σ of 1-in-10 sampling); otelacct = sfacctd samples × 10', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const rate = 10;
    const big = writeFlowCapture({ file: join(dir, 'sampled.pcap'), packets: 30_000, pairs: 2000, seed: 6343 });
    const datagrams = (await runExporter({ capture: big.file, exporter: 'pmacctd-sfprobe', samplingRate: rate })).datagrams;
    const totals = await runPmacctCollector({ kind: 'sfacctd', datagrams, renormalize: true });
    const got = sumCounters(withoutFiller(totals.totals));
    const want = sumCounters(captureTruth(big, { sflowFrameLength: true }));
    const sigma = samplingSigma(big, rate);
    const why = `got ${JSON.stringify(got)}, truth ${JSON.stringify(want)}, σ ${JSON.stringify(sigma)}`;
    assert.ok(Math.abs(got.packets - want.packets) <= 4 * sigma.packets, why);
    assert.ok(Math.abs(got.bytes - want.bytes) <= 4 * sigma.bytes, why);
    // Not renormalised: the samples themselves. Scaled by the rate of each sample, as otelacct
    // does, in IP bytes: within the same bound of the IP-length truth. (sfacctd renormalises by
    // an effective rate, sample pool / samples, so its own counters are not multiples of 10.)
    const raw = await runPmacctCollector({ kind: 'sfacctd', datagrams, aggregate: ['src_host', 'dst_host', 'vlan'] });
    const samples = sumCounters(withoutFiller(new Map([...raw.totals].map(([k, c]) => [k.replace(/ \d+$/, ''), c]))));
    const scaled = sumCounters(withoutFiller(sflowIpTotals(raw.totals, rate)));
    const ip = sumCounters(captureTruth(big));
    const rawWhy = `samples ${JSON.stringify(samples)}, scaled ${JSON.stringify(scaled)}, IP truth ${JSON.stringify(ip)}; ${why}`;
    assert.ok(got.packets > 5 * samples.packets, rawWhy);
    assert.ok(Math.abs(scaled.packets - ip.packets) <= 4 * sigma.packets, rawWhy);
    assert.ok(Math.abs(scaled.bytes - ip.bytes) <= 4 * sigma.bytes, rawWhy);
    // otelacct on the same datagrams scales each sample by its rate: = sfacctd's samples × 10, pair by pair.
    const expected = sflowIpTotals(raw.totals, rate);
    assertEqualTotals(await otelacctFlowTotals(dir, 'sflow', datagrams, sumCounters(expected).packets), expected, 'otelacct against sfacctd on sfprobe rate 10');
  });

  test('otelacct on the same NetFlow v5/v9/IPFIX datagrams = nfacctd, pair by pair (softflowd and pmacctd nfprobe)', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const runs: Array<[string, Buffer[]]> = [];
    for (const version of [5, 9, 10] as const) runs.push([`softflowd v${version}`, (await runExporter({ capture: small.file, exporter: 'softflowd', version })).datagrams]);
    for (const version of [9, 10] as const) runs.push([`nfprobe v${version}`, (await runExporter({ capture: small.file, exporter: 'pmacctd-nfprobe', version })).datagrams]);
    for (const [what, datagrams] of runs) {
      const nf = (await runPmacctCollector({ kind: 'nfacctd', datagrams })).totals;
      assertEqualTotals(await otelacctFlowTotals(dir, 'netflow', datagrams, sumCounters(nf).packets), nf, `otelacct against nfacctd on ${what}`);
    }
  });

  test('paced replay loses nothing into a default-sized receive buffer; top speed counts what the kernel dropped', async () => {
    // Linux's default receive buffer (rmem_default), asked for explicitly so the test means the same everywhere.
    const receiver = createSocket({ type: 'udp6', recvBufferSize: 212_992 });
    let received = 0;
    receiver.on('message', () => received++);
    await new Promise<void>((resolve) => receiver.bind(0, '::', () => resolve()));
    const port = receiver.address().port;
    try {
      const datagrams = Array.from({ length: 2000 }, (_, i) => Buffer.alloc(1000, i & 255));
      const paced = await replay(datagrams, port);
      await waitFor('the paced datagrams', () => (received === 2000 ? true : undefined), 5000, 10);
      assert.equal(paced.drops, 0);
      received = 0;
      const top = await replay(datagrams, port, { maxQueued: Infinity });
      await waitFor('the queue to empty', () => (udpSocketState(port)?.rxQueue === 0 ? true : undefined), 5000, 10);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(received + top.drops, 2000, `received ${received}, dropped ${top.drops}`);
      // Unpaced, 2000 × ~2.3 KB of kernel memory cannot fit 208 KiB: the paced 0 above is not luck.
      assert.ok(top.drops > 0, `received ${received}, dropped ${top.drops}`);
    } finally {
      receiver.close();
    }
    await assert.rejects(replay([Buffer.alloc(10)], port), /no UDP socket is bound to port/);
  });

  test('recorded datagrams survive a pcap round trip byte for byte', async (t) => {
    if (!skipUnless(t, TOOLS)) return;
    const datagrams = (await runExporter({ capture: small.file, exporter: 'softflowd', version: 10 })).datagrams;
    const file = join(dir, 'ipfix.pcap');
    writeDatagramsPcap(file, datagrams, 4739);
    assert.deepEqual(readDatagramsPcap(file), datagrams);
  });
});
