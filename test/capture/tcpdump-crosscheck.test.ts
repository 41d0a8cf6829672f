import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { PcapNgWriter, PcapWriter } from '../support/pcap-writer.ts';
import { readCapture, TempDir } from '../support/read-capture.ts';
import { hasTool, skipUnless } from '../support/requirements.ts';

/**
 * Files written by the test writers must read the same in libpcap (tcpdump) and, when installed,
 * Wireshark (tshark) as in our reader. Without tcpdump the tcpdump tests skip, or fail when CI is
 * set (scripts/bootstrap.sh --test installs it). The tshark tests never skip: without tshark they
 * fail (scripts/bootstrap.sh --test installs it too).
 */
const dir = new TempDir();
after(() => dir.dispose());

/** A reproducible mix of 1000 frames: TCP, UDP, ICMP, IPv6, VLAN-tagged, a few jumbo. */
function mix(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) {
    const host = `10.${i % 7}.${i % 5}.${1 + (i % 250)}`;
    const payloadLength = (i * 37) % (i % 100 === 0 ? 9000 : 1400);
    frames.push(i % 4 === 3
      ? ethernetIPv6({ src: `2001:db8::${i.toString(16)}`, dst: 'fe80::1', proto: i % 8 === 3 ? 58 : 17, payloadLength })
      : ethernetIPv4({ src: host, dst: '192.0.2.1', proto: [6, 17, 1][i % 3], srcPort: 1024 + i, dstPort: 443,
        payloadLength, vlan: i % 10 === 0 ? [100] : undefined }));
  }
  return frames;
}

function tcpdumpCount(path: string): number {
  const run = spawnSync('tcpdump', ['-r', path, '-nn', '--count'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `tcpdump -r ${path} failed: ${run.stderr}`);
  const match = /(\d+) packets?/.exec(`${run.stdout}\n${run.stderr}`);
  assert.ok(match, `no packet count in tcpdump output: ${run.stdout} ${run.stderr}`);
  return Number(match[1]);
}

/** `interface name, wire length, captured length` per packet as tshark reads them. */
function tsharkFields(path: string): string[] {
  const run = spawnSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.len',
    '-e', 'frame.cap_len', '-Y', 'frame'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, `tshark -r ${path} failed: ${run.stderr}`);
  return run.stdout.replace(/\n$/, '').split('\n');
}

function files(): Array<[string, Buffer]> {
  const frames = mix();
  const pcapUs = new PcapWriter({ linkType: 1, snaplen: 1600 });
  const pcapNs = new PcapWriter({ linkType: 1, nanoseconds: true, bigEndian: true, snaplen: 96 });
  const ngLe = new PcapNgWriter();
  ngLe.addInterface({ linkType: 1, name: 'eth0', snaplen: 1600 });
  ngLe.addInterface({ linkType: 1, name: 'eth1', snaplen: 1600 }); // libpcap wants one snaplen
  const ngBe = new PcapNgWriter({ bigEndian: true });
  ngBe.addInterface({ linkType: 1 });
  frames.forEach((frame, i) => {
    pcapUs.add(frame);
    pcapNs.add(frame, { tsFrac: i * 1000 });
    if (i % 5 === 0) ngLe.addSimplePacket(frame);
    else if (i % 5 === 1) ngLe.addObsoletePacket(1, frame);
    else ngLe.addEnhancedPacket(i % 2, frame, i % 50 === 0 ? { comment: `packet ${i}` } : {});
    if (i === 500) ngBe.addSection({ bigEndian: true }).addInterface({ linkType: 1, name: 'second' });
    ngBe.addEnhancedPacket(0, frame);
  });
  return [['us.pcap', pcapUs.toBuffer()], ['ns-be.pcap', pcapNs.toBuffer()], ['le.pcapng', ngLe.toBuffer()],
    ['be-sections.pcapng', ngBe.toBuffer()]];
}

describe('cross-check with libpcap and Wireshark', () => {
  for (const [name, bytes] of files()) {
    it(`tcpdump reads as many packets as we do (${name})`, async (t) => {
      if (!skipUnless(t, { tools: ['tcpdump'] })) return;
      const path = dir.write(name, bytes);
      const ours = await readCapture(path);
      assert.equal(ours.error, undefined);
      assert.equal(ours.packets.length, 1000);
      assert.equal(tcpdumpCount(path), ours.packets.length);
    });

    it(`tshark sees the same lengths${name.startsWith('le') ? ' and interface names' : ''} (${name})`,
      async () => {
        assert.ok(hasTool('tshark'), 'tshark is not installed (scripts/bootstrap.sh --test installs it)');
        const path = dir.write(name, bytes);
        const ours = await readCapture(path);
        // tshark 4.0 numbers interfaces across sections, so names are compared on one-section files only.
        const named = name === 'le.pcapng';
        const expected = ours.packets.map((p, i) =>
          `${named ? ours.names[i] : ''}\t${p.wireLength}\t${p.capturedLength}`);
        const theirs = tsharkFields(path).map((line) => named ? line : line.replace(/^[^\t]*/, ''));
        assert.deepEqual(theirs, expected);
      });
  }
});
