/**
 * Long fuzz run (the short one is test/fuzz/fuzz.test.ts, in `npm test`):
 *
 *   node bench/fuzz.ts [--frames 1000000] [--seed 1] [--files N] [--cli-files 40] [--mixed-frames 300000]
 *
 * 1. `--frames` generated frames of every link type, mostly mutated, straight into
 *    Accountant.packet() (two accountants, six aggregations each), with every invariant checked
 *    (test/fuzz/direct-fuzz.ts). Prints frames/s and the counts per decode status, link layer,
 *    encapsulation and mutation.
 * 2. `--files` random pcap / pcapng files (default frames / 100), half damaged, through
 *    readCaptureFile (test/fuzz/file-fuzz.ts); `--cli-files` of them also through
 *    `otelacct --read --output json`, compared with the in-process read.
 * 3. A `--mixed-frames` pcapng mixing every link type, in process and through the CLI.
 *
 * Progress on stderr, a markdown report on stdout; exit status 1 at the first broken invariant
 * (the message names the seed, the frame or file and its bytes).
 */
import { parseArgs } from 'node:util';
import { DECODE_STATUS_NAMES } from '../src/decode/decode-result.ts';
import { TempDir } from '../test/support/read-capture.ts';
import { checkMixedFile } from '../test/fuzz/big-file.ts';
import { BuiltFrame, FEATURE_NAMES } from '../test/fuzz/built-frame.ts';
import { checkCli, writeCliConfig } from '../test/fuzz/cli-fuzz.ts';
import { DirectFuzz } from '../test/fuzz/direct-fuzz.ts';
import { FuzzAccounting } from '../test/fuzz/fuzz-accounting.ts';
import { CORRUPTION_NAMES, FileFuzz } from '../test/fuzz/file-fuzz.ts';
import { FrameGenerator, LINK_SHAPES } from '../test/fuzz/frame-generator.ts';
import { FuzzFrame, MUTATION_NAMES, Mutator } from '../test/fuzz/mutator.ts';
import { Prng } from '../test/support/prng.ts';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    files: { type: 'string' },
    'cli-files': { type: 'string', default: '40' },
    'mixed-frames': { type: 'string', default: '300000' },
  },
});

function count(name: keyof typeof values, fallback?: number): number {
  const raw = values[name] ?? fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`fuzz: --${name} must be a non-negative integer, got "${String(raw)}"`);
  return v;
}

const frames = count('frames');
const seed = count('seed');
const files = count('files', Math.ceil(frames / 100));
const cliFiles = Math.min(count('cli-files'), files);
const mixedFrames = count('mixed-frames');
const out: string[] = [];
const progress = (text: string) => process.stderr.write(`fuzz: ${text}\n`);

function table(title: string, names: readonly string[], counts: readonly number[], total: number, unit = 'frames'): void {
  out.push('', `| ${title} | ${unit} | share |`, '| --- | ---: | ---: |');
  names.forEach((n, i) => out.push(`| ${n} | ${counts[i]} | ${(100 * counts[i] / total).toFixed(2)} % |`));
}

/** Frames/s of the generator and mutator alone, to tell what the decoder and accountant cost. */
function generatorRate(n: number): number {
  const rng = new Prng(seed);
  const gen = new FrameGenerator(rng);
  const mut = new Mutator(rng);
  const f = new BuiltFrame();
  const ff = new FuzzFrame();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    gen.build(f);
    mut.mutate(f, ff);
  }
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Frames/s of Accountant.packet() alone (decode + six aggregations) over `n` pre-generated fuzz
 * frames (the same mix: 30 % valid, the rest mutated), best of three passes.
 */
function accountantRate(n: number): number {
  const rng = new Prng(seed + 2);
  const gen = new FrameGenerator(rng);
  const mut = new Mutator(rng);
  const f = new BuiltFrame();
  const ff = new FuzzFrame();
  const offsets = new Float64Array(n + 1);
  const caps = new Float64Array(n);
  const wires = new Float64Array(n);
  const links = new Float64Array(n);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    gen.build(f);
    mut.mutate(f, ff);
    chunks.push(ff.buf.slice(ff.offset, ff.offset + ff.capLen));
    offsets[i + 1] = offsets[i] + ff.capLen;
    caps[i] = ff.capLen;
    wires[i] = ff.wireLen;
    links[i] = ff.linkType;
  }
  const data = Buffer.concat(chunks);
  let best = 0;
  for (let pass = 0; pass < 3; pass++) {
    const a = new FuzzAccounting({ internalTraffic: 'both', samplingRate: 1, maxFlows: 1 << 17 }).t.accountant;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) a.packet(data, offsets[i], caps[i], wires[i], links[i], 0);
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  return best;
}

