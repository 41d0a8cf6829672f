/**
 * Survey: `otelacct --read` over every capture file of a directory (for instance a checkout's
 * `../shared/pcaps/tcpdump-tests`, or tcpdump's own `tests/`), each run twice — `--output none`
 * with the default configuration, and `--output json` with a configuration that turns on every
 * accounting path (several aggregations, local networks, a networks file, a port roll-up).
 *
 *   node bench/fuzz-survey.ts DIR_OR_FILE... [--timeout-ms 30000] [--jobs 2] [--details]
 *
 * A run is OK when it exits 0 with nothing on stderr; a CLEAR ERROR when it exits 1 with exactly
 * one stderr line `otelacct: <file>: ...`; anything else (another exit status, a signal, a
 * timeout, more lines, a stack trace, "internal error", JSON output that does not parse or whose
 * aggregations disagree with each other) is a PROBLEM. Prints a markdown summary on stdout (with
 * --details also one row per file) and exits 1 when there is a problem. The directory is an
 * argument on purpose: the project's tests never depend on these files.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCaptureFile } from '../src/capture/capture-file.ts';
import type { PacketSink } from '../src/capture/packet-sink.ts';
import { InterfaceRegistry } from '../src/capture/interface-registry.ts';
import { decodePacket } from '../src/decode/decode-packet.ts';
import { DECODE_STATUS_COUNT, DECODE_STATUS_NAMES, DecodeResult } from '../src/decode/decode-result.ts';
import { CLI, cleanEnv } from './otelacct-output.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'timeout-ms': { type: 'string', default: '30000' },
    jobs: { type: 'string', default: '2' },
    details: { type: 'boolean', default: false },
  },
});

/** Aggregations of the `--output json` run: pair, local/remote, networks, prefixes, ports. */
export const SURVEY_CONFIG = {
  accounting: {
    localNetworks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '128.0.0.0/2', '2001:db8::/32', 'fe80::/10', 'fc00::/7'],
    ports: [22, 53, 80, 123, 443, 500, 4500],
    internalTraffic: 'both',
  },
  aggregations: [
    { name: 'traffic', dimensions: ['source.address', 'destination.address', 'network.type', 'network.transport', 'network.interface.name', 'otelacct.vlan.id'] },
    { name: 'ports', dimensions: ['source.port', 'destination.port', 'network.transport'] },
    { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction', 'otelacct.local.port', 'otelacct.remote.port'] },
    { name: 'site', dimensions: ['otelacct.local.network', 'otelacct.remote.network', 'network.io.direction'] },
    { name: 'peers', dimensions: ['otelacct.remote.prefix', 'network.io.direction'], prefixLength: { ipv4: 24, ipv6: 48 } },
    { name: 'nets', dimensions: ['otelacct.source.prefix', 'otelacct.destination.network'], prefixLength: { ipv4: 16, ipv6: 32 } },
  ],
};

/** Networks file of the `--output json` run: both line syntaxes, IPv4 and IPv6. */
export const SURVEY_NETWORKS = [
  '! pmacct comment',
  '# otelacct comment',
  '10.0.0.0/8 lan-10',
  '192.168.0.0/16 lan-192',
  '65500,172.16.0.0/12',
  'CustID#1,,,128.0.0.0/4',
  '2001:db8::/32 doc6',
  'fe80::/10 link-local',
  '0.0.0.0/1 low-half',
  '',
].join('\n');

/** Outcome class of one run. */
export type Verdict = 'ok' | 'error' | 'problem';

/** One run of the CLI over one file. */
export interface RunRecord {
  file: string;
  mode: 'none' | 'json';
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  ms: number;
  stderr: string;
  verdict: Verdict;
  why: string;
  /** Packets otelacct counted (json mode, when the output parsed). */
  packets?: number;
}

function runCli(args: string[], timeoutMs: number): Promise<Omit<RunRecord, 'file' | 'mode' | 'verdict' | 'why'> & { stdout: string }> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/** Classifies a finished run (exit status, stderr shape). */
export function classify(r: { code: number | null; signal: string | null; timedOut: boolean; stderr: string }): { verdict: Verdict; why: string } {
  if (r.timedOut) return { verdict: 'problem', why: 'timed out' };
  if (r.signal !== null) return { verdict: 'problem', why: `killed by ${r.signal}` };
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  if (/internal error|\n\s+at /.test(r.stderr)) return { verdict: 'problem', why: 'stack trace / internal error' };
  if (r.code === 0) return lines.length === 0 ? { verdict: 'ok', why: '' } : { verdict: 'problem', why: `exit 0 with ${lines.length} stderr lines` };
  if (r.code === 1 && lines.length === 1 && lines[0].startsWith('otelacct: ')) return { verdict: 'error', why: lines[0] };
  return { verdict: 'problem', why: `exit ${r.code} with ${lines.length} stderr lines` };
}

