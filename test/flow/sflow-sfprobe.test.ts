import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { formatAddress } from '../../src/decode/address-format.ts';
import { decodePacket } from '../../src/decode/decode-packet.ts';
import { DecodeResult, DecodeStatus } from '../../src/decode/decode-result.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { FLOW_ERROR_NAMES, FlowCounter, FlowStats } from '../../src/flow/flow-sink.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';
import { ethernetIPv4, ethernetIPv6, parseIPv4, parseIPv6, type PacketSpec } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { findPmacctd, parsePmacctCsv } from '../support/pmacct.ts';
import { Prng } from '../support/prng.ts';
import { RecordingFlowSink } from '../support/sflow-builder.ts';

const PMACCTD = findPmacctd();
/** sfacctd comes in the same Debian package as pmacctd, beside it. */
const SFACCTD = PMACCTD === undefined ? undefined : join(dirname(PMACCTD), 'sfacctd');

/** Skips `t` without pmacctd / sfacctd (installed by scripts/bootstrap.sh --test); fails under CI. */
function needPmacct(t: TestContext): boolean {
  const why = PMACCTD === undefined ? 'pmacctd not installed (apt-get install pmacct)'
    : !existsSync(SFACCTD!) ? `no sfacctd beside ${PMACCTD}` : undefined;
  if (why === undefined) return true;
  if (process.env.CI) throw new Error(`CI must run this test but ${why}`);
  t.skip(why);
  return false;
}

/** Filler packets after those under test (see below). */
const FILLERS = 16;

/** What the capture holds, in order. */
function packets(): PacketSpec[] {
  const out: PacketSpec[] = [];
  for (let i = 0; i < 40; i++) {
    const v6 = i % 4 === 3;
    out.push({
      src: v6 ? `2001:db8::${i + 1}` : `10.0.${i}.1`, dst: v6 ? `2001:db8:1::${i + 1}` : `192.168.1.${i + 1}`,
      proto: i % 2 === 0 ? 6 : 17, srcPort: 10000 + i, dstPort: 443, payloadLength: (i * 97) % 1400,
      vlan: i % 5 === 2 ? [100 + i] : [],
    });
  }
  return out;
}

/** Runs pmacctd with the sfprobe plugin on `capture` (1-in-1 sampling) to 127.0.0.1:`port`; resolves at its exit. */
function sfprobe(pmacctd: string, dir: string, capture: string, port: number, rate = 1): Promise<string> {
  const config = join(dir, 'sfprobe.conf');
  writeFileSync(config, ['daemonize: false', 'pmacctd_nonroot: true', `pcap_savefile: ${capture}`,
    'pcap_savefile_wait: false', 'promisc: false', 'plugin_pipe_zmq: true', 'plugins: sfprobe',
    `sfprobe_receiver: 127.0.0.1:${port}`, 'sfprobe_agentip: 192.0.2.77', `sampling_rate: ${rate}`, ''].join('\n'));
  return new Promise((resolve, reject) => {
    const child = spawn(pmacctd, ['-f', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(log);
      else reject(new Error(`pmacctd sfprobe exited ${code}:\n${log}`));
    });
  });
}

