import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CaptureFileError } from '../../src/capture/capture-file.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapNgWriter, PcapWriter } from '../support/pcap-writer.ts';
import { readCapture, TempDir } from '../support/read-capture.ts';

const dir = new TempDir();
after(() => dir.dispose());

const frame = ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payloadLength: 10 }); // 52 bytes

/** Reads `bytes` as file `name`; asserts a CaptureFileError matching `message`; returns it. */
async function expectError(name: string, bytes: Uint8Array, message: RegExp, packets = 0): Promise<CaptureFileError> {
  const outcome = await readCapture(dir.write(name, bytes));
  assert.ok(outcome.error instanceof CaptureFileError, `expected a CaptureFileError, got ${String(outcome.error)}`);
  assert.match(outcome.error.message, message);
  assert.ok(!outcome.error.message.includes('\n'), 'message is one line');
  assert.equal(outcome.packets.length, packets, 'packets delivered before the error');
  return outcome.error;
}

/** A little-endian pcapng with one IDB and two EPBs; `at` holds where each block starts. */
function pcapng(): { bytes: Buffer; at: { idb: number; epb1: number; epb2: number } } {
  const w = new PcapNgWriter();
  const idb = w.toBuffer().length;
  w.addInterface({ linkType: 1, name: 'eth0' });
  const epb1 = w.toBuffer().length;
  w.addEnhancedPacket(0, frame);
  const epb2 = w.toBuffer().length;
  w.addEnhancedPacket(0, frame);
  return { bytes: w.toBuffer(), at: { idb, epb1, epb2 } };
}