interface JsonPoint { attributes: Record<string, unknown>; value: number }

/**
 * Checks the JSON output: every aggregation's bytes sum to the same total (local/remote ones may
 * add internal bytes a second time, so they are only checked to be ≥ the pair total), and
 * capture packets = traffic packets + decode errors. Returns a problem or undefined, and the
 * packets counted.
 */
export function checkJson(stdout: string): { problem?: string; packets?: number } {
  let doc: { metrics: { name: string; dataPoints: JsonPoint[] }[] };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch (err) {
    return { problem: `output is not JSON (${(err as Error).message})` };
  }
  const sum = (name: string) => doc.metrics.find((m) => m.name === name)?.dataPoints.reduce((a, p) => a + p.value, 0) ?? 0;
  const pairBytes = ['traffic', 'ports', 'nets'].map((a) => sum(`otelacct.${a}.bytes`));
  const localBytes = ['host', 'site', 'peers'].map((a) => sum(`otelacct.${a}.bytes`));
  if (new Set(pairBytes).size !== 1) return { problem: `pair aggregations disagree on bytes: ${pairBytes.join(', ')}` };
  if (new Set(localBytes).size !== 1) return { problem: `local aggregations disagree on bytes: ${localBytes.join(', ')}` };
  if (localBytes[0] < pairBytes[0]) return { problem: `local bytes ${localBytes[0]} < pair bytes ${pairBytes[0]}` };
  const packets = sum('otelacct.traffic.packets');
  const frames = sum('otelacct.capture.packets');
  const errors = sum('otelacct.decode.errors');
  if (frames !== packets + errors) return { problem: `capture packets ${frames} ≠ accounted ${packets} + decode errors ${errors}`, packets };
  return { packets };
}

async function surveyFile(path: string, configPath: string, timeoutMs: number): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (const mode of ['none', 'json'] as const) {
    const args = mode === 'none' ? ['--read', path, '--output', 'none'] : ['--read', path, '--output', 'json', '--config', configPath];
    const r = await runCli(args, timeoutMs);
    let { verdict, why } = classify(r);
    let packets: number | undefined;
    if (mode === 'json' && verdict !== 'problem') {
      const checked = checkJson(r.stdout);
      packets = checked.packets;
      if (checked.problem !== undefined) {
        verdict = 'problem';
        why = checked.problem;
      }
    }
    out.push({ file: path, mode, code: r.code, signal: r.signal, timedOut: r.timedOut, ms: r.ms, stderr: r.stderr, verdict, why, packets });
  }
  return out;
}

/** Frames per link type and per decode status, over every file (read in this process). */
class CensusSink implements PacketSink {
  readonly byLinkType = new Map<number, number>();
  readonly filesByLinkType = new Map<number, Set<string>>();
  readonly byStatus = new Float64Array(DECODE_STATUS_COUNT);
  readonly #out = new DecodeResult();
  file = '';

