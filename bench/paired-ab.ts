/**
 * Compares two checkouts of otelacct on the steady state of one capture, in paired rounds:
 *
 *   node bench/paired-ab.ts <rounds> <checkout A> <checkout B> <pcap> [otelacct flags...]
 *
 * Each round runs A's and B's bench/warm-read.ts (3 reads: the median of reads 2 and 3, CPU s)
 * one after the other, in alternating order (A B, then B A), each pinned to CPU 0 when `taskset`
 * is there, and takes B's change against A in that round. The median of those changes is the
 * result: a phase in which the machine runs slow (on the bench machine its speed swings by up to
 * 2× within minutes) slows both halves of a round, where unpaired medians of a few runs moved by
 * more than the changes measured. Prints one line per round and a JSON summary:
 * `{"a":…, "b":…, "change":…, "changes":[…]}` (medians in CPU s, changes in %; negative: B is
 * faster). A checkout needs its dependencies (node_modules) and bench/warm-read.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median } from './measure.ts';

const [roundsArg, dirA, dirB, pcap, ...flags] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1 || dirA === undefined || dirB === undefined || pcap === undefined) {
  process.stderr.write('usage: node bench/paired-ab.ts <rounds ≥ 1> <checkout A> <checkout B> <pcap> [otelacct flags...]\n');
  process.exit(2);
}
for (const dir of [dirA, dirB]) {
  if (!existsSync(join(dir, 'bench/warm-read.ts'))) {
    process.stderr.write(`paired-ab: ${dir} has no bench/warm-read.ts (a checkout of otelacct from 2026-12-04 or later?)\n`);
    process.exit(2);
  }
}
const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Steady-state CPU s of one checkout: the median of warm-read's reads 2 and 3. */
function steady(dir: string): number {
  const args = ['--max-semi-space-size=2', resolve(dir, 'bench/warm-read.ts'), resolve(pcap), '3', ...flags];
  const r = pinned
    ? spawnSync('taskset', ['-c', '0', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`paired-ab: ${dir}: warm-read failed (exit ${r.status}): ${r.stderr.trim()}\n`);
    process.exit(1);
  }
  return median((JSON.parse(r.stdout) as { cpu: number[] }).cpu.slice(1));
}

const as: number[] = [];
const bs: number[] = [];
const changes: number[] = [];
for (let r = 0; r < rounds; r++) {
  let a: number;
  let b: number;
  if (r % 2 === 0) {
    a = steady(dirA);
    b = steady(dirB);
  } else {
    b = steady(dirB);
    a = steady(dirA);
  }
  as.push(a);
  bs.push(b);
  changes.push(((b - a) / a) * 100);
  process.stderr.write(`paired-ab: round ${r + 1}/${rounds}: A ${a.toFixed(3)} s, B ${b.toFixed(3)} s, ${changes[r] >= 0 ? '+' : ''}${changes[r].toFixed(1)} %${pinned ? '' : ' (not pinned: no taskset)'}\n`);
}
const round3 = (x: number) => Math.round(x * 1000) / 1000;
process.stdout.write(`${JSON.stringify({ a: round3(median(as)), b: round3(median(bs)), change: Math.round(median(changes) * 10) / 10, changes: changes.map((c) => Math.round(c * 10) / 10) })}\n`);