describe('capture file errors', () => {
  it('rejects an empty file', async () => {
    await expectError('empty.pcap', new Uint8Array(0), /empty\.pcap: empty file, not a pcap or pcapng file$/);
  });

  it('rejects a file too short for a magic number', async () => {
    await expectError('short.pcap', new Uint8Array([0xd4, 0xc3]), /short\.pcap: file of 2 bytes is too short/);
  });

  it('rejects an unknown magic number, naming it', async () => {
    const error = await expectError('text.pcap', Buffer.from('hello, world\n'),
      /text\.pcap: not a pcap or pcapng file \(magic 0x68656c6c\) at byte offset 0$/);
    assert.equal(error.offset, 0);
    assert.equal(error.stats, undefined);
  });

  it('wraps a missing file as "cannot open (ENOENT)" with the cause', async () => {
    const outcome = await readCapture(`${dir.path}/missing.pcap`);
    assert.ok(outcome.error instanceof CaptureFileError);
    assert.equal(outcome.error.message, `${dir.path}/missing.pcap: cannot open (ENOENT)`);
    assert.equal((outcome.error.cause as NodeJS.ErrnoException).code, 'ENOENT');
  });

  it('wraps reading a directory as "cannot read (EISDIR)"', async () => {
    const outcome = await readCapture(dir.path);
    assert.ok(outcome.error instanceof CaptureFileError);
    assert.equal(outcome.error.message, `${dir.path}: cannot read (EISDIR)`);
  });

  it('rejects a pcap captured length above 256 KiB after delivering the packets before it', async () => {
    const bytes = new PcapWriter({ linkType: 1 }).add(frame).add(frame, { capturedLengthField: 0x40001 }).toBuffer();
    const error = await expectError('huge.pcap', bytes,
      /huge\.pcap: corrupt packet record: captured length 262145 exceeds 262144 at byte offset 92$/, 1);
    assert.deepEqual(error.stats, { packets: 1, capturedBytes: 52, format: 'pcap' });
  });

  it('reports a truncated pcap record with what it needs and what is left', async () => {
    const bytes = new PcapWriter({ linkType: 1 }).add(frame).add(frame).toBuffer();
    await expectError('cut.pcap', bytes.subarray(0, bytes.length - 10),
      /cut\.pcap: truncated packet record at byte offset 92 \(need 68 bytes, 58 left\)$/, 1);
  });

  it('reports a truncated pcap file header', async () => {
    const bytes = new PcapWriter({ linkType: 1 }).toBuffer();
    await expectError('head.pcap', bytes.subarray(0, 20),
      /head\.pcap: truncated pcap file header at byte offset 0 \(need 24 bytes, 20 left\)$/);
  });

  const blockCases: Array<[string, (b: Buffer, at: ReturnType<typeof pcapng>['at']) => void, RegExp, number]> = [
    ['length not a multiple of 4', (b, at) => b.writeUInt32LE(83, at.epb2 + 4),
      /enhanced packet block length 83 is not a multiple of 4 at byte offset 176$/, 1],
    ['length below 12', (b, at) => b.writeUInt32LE(8, at.epb1 + 4),
      /enhanced packet block length 8 is below the minimum 32 at byte offset 92$/, 0],
    ['EPB length below its fixed fields', (b, at) => b.writeUInt32LE(28, at.epb1 + 4),
      /enhanced packet block length 28 is below the minimum 32 at byte offset 92$/, 0],
    ['unknown block length below 12', (b, at) => { b.writeUInt32LE(0x0bad, at.epb1); b.writeUInt32LE(8, at.epb1 + 4); },
      /block type 0x00000bad length 8 is below the minimum 12 at byte offset 92$/, 0],
    ['length above 64 MiB', (b, at) => b.writeUInt32LE(0x4000004, at.epb1 + 4),
      /enhanced packet block length 67108868 exceeds the maximum 67108864 \(64 MiB\) at byte offset 92$/, 0],
    ['trailing length differs', (b, at) => b.writeUInt32LE(88, at.epb2 + 80),
      /enhanced packet block trailing length 88 differs from its length 84 at byte offset 252$/, 1],
    ['interface id out of range', (b, at) => b.writeUInt32LE(1, at.epb2 + 8),
      /enhanced packet block refers to interface 1 but section 1 declares 1 interface at byte offset 180$/, 1],
    ['captured length beyond the block', (b, at) => b.writeUInt32LE(53, at.epb1 + 20),
      /enhanced packet block captured length 53 exceeds its block data space 52 at byte offset 108$/, 0],
    ['bad byte-order magic', (b) => b.writeUInt32LE(0x1a2b3c4e, 8),
      /section header block has bad byte-order magic 0x4e3c2b1a at byte offset 8$/, 0],
    ['unsupported version', (b) => b.writeUInt16LE(2, 12),
      /unsupported pcapng version 2\.0 \(expected 1\.x\) at byte offset 12$/, 0],
    ['IDB option overrunning the block', (b, at) => b.writeUInt16LE(200, at.idb + 18),
      /interface description block option 2 length 200 overruns the block at byte offset 72$/, 0],
  ];
  for (const [name, corrupt, message, packets] of blockCases) {
    it(`rejects a pcapng ${name}`, async () => {
      const { bytes, at } = pcapng();
      corrupt(bytes, at);
      await expectError(`${name.replace(/\W+/g, '-')}.pcapng`, bytes, message, packets);
    });
  }

  it('rejects a simple packet block in a section without interfaces', async () => {
    const bytes = new PcapNgWriter().addSimplePacket(frame).toBuffer();
    await expectError('spb.pcapng', bytes,
      /simple packet block refers to interface 0 but section 1 declares 0 interfaces at byte offset 56$/);
  });

  it('rejects an interface id of a previous section', async () => {
    const w = new PcapNgWriter();
    w.addInterface({ linkType: 1 });
    w.addSection({ bigEndian: true }).addEnhancedPacket(0, frame);
    await expectError('section.pcapng', w.toBuffer(), /refers to interface 0 but section 2 declares 0 interfaces/);
  });

  it('reports a truncated block with what it needs and what is left', async () => {
    const { bytes, at } = pcapng();
    await expectError('cut.pcapng', bytes.subarray(0, at.epb2 + 50),
      /cut\.pcapng: truncated block at byte offset 172 \(need 84 bytes, 50 left\)$/, 1);
  });
});
