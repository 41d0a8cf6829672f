/**
 * The CLI side of the file fuzzer: `otelacct --read FILE --output json` with a configuration
 * equal to the fuzzed accountants' (the same aggregations, local networks, networks file and
 * ports roll-up), compared with what the same file gave in process. The run must end with exit 0
 * and nothing on stderr, or exit 1 and exactly the in-process CaptureFileError as its one stderr
 * line; the JSON it prints must count the same frames, decode errors and bytes of every
 * aggregation (what was counted before the damage is still printed).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DECODE_STATUS_NAMES } from '../../src/decode/decode-result.ts';
import { LOCAL_DIMENSIONS } from '../../src/config/dimensions.ts';
import { ATTR_ERROR_TYPE } from '../../src/export/semconv.ts';
import { runOtelacct } from '../support/run-otelacct.ts';
import { FUZZ_AGGREGATIONS, FUZZ_LOCAL, FUZZ_NAMED, FUZZ_PORTS, FuzzFailure } from './fuzz-accounting.ts';

/** What reading a file in process gave: the error (if any) and the counts of that file alone. */
export interface InProcessRead {
  error: string | undefined;
  frames: number;
  bytes: number;
  internalBytes: number;
  packets: number;
  /** Decode errors per DecodeStatus. */
  decodeErrors: number[];
}

interface JsonDoc { metrics: { name: string; dataPoints: { attributes: Record<string, unknown>; value: number }[] }[] }

/** Writes the CLI configuration (and its networks file) into `dir`; returns the config path. */
export function writeCliConfig(dir: string): string {
  const networks = join(dir, 'networks.lst');
  writeFileSync(networks, `! fuzz networks\n${FUZZ_NAMED.map(([c, n]) => `${c} ${n}`).join('\n')}\n`);
  const config = join(dir, 'otelacct.json');
  writeFileSync(config, JSON.stringify({
    accounting: { localNetworks: FUZZ_LOCAL, networksFile: networks, ports: FUZZ_PORTS, internalTraffic: 'both' },
    aggregations: FUZZ_AGGREGATIONS,
    // Room for every key of the files: the comparison is key by key, and overflow would log.
    export: { cardinalityLimit: 1_000_000 },
  }));
  return config;
}

/** Runs the CLI on `path` and compares with `expected`; throws FuzzFailure on a difference. */
export async function checkCli(path: string, config: string, expected: InProcessRead, label: string): Promise<void> {
  const r = await runOtelacct(['--read', path, '--output', 'json', '--config', config], { timeoutMs: 60_000 });
  const want = expected.error === undefined ? '' : `otelacct: ${expected.error}\n`;
  if (r.code !== (expected.error === undefined ? 0 : 1) || r.signal !== null || r.stderr !== want) {
    throw new FuzzFailure(`${label}: otelacct --read exited ${r.code ?? r.signal} with stderr ${JSON.stringify(r.stderr.slice(0, 2000))}, expected exit ${expected.error === undefined ? 0 : 1} and ${JSON.stringify(want)}`);
  }
  let doc: JsonDoc;
  try {
    doc = JSON.parse(r.stdout) as JsonDoc;
  } catch (err) {
    throw new FuzzFailure(`${label}: --output json printed no JSON (${(err as Error).message}): ${r.stdout.slice(0, 200)}`);
  }
  const points = (name: string) => doc.metrics.find((m) => m.name === name)?.dataPoints ?? [];
  const sum = (name: string) => points(name).reduce((a, p) => a + p.value, 0);
  const problems: string[] = [];
  const expect = (what: string, got: number, wanted: number) => {
    if (got !== wanted) problems.push(`${what} ${got}, in process ${wanted}`);
  };
  expect('otelacct.capture.packets', sum('otelacct.capture.packets'), expected.frames);
  for (const p of points('otelacct.decode.errors')) {
    expect(`decode errors ${String(p.attributes[ATTR_ERROR_TYPE])}`, p.value, expected.decodeErrors[DECODE_STATUS_NAMES.indexOf(String(p.attributes[ATTR_ERROR_TYPE]))]);
  }
  for (const agg of FUZZ_AGGREGATIONS) {
    const local = agg.dimensions.some((d) => LOCAL_DIMENSIONS.includes(d));
    expect(`otelacct.${agg.name}.bytes`, sum(`otelacct.${agg.name}.bytes`), expected.bytes + (local ? expected.internalBytes : 0));
    if (!local) expect(`otelacct.${agg.name}.packets`, sum(`otelacct.${agg.name}.packets`), expected.packets);
  }
  if (problems.length > 0) throw new FuzzFailure(`${label}: otelacct --read output differs: ${problems.join('; ')}`);
}
