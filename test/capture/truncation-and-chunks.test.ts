import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CaptureFileError } from '../../src/capture/capture-file.ts';
import { ethernetIPv4, ethernetIPv6, ipv4Packet } from '../support/frames.ts';
import { PcapNgWriter, PcapWriter } from '../support/pcap-writer.ts';
import { readCapture, summary, TempDir } from '../support/read-capture.ts';

const dir = new TempDir();
after(() => dir.dispose());

const frames = [
  ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, payloadLength: 1 }),
  ethernetIPv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payloadLength: 130, vlan: [1, 2] }),
  new Uint8Array(0),
  ethernetIPv4({ src: '10.0.0.3', dst: '10.0.0.4', proto: 1, payloadLength: 1500 }),
];

/** A file, where each record/block ends, and which of those ends complete a packet. */
interface Layout { bytes: Buffer; ends: number[]; packetEnds: number[]; firstEnd: number }

function pcapLayout(): Layout {
  const w = new PcapWriter({ linkType: 1, bigEndian: true, nanoseconds: true });
  const ends = [w.toBuffer().length];
  for (const frame of [...frames, ...frames]) ends.push(w.add(frame).toBuffer().length);
  return { bytes: w.toBuffer(), ends, packetEnds: ends.slice(1), firstEnd: ends[0] };
}

function pcapngLayout(): Layout {
  const w = new PcapNgWriter();
  const ends: number[] = [w.toBuffer().length];
  const packetEnds: number[] = [];
  const block = (add: () => void, packet: boolean): void => {
    add();
    ends.push(w.toBuffer().length);
    if (packet) packetEnds.push(ends[ends.length - 1]);
  };
  block(() => w.addInterface({ linkType: 1, name: 'eth0', snaplen: 200 }), false);
  block(() => w.addInterface({ linkType: 101 }), false);
  block(() => w.addEnhancedPacket(0, frames[0], { comment: 'c' }), true);
  block(() => w.addCustomBlock(), false);
  block(() => w.addSimplePacket(frames[1]), true);
  block(() => w.addObsoletePacket(1, ipv4Packet({ src: '1.2.3.4', dst: '5.6.7.8', proto: 17 })), true);
  block(() => w.addSection({ bigEndian: true }), false);
  block(() => w.addInterface({ linkType: 1, name: 'eth1' }), false);
  block(() => w.addEnhancedPacket(0, frames[2]), true);
  block(() => w.addBlock(5, new Uint8Array(13)), false);
  block(() => w.addEnhancedPacket(0, frames[3]), true);
  return { bytes: w.toBuffer(), ends, packetEnds, firstEnd: ends[0] };
}

const chunkSizes = [1, 2, 3, 7, 13, 64, 65, 100, 127, 509, 1000, 4096];

for (const [format, layout] of [['pcap', pcapLayout()], ['pcapng', pcapngLayout()]] as const) {
  describe(`${format} chunking and truncation`, () => {
    it('gives identical results for every chunk size, odd ones included', async () => {
      const reference = await readCapture(dir.write(`whole.${format}`, layout.bytes));
      assert.equal(reference.error, undefined);
      assert.equal(reference.packets.length, layout.packetEnds.length);
      for (const chunkSize of chunkSizes) {
        const outcome = await readCapture(dir.write(`whole.${format}`, layout.bytes), { chunkSize });
        assert.equal(outcome.error, undefined, `chunk size ${chunkSize}`);
        assert.deepEqual(summary(outcome), summary(reference), `chunk size ${chunkSize}`);
        assert.deepEqual(outcome.stats, reference.stats);
      }
    });

    it('on a cut at any byte delivers the complete packets, then fails or ends at a boundary', async () => {
      for (const chunkSize of [undefined, 16, 7]) {
        for (let cut = 0; cut <= layout.bytes.length; cut++) {
          const path = dir.write(`cut.${format}`, layout.bytes.subarray(0, cut));
          const outcome = await readCapture(path, { chunkSize });
          const where = `cut at ${cut}, chunk size ${chunkSize ?? 'default'}`;
          const complete = layout.packetEnds.filter((end) => end <= cut).length;
          assert.equal(outcome.packets.length, complete, where);
          if (layout.ends.includes(cut)) {
            assert.equal(outcome.error, undefined, where);
            assert.equal(outcome.stats?.packets, complete, where);
            continue;
          }
          assert.ok(outcome.error instanceof CaptureFileError, `${where}: ${String(outcome.error)}`);
          assert.match(outcome.error.message, /: (truncated .* at byte offset \d+ \(need \d+ bytes, \d+ left\)|empty file|file of \d bytes)/, where);
          if (cut > 4) assert.equal(outcome.error.stats?.packets, complete, where);
        }
      }
    });

    it('grows the buffer for a record bigger than the chunk size, then reads on', async () => {
      const outcome = await readCapture(dir.write(`big.${format}`, layout.bytes), { chunkSize: 32 });
      const reference = await readCapture(dir.write(`big.${format}`, layout.bytes));
      assert.deepEqual(summary(outcome), summary(reference));
      assert.ok(outcome.chunks > layout.bytes.length / 1600, `${outcome.chunks} chunks`);
    });
  });
}