describe('sFlow from a real exporter (pmacctd sfprobe)', () => {
  it('decodes every sample pmacctd sfprobe exports from a capture: headers, addresses and lengths as captured', async (t) => {
    if (!needPmacct(t)) return;
    const pmacctd = PMACCTD!;
    const specs = packets();
    const frames = specs.map((s) => (s.src.includes(':') ? ethernetIPv6(s) : ethernetIPv4(s)));
    const dir = mkdtempSync(join(tmpdir(), 'otelacct-sfprobe-'));
    const socket = createSocket('udp4');
    try {
      const capture = join(dir, 'in.pcap');
      const writer = new PcapWriter({ linkType: LinkType.ETHERNET });
      for (const f of frames) writer.add(f);
      // sfprobe sends a datagram when the next sample does not fit, and does not send its last,
      // partly filled one when pmacctd stops at the end of a file: filler packets push the
      // packets under test out.
      for (let i = 0; i < FILLERS; i++) writer.add(ethernetIPv4({ src: '10.255.255.1', dst: '10.255.255.2', proto: 17 }));
      writer.writeTo(capture);
      const sink = new RecordingFlowSink();
      const stats = new FlowStats();
      const decoder = new SflowDecoder(sink, stats);
      socket.on('message', (msg) => decoder.datagram(msg, msg.length, 0, Date.now()));
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const log = await sfprobe(pmacctd, dir, capture, socket.address().port);
      await new Promise((resolve) => setTimeout(resolve, 500));

      assert.deepEqual([...stats.errors], FLOW_ERROR_NAMES.map(() => 0), log);
      const n = sink.flows.length;
      assert.ok(n >= frames.length && n <= frames.length + FILLERS, `${n} samples for ${frames.length} packets\n${log}`);
      assert.equal(stats.get(0, FlowCounter.RECORDS), n);
      assert.equal(stats.get(0, FlowCounter.LOST_DATAGRAMS) + stats.get(0, FlowCounter.LOST_RECORDS), 0);
      const result = new DecodeResult();
      sink.flows.slice(0, frames.length).forEach((flow, i) => {
        assert.equal(flow.kind, 'header');
        if (flow.kind !== 'header') return;
        const frame = frames[i];
        const spec = specs[i];
        // sfprobe: Ethernet header protocol, frame_length = captured length + 4 (FCS, also in stripped),
        // the first 128 bytes, 1-in-1, interfaces 0x3FFFFFFF (none).
        assert.deepEqual([flow.headerProtocol, flow.frameLength, flow.samplingRate, flow.inputIf, flow.outputIf],
          [1, frame.length + 4, 1, 0, 0], `sample ${i}`);
        assert.deepEqual(flow.header, frame.subarray(0, Math.min(128, frame.length)), `sample ${i} header bytes`);
        assert.equal(decodePacket(flow.header, 0, flow.header.length, flow.frameLength - 4, LinkType.ETHERNET, result),
          DecodeStatus.OK);
        const v6 = spec.src.includes(':');
        const bytes = (at: number) => flow.header.subarray(at, at + (v6 ? 16 : 4));
        assert.deepEqual(bytes(result.srcOffset), v6 ? parseIPv6(spec.src) : parseIPv4(spec.src), `sample ${i} source`);
        assert.deepEqual(bytes(result.dstOffset), v6 ? parseIPv6(spec.dst) : parseIPv4(spec.dst), `sample ${i} destination`);
        assert.equal(result.ipBytes, frame.length - 14 - 4 * (spec.vlan?.length ?? 0), `sample ${i} IP length`);
        assert.equal(result.vlanId, spec.vlan?.[0] ?? 0);
      });
    } finally {
      socket.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with rateSource sample_pool, scales each sample exactly as sfacctd 1.7.7 renormalises (same datagrams)', async (t) => {
    if (!needPmacct(t)) return;
    const pmacctd = PMACCTD!;
    const dir = mkdtempSync(join(tmpdir(), 'otelacct-sfacctd-'));
    const receiver = createSocket('udp4');
    const sender = createSocket('udp4');
    let sfacctd: ReturnType<typeof spawn> | undefined;
    try {
      // 6,000 packets over 12 pairs, sampled 1 in 10 with random skips: sfacctd's Δpool / Δsequence
      // differs from the sampling rate sample by sample.
      const capture = join(dir, 'in.pcap');
      const writer = new PcapWriter({ linkType: LinkType.ETHERNET });
      const prng = new Prng(11);
      for (let i = 0; i < 6000; i++) {
        const k = prng.int(12);
        const spec = { src: k < 9 ? `10.0.0.${k}` : `2001:db8::${k}`, dst: k < 9 ? `10.1.0.${k}` : `2001:db8:1::${k}`,
          proto: 17, payloadLength: prng.pick([0, 100, 1000]) };
        writer.add(k < 9 ? ethernetIPv4(spec) : ethernetIPv6(spec));
      }
      for (let i = 0; i < 10 * FILLERS; i++) writer.add(ethernetIPv4({ src: '10.255.255.1', dst: '10.255.255.2', proto: 17 }));
      writer.writeTo(capture);
      const port = await new Promise<number>((resolve) => receiver.bind(0, '127.0.0.1', () => resolve(receiver.address().port)));
      // sfacctd gets the very datagrams the decoder gets, forwarded once pmacctd is done.
      const probe = createSocket('udp4');
      const sfacctdPort = await new Promise<number>((resolve) => probe.bind(0, '127.0.0.1', () => resolve(probe.address().port)));
      probe.close();
      const output = join(dir, 'sfacctd.csv');
      const config = join(dir, 'sfacctd.conf');
      writeFileSync(config, ['daemonize: false', `sfacctd_port: ${sfacctdPort}`, 'sfacctd_ip: 127.0.0.1',
        'sfacctd_renormalize: true', 'plugin_pipe_zmq: true', 'plugins: print', 'aggregate: src_host,dst_host',
        'print_output: csv', `print_output_file: ${output}`, 'print_refresh_time: 3600', 'print_write_empty_file: true', ''].join('\n'));
      let sfacctdLog = '';
      const child = spawn(SFACCTD!, ['-f', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      sfacctd = child;
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (sfacctdLog += d));
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (sfacctdLog += d));
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      const datagrams: Buffer[] = [];
      receiver.on('message', (msg) => datagrams.push(msg));
      await sfprobe(pmacctd, dir, capture, port, 10);
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const d of datagrams) {
        await new Promise<void>((resolve, reject) => sender.send(d, sfacctdPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await new Promise((resolve) => setTimeout(resolve, 1500));
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      sfacctd = undefined;
      assert.ok(existsSync(output), `sfacctd wrote no output:\n${sfacctdLog}`);
      const oracle = parsePmacctCsv(readFileSync(output, 'utf8'), ['src_host', 'dst_host']);

      // The decoder, with a sink counting as sfacctd does: frame_length × rate bytes, rate packets.
      const totals = new Map<string, { bytes: number; packets: number }>();
      const result = new DecodeResult();
      const decoder = new SflowDecoder({
        record: () => assert.fail('sfprobe sends raw headers only'),
        sampledHeader: (_e, data, offset, headerLength, frameLength, _p, rate) => {
          assert.equal(decodePacket(data, offset, headerLength, frameLength, LinkType.ETHERNET, result), DecodeStatus.OK);
          const key = `${formatAddress(data, result.srcOffset, result.ipVersion)},${formatAddress(data, result.dstOffset, result.ipVersion)}`;
          const sum = totals.get(key) ?? { bytes: 0, packets: 0 };
          sum.bytes += frameLength * rate;
          sum.packets += rate;
          totals.set(key, sum);
        },
      }, new FlowStats());
      decoder.rateSource = 'sample_pool';
      for (const d of datagrams) decoder.datagram(d, d.length, 0, 0);
      assert.ok(oracle.size >= 12, `sfacctd accounted ${oracle.size} pairs\n${sfacctdLog}`);
      assert.deepEqual(new Map([...totals].sort()), new Map([...oracle].sort()));
    } finally {
      if (sfacctd?.pid !== undefined) try { process.kill(-sfacctd.pid, 'SIGKILL'); } catch { /* gone */ }
      receiver.close();
      sender.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
