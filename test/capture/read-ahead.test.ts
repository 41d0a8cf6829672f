import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CaptureFileError, readCaptureFile } from '../../src/capture/capture-file.ts';
import { InterfaceRegistry } from '../../src/capture/interface-registry.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapNgWriter, PcapWriter } from '../support/pcap-writer.ts';
import { RecordingSink } from '../support/recording-sink.ts';
import { summary, readCapture, TempDir } from '../support/read-capture.ts';

const dir = new TempDir();
after(() => dir.dispose());

/** Frames of many sizes (one bigger than the smaller chunk sizes below). */
const frames = Array.from({ length: 3000 }, (_, i) =>
  ethernetIPv4({ src: '10.0.0.1', dst: `10.0.${(i >> 8) & 255}.${i & 255}`, proto: 17, payloadLength: i === 1234 ? 9000 : (i * 37) % 1400 }));

/** A pcap of `frames` and the file offset where each record starts. */
function pcap(): { bytes: Buffer; starts: number[] } {
  const w = new PcapWriter({ linkType: 1 });
  const starts: number[] = [];
  for (const f of frames) {
    starts.push(w.toBuffer().length);
    w.add(f);
  }
  return { bytes: w.toBuffer(), starts };
}

// Chunk sizes below, around and above the room kept for a tail (256 KiB), and the default.
const chunkSizes = [100, 4096, 65_536, 300_000, undefined];

test('a file read ahead chunk by chunk gives the packets, progress and stats of one read whole', async () => {
  const { bytes } = pcap();
  const path = dir.write('whole.pcap', bytes);
  const reference = await readCapture(path, { chunkSize: bytes.length + 1 });
  assert.equal(reference.packets.length, frames.length);
  for (const chunkSize of chunkSizes) {
    const progress: number[] = [];
    const sink = new RecordingSink();
    const stats = await readCaptureFile(path, sink, new InterfaceRegistry(), { chunkSize, onChunk: (read) => void progress.push(read) });
    assert.deepEqual(stats, reference.stats, `chunk size ${chunkSize}`);
    assert.deepEqual(summary({ ...reference, packets: sink.packets }), summary(reference), `chunk size ${chunkSize}`);
    assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]), 'bytes read only grows');
    assert.equal(progress[progress.length - 1], bytes.length, `chunk size ${chunkSize}: every byte read`);
  }
});

test('a record cut short after chunks read ahead: the error names its offset, every packet before it delivered', async () => {
  const { bytes, starts } = pcap();
  for (const last of [1234, 2999]) {
    const cut = starts[last] + 20;
    const path = dir.write('cut.pcap', bytes.subarray(0, cut));
    for (const chunkSize of chunkSizes) {
      const outcome = await readCapture(path, { chunkSize });
      assert.ok(outcome.error instanceof CaptureFileError, String(outcome.error));
      assert.match(outcome.error.message, new RegExp(`truncated packet record at byte offset ${starts[last]} `), `chunk size ${chunkSize}`);
      assert.equal(outcome.packets.length, last, `chunk size ${chunkSize}`);
    }
  }
});

test('a pcapng block bigger than the room kept for a tail is joined by copying', async () => {
  const w = new PcapNgWriter();
  w.addInterface({ linkType: 1, snaplen: 0 });
  for (let i = 0; i < 40; i++) w.addEnhancedPacket(0, frames[i]);
  w.addBlock(5, new Uint8Array(600_000));
  for (let i = 40; i < 80; i++) w.addEnhancedPacket(0, frames[i]);
  const path = dir.write('big.pcapng', w.toBuffer());
  const reference = await readCapture(path, { chunkSize: w.toBuffer().length + 1 });
  assert.equal(reference.packets.length, 80);
  for (const chunkSize of [1000, 65_536, 300_000]) {
    assert.deepEqual(summary(await readCapture(path, { chunkSize })), summary(reference), `chunk size ${chunkSize}`);
  }
});
