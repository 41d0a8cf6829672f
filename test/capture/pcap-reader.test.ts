import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CaptureFileError } from '../../src/capture/capture-file.ts';
import { InterfaceRegistry } from '../../src/capture/interface-registry.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4, ethernetIPv6, ipv4Packet } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { type ExpectedPacket, expectedSummary, readCapture, summary, TempDir } from '../support/read-capture.ts';

const dir = new TempDir();
after(() => dir.dispose());

const frames = [
  ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 1234, dstPort: 80 }),
  ethernetIPv4({ src: '192.168.1.1', dst: '10.9.8.7', proto: 17, payloadLength: 333, vlan: [10, 20] }),
  ethernetIPv6({ src: '2001:db8::1', dst: 'fe80::1', proto: 58, payloadLength: 3 }),
  new Uint8Array(0),
  ethernetIPv4({ src: '1.1.1.1', dst: '8.8.8.8', proto: 1, payloadLength: 1400 }),
];

const variants = [
  { nanoseconds: false, bigEndian: false },
  { nanoseconds: true, bigEndian: false },
  { nanoseconds: false, bigEndian: true },
  { nanoseconds: true, bigEndian: true },
];

describe('classic pcap reader', () => {
  for (const variant of variants) {
    const label = `${variant.nanoseconds ? 'ns' : 'µs'} ${variant.bigEndian ? 'big' : 'little'}-endian`;
    it(`round-trips frames, lengths and link type (${label})`, async () => {
      const writer = new PcapWriter({ linkType: LinkType.ETHERNET, ...variant });
      for (const frame of frames) writer.add(frame, { tsFrac: variant.nanoseconds ? 999_999_999 : 999_999 });
      writer.add(frames[0], { wireLength: 1514 });
      const path = dir.write(`${label.replace(/\W+/g, '-')}.pcap`, writer.toBuffer());
      const outcome = await readCapture(path);
      assert.equal(outcome.error, undefined);
      const name = path.slice(dir.path.length + 1);
      const expected: ExpectedPacket[] = frames.map((frame) => ({ frame, linkType: LinkType.ETHERNET, name }));
      expected.push({ frame: frames[0], wireLength: 1514, linkType: LinkType.ETHERNET, name });
      assert.deepEqual(summary(outcome), expectedSummary(expected));
      const bytes = frames.reduce((sum, f) => sum + f.length, frames[0].length);
      assert.deepEqual(outcome.stats, { packets: 6, capturedBytes: bytes, format: 'pcap' });
    });
  }

  it('truncates to the header snaplen and keeps the wire length', async () => {
    const writer = new PcapWriter({ linkType: LinkType.ETHERNET, snaplen: 64 });
    writer.add(frames[1]).add(frames[0]);
    const outcome = await readCapture(dir.write('snap.pcap', writer.toBuffer()));
    assert.deepEqual(summary(outcome), expectedSummary([
      { frame: frames[1], capturedLength: 64, linkType: 1, name: 'snap.pcap' },
      { frame: frames[0], linkType: 1, name: 'snap.pcap' },
    ]));
  });

  it('takes the link type from the low 16 bits of the network field (upper bits are FCS info)', async () => {
    const writer = new PcapWriter({ linkType: LinkType.RAW | 0x14000000 }).add(ipv4Packet({
      src: '10.0.0.1', dst: '10.0.0.2', proto: 17,
    }));
    const outcome = await readCapture(dir.write('fcs.pcap', writer.toBuffer()));
    assert.equal(outcome.packets[0].linkType, LinkType.RAW);
  });

  it('raises a wire length below the captured length to the captured length', async () => {
    const writer = new PcapWriter({ linkType: 1 }).add(frames[0], { wireLength: 10 });
    const outcome = await readCapture(dir.write('short-wire.pcap', writer.toBuffer()));
    assert.equal(outcome.packets[0].wireLength, frames[0].length);
  });

  it('registers one interface per file, named after the file', async () => {
    const registry = new InterfaceRegistry();
    registry.register('eth0');
    const buffer = new PcapWriter({ linkType: 1 }).add(frames[0]).add(frames[1]).toBuffer();
    const a = await readCapture(dir.write('a.pcap', buffer), { registry });
    const b = await readCapture(dir.write('b.pcap', buffer), { registry });
    assert.deepEqual(registry.names(), ['eth0', 'a.pcap', 'b.pcap']);
    assert.deepEqual(a.packets.map((p) => p.interfaceIndex), [1, 1]);
    assert.deepEqual(b.names, ['b.pcap', 'b.pcap']);
  });

  it('reads a file with no packets', async () => {
    const outcome = await readCapture(dir.write('none.pcap', new PcapWriter({ linkType: 1 }).toBuffer()));
    assert.deepEqual(outcome.stats, { packets: 0, capturedBytes: 0, format: 'pcap' });
  });

  it('awaits onChunk after each chunk, once the chunk\'s packets were delivered', async () => {
    const writer = new PcapWriter({ linkType: 1 });
    for (let i = 0; i < 100; i++) writer.add(frames[0]);
    const outcome = await readCapture(dir.write('chunks.pcap', writer.toBuffer()), { chunkSize: 1000 });
    assert.equal(outcome.stats?.packets, 100);
    assert.ok(outcome.chunks >= 7, `only ${outcome.chunks} chunks for 7 KB`);
    assert.deepEqual(outcome.packetsAtChunk, [...outcome.packetsAtChunk].sort((x, y) => x - y));
    assert.equal(outcome.packetsAtChunk.at(-1), 100);
  });

  it('rejects a major version other than 2', async () => {
    const buffer = new PcapWriter({ linkType: 1, versionMajor: 1 }).add(frames[0]).toBuffer();
    const { error } = await readCapture(dir.write('v1.pcap', buffer));
    assert.ok(error instanceof CaptureFileError);
    assert.match(error.message, /v1\.pcap: unsupported pcap version 1\.4 \(expected 2\.x\) at byte offset 4$/);
  });
});
