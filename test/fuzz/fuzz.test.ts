/**
 * Short fuzz run for `npm test` (a few seconds): mutated and truncated frames of every link type
 * straight into Accountant.packet(), random damaged pcap / pcapng files through readCaptureFile,
 * and a few of those files plus a mixed capture through `otelacct --read`. The long run is
 * `node bench/fuzz.ts --frames 1000000 --seed N`. FUZZ_SEED=N replays another seed.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DECODE_STATUS_NAMES } from '../../src/decode/decode-result.ts';
import { TempDir } from '../support/read-capture.ts';
import { FEATURE_NAMES } from './built-frame.ts';
import { checkMixedFile } from './big-file.ts';
import { checkCli, writeCliConfig } from './cli-fuzz.ts';
import { DirectFuzz } from './direct-fuzz.ts';
import { CORRUPTION_NAMES, FileFuzz } from './file-fuzz.ts';
import { LINK_SHAPES } from './frame-generator.ts';
import { MUTATION_NAMES } from './mutator.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const dir = new TempDir();
after(() => dir.dispose());

/** Names of the entries of `counts` that are 0. */
function unreached(counts: readonly number[], names: readonly string[]): string[] {
  return names.filter((_, i) => counts[i] === 0);
}

describe(`fuzz (seed ${SEED})`, () => {
  it('150k mutated frames into the accountant: no exception, exact results for valid frames, sums and counts hold', () => {
    const fuzz = new DirectFuzz(SEED);
    fuzz.step(150_000);
    fuzz.finish();
    const c = fuzz.counts;
    assert.equal(c.frames, 150_000);
    assert.deepEqual(unreached(c.byStatus, DECODE_STATUS_NAMES), [], 'every decode status is reached');
    assert.deepEqual(unreached(c.byShape, LINK_SHAPES.map((s) => s.name)), [], 'every link layer is generated');
    assert.deepEqual(unreached(c.byFeature, FEATURE_NAMES), [], 'every encapsulation is generated');
    assert.deepEqual(unreached(c.byMutation, MUTATION_NAMES), [], 'every mutation is applied');
    assert.ok(c.validChecked > 30_000, `${c.validChecked} valid frames checked exactly`);
    assert.ok(c.flushes > 10, `${c.flushes} flushes checked`);
  });

  it('1500 random, partly damaged pcap and pcapng files: delivered as written up to the damage, one-line CaptureFileError after it', async () => {
    const fuzz = new FileFuzz(SEED, dir.path);
    for (let i = 0; i < 1500; i++) await fuzz.one();
    const c = fuzz.counts;
    assert.deepEqual(unreached(c.byCorruption, CORRUPTION_NAMES), [], 'every kind of damage is applied');
    assert.ok(c.byFormat.pcap > 500 && c.byFormat.pcapng > 500, JSON.stringify(c.byFormat));
    assert.ok(c.resolved > 600 && c.files - c.resolved > 300, `${c.resolved} of ${c.files} read to the end`);
    assert.ok(c.errors.size >= 10, `distinct errors: ${[...c.errors.keys()].join('; ')}`);
  });

  it('otelacct --read agrees with the in-process read on fuzzed files, clean and damaged', async () => {
    const fuzz = new FileFuzz(SEED + 1, dir.path);
    const config = writeCliConfig(dir.path);
    let clean = 0;
    let damaged = 0;
    for (let i = 0; i < 200 && (clean < 2 || damaged < 3); i++) {
      const { path, label, read } = await fuzz.one();
      if (read.error === undefined ? clean >= 2 : damaged >= 3) continue;
      await checkCli(path, config, read, label);
      if (read.error === undefined) clean++;
      else damaged++;
    }
    assert.deepEqual({ clean, damaged }, { clean: 2, damaged: 3 });
  });

  it('otelacct --read of a 20k-frame capture mixing every link type agrees with the in-process read', async () => {
    const config = writeCliConfig(dir.path);
    assert.equal(await checkMixedFile(dir.path, 20_000, SEED, config), 20_000);
  });
});