async function main(): Promise<void> {
  out.push(`# otelacct fuzz, seed ${seed}`, '', `node ${process.version}, ${new Date().toISOString()}`);

  const direct = new DirectFuzz(seed, { attributesEvery: 8 });
  const t0 = performance.now();
  for (let done = 0; done < frames;) {
    const n = Math.min(100_000, frames - done);
    direct.step(n);
    done += n;
    progress(`${done} frames`);
  }
  direct.finish();
  const seconds = (performance.now() - t0) / 1000;
  const c = direct.counts;
  const gen = generatorRate(Math.min(frames, 200_000));
  const acc = accountantRate(Math.min(frames, 100_000));
  out.push('', `## Frames into Accountant.packet()`, '',
    `${c.frames} frames in ${seconds.toFixed(1)} s: **${Math.round(c.frames / seconds)} frames/s** (generate + mutate + decode + two accountants + checks; ` +
    `generate + mutate alone: ${Math.round(gen)} frames/s; Accountant.packet() alone on the same mix, six aggregations: ${Math.round(acc)} frames/s). ` +
    `${c.validChecked} valid frames compared field by field, sums checked at ${c.flushes} flushes. Exceptions: 0.`);
  table('decode status', DECODE_STATUS_NAMES, c.byStatus, c.frames);
  table('link layer generated', LINK_SHAPES.map((s) => `${s.name} (${s.linkType})`), c.byShape, c.frames);
  table('encapsulation generated', FEATURE_NAMES, c.byFeature, c.frames);
  table('mutation (a frame may carry 1–3)', MUTATION_NAMES, c.byMutation, c.frames);

  const dir = new TempDir();
  try {
    const fileFuzz = new FileFuzz(seed + 1, dir.path);
    const config = writeCliConfig(dir.path);
    const t1 = performance.now();
    let cliRuns = 0;
    for (let i = 0; i < files; i++) {
      const { path, label, read } = await fileFuzz.one();
      if (i < cliFiles) {
        await checkCli(path, config, read, label);
        cliRuns++;
      }
      if ((i + 1) % 1000 === 0) progress(`${i + 1} files`);
    }
    const fc = fileFuzz.counts;
    out.push('', '## Capture files (readCaptureFile; the first ones also through `otelacct --read`)', '',
      `${fc.files} files (${fc.byFormat.pcap} pcap, ${fc.byFormat.pcapng} pcapng) holding ${fc.packets} packets read in ${((performance.now() - t1) / 1000).toFixed(1)} s; ` +
      `${fc.resolved} read to the end, ${fc.files - fc.resolved} stopped with a one-line CaptureFileError; ${cliRuns} also through the CLI. Other exceptions: 0.`);
    table('damage', CORRUPTION_NAMES, fc.byCorruption, fc.files, 'files');
    out.push('', '| CaptureFileError (numbers as N) | files |', '| --- | ---: |');
    for (const [kind, n] of [...fc.errors].sort((a, b) => b[1] - a[1])) out.push(`| ${kind} | ${n} |`);

    if (mixedFrames > 0) {
      const t2 = performance.now();
      await checkMixedFile(dir.path, mixedFrames, seed, config);
      out.push('', `## Mixed capture`, '', `${mixedFrames} frames over ${LINK_SHAPES.length + 1} interfaces (every link type, half mutated) read in process and by ` +
        `\`otelacct --read\`: same frames, decode errors and bytes per aggregation (${((performance.now() - t2) / 1000).toFixed(1)} s).`);
    }
  } finally {
    dir.dispose();
  }
  process.stdout.write(out.join('\n') + '\n');
}

try {
  await main();
} catch (err) {
  process.stdout.write(out.join('\n') + '\n');
  process.stderr.write(`fuzz: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
