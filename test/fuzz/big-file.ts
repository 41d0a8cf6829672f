/**
 * A large mixed capture for the CLI: a pcapng streamed to disk with one interface per generated
 * link layer (plus one otelacct does not decode), holding generated frames of which half are
 * mutated. Read in process and by `otelacct --read`, it drives the pipeline's flushes during the
 * read (flow tables filling), the cardinality limits and the overflow series, which the small
 * fuzz files never reach.
 */
import { join } from 'node:path';
import { readCaptureFile } from '../../src/capture/capture-file.ts';
import { CaptureFileError } from '../../src/capture/capture-file-error.ts';
import { PcapNgWriter } from '../support/pcap-writer.ts';
import { BuiltFrame } from './built-frame.ts';
import { checkCli, type InProcessRead } from './cli-fuzz.ts';
import { FrameGenerator, LINK_SHAPES } from './frame-generator.ts';
import { FuzzAccounting, FuzzFailure } from './fuzz-accounting.ts';
import { FuzzFrame, Mutator } from './mutator.ts';
import { Prng } from '../support/prng.ts';

/** LINKTYPE_IEEE802_11: an interface whose frames otelacct counts as unsupported. */
const UNDECODED_LINK_TYPE = 105;

/** Streams the mixed pcapng of `frames` frames to `path`. */
export function writeMixedFile(path: string, frames: number, seed: number): void {
  const rng = new Prng(seed);
  const gen = new FrameGenerator(rng);
  const mut = new Mutator(rng);
  mut.linkTypeMutations = false;
  mut.validShare = 0.5;
  const f = new BuiltFrame();
  const ff = new FuzzFrame();
  const w = new PcapNgWriter({ file: path });
  LINK_SHAPES.forEach((s) => w.addInterface({ linkType: s.linkType, name: s.name.replaceAll(' ', '-') }));
  const undecoded = w.addInterface({ linkType: UNDECODED_LINK_TYPE, name: 'wifi' });
  for (let i = 0; i < frames; i++) {
    gen.build(f);
    mut.mutate(f, ff);
    const id = rng.chance(0.02) ? undecoded : f.shape;
    w.addEnhancedPacket(id, ff.buf.subarray(ff.offset, ff.offset + ff.capLen), { wireLength: ff.wireLen >>> 0 });
  }
  w.close();
}

/**
 * Writes the mixed file into `dir`, reads it in process and with the CLI (config from
 * writeCliConfig), and checks that both agree and that the in-process sums hold.
 * @returns the frames read
 */
export async function checkMixedFile(dir: string, frames: number, seed: number, config: string): Promise<number> {
  const path = join(dir, 'mixed.pcapng');
  writeMixedFile(path, frames, seed);
  const fa = new FuzzAccounting({ internalTraffic: 'both', samplingRate: 1, maxFlows: 1 << 15 });
  const a = fa.t.accountant;
  let read = 0;
  const label = `mixed file of ${frames} frames, seed ${seed}`;
  try {
    const stats = await readCaptureFile(path, a, fa.t.interfaces, {
      onChunk: () => {
        read = a.framesByInterface.reduce((x, y) => x + y, 0);
        if (fa.filling()) fa.checkAndFlush(read, label, false);
      },
    });
    read = stats.packets;
  } catch (err) {
    throw new FuzzFailure(`${label}: reading it in process failed: ${err instanceof CaptureFileError ? err.message : String(err)}`);
  }
  if (read !== frames) throw new FuzzFailure(`${label}: ${read} frames read`);
  fa.checkAndFlush(read, label, true);
  const expected: InProcessRead = {
    error: undefined, frames: read, bytes: a.totalBytes, internalBytes: a.internalBytes, packets: a.totalPackets,
    decodeErrors: [...a.decodeErrors],
  };
  await checkCli(path, config, expected, label);
  return read;
}
