import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlowCounter, FlowStats } from '../../src/flow/flow-sink.ts';
import { NetflowDecoder } from '../../src/flow/netflow-decoder.ts';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { FlowRecorder } from '../support/netflow-builder.ts';
import { PcapWriter } from '../support/pcap-writer.ts';

/**
 * A real exporter: softflowd (Debian's, in test_pkgs) reads a generated capture and exports its
 * flows as NetFlow v5, v9 or IPFIX to a loopback socket; the decoded totals must equal the
 * capture's (IP lengths; v5 carries IPv4 only). The full comparison with nfacctd on the same
 * datagrams is the flow oracle harness's (test/support/flow-oracle.ts); this only checks the
 * decoder reads a real exporter's templates, sampling options and sequence numbers.
 */
describe('netflow decoder on softflowd datagrams', () => {
  let dir = '';
  const truth = { v4Bytes: 0, v4Packets: 0, bytes: 0, packets: 0 };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'otelacct-softflowd-'));
    const w = new PcapWriter({ linkType: 1 });
    for (let i = 0; i < 400; i++) {
      const v6 = i % 3 === 0;
      const spec = { src: v6 ? `2001:db8::${(i % 7) + 1}` : `10.0.0.${(i % 7) + 1}`, dst: v6 ? '2001:db8::99' : '192.0.2.9',
        proto: i % 2 === 1 ? 6 : 17, srcPort: 1000 + (i % 11), dstPort: 53, payloadLength: (i * 7) % 300 };
      const frame = v6 ? ethernetIPv6(spec) : ethernetIPv4(spec);
      w.add(frame, { tsSec: 1700000000 + Math.floor(i / 10), tsFrac: i });
      truth.bytes += frame.length - 14;
      truth.packets++;
      if (!v6) {
        truth.v4Bytes += frame.length - 14;
        truth.v4Packets++;
      }
    }
    w.writeTo(join(dir, 'in.pcap'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  async function export_(version: string, extra: string[] = []): Promise<Buffer[]> {
    const sock = createSocket('udp4');
    const got: Buffer[] = [];
    sock.on('message', (m) => got.push(Buffer.from(m)));
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    // Paths relative to the temporary directory: Debian's softflowd 1.1.0 given a control socket
    // path longer than 12 characters never exits after the capture's end (it blocks in accept()).
    const child = spawn('softflowd', ['-r', 'in.pcap', '-n', `127.0.0.1:${sock.address().port}`, '-v', version, '-d', '-6',
      '-p', 'pid', '-c', 'ctl', ...extra], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
    clearTimeout(guard);
    assert.equal(code, 0, `softflowd exited ${code}: ${stderr}`);
    // Loopback delivers at once; wait until nothing more arrives.
    for (let n = -1; n !== got.length;) {
      n = got.length;
      await new Promise((r) => setTimeout(r, 150));
    }
    sock.close();
    return got;
  }

  function decode(datagrams: Buffer[]) {
    const sink = new FlowRecorder();
    const stats = new FlowStats();
    const decoder = new NetflowDecoder(sink, stats, { templateTimeout: 1800, samplingRate: () => 1 });
    for (const d of datagrams) decoder.datagram(d, d.length, 0, 1e6);
    const sum = (f: (r: (typeof sink.records)[number]) => number) => sink.records.reduce((a, r) => a + f(r), 0);
    return { sink, stats, bytes: sum((r) => r.bytes * r.samplingRate), packets: sum((r) => r.packets * r.samplingRate) };
  }

  for (const version of ['5', '9', '10']) {
    it(`decodes softflowd -v ${version} exactly: totals, no error, no loss`, async () => {
      const r = decode(await export_(version));
      assert.ok(r.sink.records.length > 20);
      assert.equal(r.stats.get(0, FlowCounter.MALFORMED), 0);
      assert.equal(r.stats.get(0, FlowCounter.LOST_RECORDS) + r.stats.get(0, FlowCounter.LOST_DATAGRAMS), 0);
      const want = version === '5' ? { bytes: truth.v4Bytes, packets: truth.v4Packets } : { bytes: truth.bytes, packets: truth.packets };
      assert.deepEqual({ bytes: r.bytes, packets: r.packets }, want);
      if (version !== '5') assert.ok(r.sink.records.some((x) => x.src.includes(':')), 'IPv6 flows decoded');
    });

    it(`takes softflowd -v ${version} -s 4's sampling rate from the datagrams`, async () => {
      const r = decode(await export_(version, ['-s', '4']));
      assert.ok(r.sink.records.length > 5);
      assert.deepEqual(new Set(r.sink.records.map((x) => x.samplingRate)), new Set([4]));
      // Periodic 1-in-4 sampling of 400 packets renormalises to 400; v5 sees the IPv4 two thirds of them,
      // whose sampled share is within a couple of samples of a third.
      if (version === '5') assert.ok(Math.abs(r.packets - truth.v4Packets) <= 8, `${r.packets} packets vs ${truth.v4Packets}`);
      else assert.equal(r.packets, truth.packets);
    });
  }
});
