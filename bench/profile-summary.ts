/**
 * Prints where a V8 CPU profile (`node --cpu-prof`, a .cpuprofile JSON file) spent its time:
 * the top functions by self time, and self time per source file.
 *
 *   node bench/profile-summary.ts FILE.cpuprofile [--top N]
 *
 * Self time of a function = the sampling intervals (timeDeltas) whose sample landed in it.
 * Functions are identified by name, file and line; paths are shown relative to the repository.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One line of the summary: a function or a file, its self time in ms and share of the total. */
export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function shortUrl(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** Self time per function and per file of a parsed profile, largest first. */
export function summarize(profile: CpuProfile): { total: number; functions: SelfTime[]; files: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time from sample i - 1 to sample i; as in Chrome DevTools, sample i
    // lasts until the next one (the last sample gets no time).
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`;
    const name = `${functionName || '(anonymous)'}${where === '' ? '' : ` ${where}`}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const f = url === '' ? functionName : shortUrl(url);
    file.set(f, (file.get(f) ?? 0) + us);
    total += us;
  }
  const list = (m: Map<string, number>): SelfTime[] =>
    [...m].map(([name, us]) => ({ name, ms: us / 1000, share: total === 0 ? 0 : us / total })).sort((a, b) => b.ms - a.ms);
  return { total: total / 1000, functions: list(fn), files: list(file) };
}

/** Reads and summarizes a .cpuprofile file. */
export function summarizeFile(path: string): ReturnType<typeof summarize> {
  return summarize(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
}

/** The summary as markdown tables (top `top` functions, then files). */
export function formatSummary(s: ReturnType<typeof summarize>, top: number): string {
  const rows = (xs: SelfTime[]) => xs.slice(0, top).map((x) => `| ${x.ms.toFixed(0)} | ${(x.share * 100).toFixed(1)} % | \`${x.name}\` |`);
  return [
    `Sampled time: ${s.total.toFixed(0)} ms.`, '',
    '| self ms | share | function |', '| ---: | ---: | --- |', ...rows(s.functions), '',
    '| self ms | share | file |', '| ---: | ---: | --- |', ...rows(s.files), '',
  ].join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
  if (positionals.length !== 1) throw new Error('usage: node bench/profile-summary.ts FILE.cpuprofile [--top N]');
  process.stdout.write(formatSummary(summarizeFile(positionals[0]), Number(values.top)));
}

if (import.meta.main) main();
