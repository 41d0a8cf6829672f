import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile, type CaptureFileStats } from '../../src/capture/capture-file.ts';
import { InterfaceRegistry } from '../../src/capture/interface-registry.ts';
import { type RecordedPacket, RecordingSink } from './recording-sink.ts';

/** What reading one capture file produced, whether or not it failed. */
export interface ReadOutcome {
  /** Packets delivered to the sink, bytes copied. */
  packets: RecordedPacket[];
  /** Interface name of each delivered packet. */
  names: string[];
  /** Resolved value of readCaptureFile, if it resolved. */
  stats: CaptureFileStats | undefined;
  /** What it rejected with, if it rejected. */
  error: unknown;
  /** How often onChunk was awaited. */
  chunks: number;
  /** Packets delivered at each onChunk call. */
  packetsAtChunk: number[];
}

/** A temporary directory, removed by `dispose()` (use with `after()`). */
export class TempDir {
  /** Absolute path of the directory. */
  readonly path = mkdtempSync(join(tmpdir(), 'otelacct-test-'));

  /** Writes `bytes` to `name` in the directory and returns its path. */
  write(name: string, bytes: Uint8Array): string {
    const path = join(this.path, name);
    writeFileSync(path, bytes);
    return path;
  }

  /** Removes the directory and everything in it. */
  dispose(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Reads `path` with a RecordingSink and a fresh (or the given) registry; never rejects. */
export async function readCapture(path: string, options: { chunkSize?: number; registry?: InterfaceRegistry } = {},
): Promise<ReadOutcome> {
  const sink = new RecordingSink();
  const registry = options.registry ?? new InterfaceRegistry();
  const packetsAtChunk: number[] = [];
  let stats: CaptureFileStats | undefined;
  let error: unknown;
  try {
    stats = await readCaptureFile(path, sink, registry, {
      chunkSize: options.chunkSize,
      onChunk: async () => {
        packetsAtChunk.push(sink.packets.length);
        await Promise.resolve();
      },
    });
  } catch (err) {
    error = err;
  }
  const names = sink.packets.map((p) => registry.name(p.interfaceIndex));
  return { packets: sink.packets, names, stats, error, chunks: packetsAtChunk.length, packetsAtChunk };
}

/** A packet the test expects, as written. */
export interface ExpectedPacket {
  frame: Uint8Array;
  /** Captured length (default: the frame's length). */
  capturedLength?: number;
  /** Wire length (default: the frame's length). */
  wireLength?: number;
  linkType: number;
  name: string;
}

/** The delivered packets in a form `assert.deepStrictEqual` compares with `expectedSummary`. */
export function summary(outcome: ReadOutcome): object[] {
  return outcome.packets.map((p, i) => ({
    bytes: Buffer.from(p.data).toString('hex'),
    capturedLength: p.capturedLength,
    wireLength: p.wireLength,
    linkType: p.linkType,
    name: outcome.names[i],
  }));
}

/** `expected` in the form produced by `summary`. */
export function expectedSummary(expected: ExpectedPacket[]): object[] {
  return expected.map((e) => {
    const capturedLength = e.capturedLength ?? e.frame.length;
    return {
      bytes: Buffer.from(e.frame.subarray(0, capturedLength)).toString('hex'),
      capturedLength,
      wireLength: e.wireLength ?? e.frame.length,
      linkType: e.linkType,
      name: e.name,
    };
  });
}