  packet(data: Uint8Array, offset: number, capturedLength: number, wireLength: number, linkType: number): void {
    this.byLinkType.set(linkType, (this.byLinkType.get(linkType) ?? 0) + 1);
    let files = this.filesByLinkType.get(linkType);
    if (files === undefined) this.filesByLinkType.set(linkType, (files = new Set()));
    files.add(this.file);
    this.byStatus[decodePacket(data, offset, capturedLength, wireLength, linkType, this.#out)]++;
  }
}

async function census(files: string[]): Promise<string[]> {
  const sink = new CensusSink();
  let failed = 0;
  for (const file of files) {
    sink.file = file;
    try {
      await readCaptureFile(file, sink, new InterfaceRegistry());
    } catch {
      failed++;
    }
  }
  const total = sink.byStatus.reduce((a, b) => a + b, 0);
  const lines = ['', `Census (readCaptureFile + decodePacket in one process): ${total} frames, ${failed} files ended with a CaptureFileError`, '',
    '| decode status | frames |', '| --- | ---: |'];
  sink.byStatus.forEach((n, i) => lines.push(`| ${DECODE_STATUS_NAMES[i]} | ${n} |`));
  lines.push('', '| link type | files | frames |', '| ---: | ---: | ---: |');
  for (const [lt, n] of [...sink.byLinkType].sort((a, b) => b[1] - a[1])) lines.push(`| ${lt} | ${sink.filesByLinkType.get(lt)?.size} | ${n} |`);
  return lines;
}

async function main(): Promise<number> {
  if (positionals.length === 0) {
    process.stderr.write('usage: node bench/fuzz-survey.ts DIR_OR_FILE... [--timeout-ms N] [--jobs N] [--details]\n');
    return 2;
  }
  const timeoutMs = Number(values['timeout-ms']);
  const jobs = Math.max(1, Number(values.jobs));
  const files = positionals.flatMap((p) => (statSync(p).isDirectory()
    ? readdirSync(p).filter((f) => /\.(pcap|pcapng|cap|dmp)$/i.test(f)).map((f) => join(p, f)) : [p]))
    .filter((p) => statSync(p).isFile()).sort();
  const tmp = mkdtempSync(join(tmpdir(), 'otelacct-survey-'));
  const configPath = join(tmp, 'otelacct.json');
  const networksPath = join(tmp, 'networks.lst');
  writeFileSync(networksPath, SURVEY_NETWORKS);
  writeFileSync(configPath, JSON.stringify({ ...SURVEY_CONFIG, accounting: { ...SURVEY_CONFIG.accounting, networksFile: networksPath } }));
  const records: RunRecord[] = [];
  let next = 0;
  const started = Date.now();
  try {
    await Promise.all(Array.from({ length: jobs }, async () => {
      while (next < files.length) {
        const file = files[next++];
        records.push(...await surveyFile(file, configPath, timeoutMs));
        if (records.length % 100 === 0) process.stderr.write(`survey: ${records.length / 2}/${files.length} files\n`);
      }
    }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  records.sort((a, b) => a.file.localeCompare(b.file) || a.mode.localeCompare(b.mode));
  printSummary(files.length, records, Date.now() - started, await census(files));
  return records.some((r) => r.verdict === 'problem') ? 1 : 0;
}

function printSummary(fileCount: number, records: RunRecord[], wallMs: number, censusLines: string[]): void {
  const lines: string[] = [];
  lines.push(`${fileCount} files, ${records.length} runs, ${(wallMs / 1000).toFixed(1)} s wall`, '');
  lines.push('| run | files | OK (exit 0, silent) | one-line error (exit 1) | problems | slowest |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const mode of ['none', 'json'] as const) {
    const rs = records.filter((r) => r.mode === mode);
    const n = (v: Verdict) => rs.filter((r) => r.verdict === v).length;
    const slow = rs.reduce((a, r) => (r.ms > a.ms ? r : a), rs[0]);
    const label = mode === 'none' ? '`--output none` (defaults)' : '`--output json` (6 aggregations)';
    lines.push(`| ${label} | ${rs.length} | ${n('ok')} | ${n('error')} | ${n('problem')} | ${slow ? `${Math.round(slow.ms)} ms` : '-'} |`);
  }
  const errors = new Map<string, number>();
  for (const r of records.filter((x) => x.mode === 'none' && x.verdict === 'error')) {
    const kind = r.why.replace(/^otelacct: [^:]*: /, '').replace(/\d+/g, 'N').replace(/ \(.*\)$/, '').replace(/"[^"]*"/g, '"…"');
    errors.set(kind, (errors.get(kind) ?? 0) + 1);
  }
  lines.push('', '| one-line error (numbers as N) | files |', '| --- | ---: |');
  for (const [kind, count] of [...errors].sort((a, b) => b[1] - a[1])) lines.push(`| ${kind} | ${count} |`);
  lines.push(...censusLines);
  const problems = records.filter((r) => r.verdict === 'problem');
  if (problems.length > 0) {
    lines.push('', 'Problems:');
    for (const p of problems) lines.push(`- ${p.file} (${p.mode}): ${p.why}\n  ${p.stderr.split('\n').slice(0, 6).join('\n  ')}`);
  }
  if (values.details) {
    lines.push('', '| file | run | exit | ms | packets | stderr |', '| --- | --- | ---: | ---: | ---: | --- |');
    for (const r of records) lines.push(`| ${r.file.split('/').pop()} | ${r.mode} | ${r.code ?? r.signal} | ${Math.round(r.ms)} | ${r.packets ?? ''} | ${r.why.replace(/\|/g, '\\|')} |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

process.exitCode = await main();
