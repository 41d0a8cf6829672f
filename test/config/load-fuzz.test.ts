/**
 * The config loader on generated files: wrong types in every section and key, nested nulls,
 * lists where maps go and maps where values go, combined with flags and environment variables
 * that set keys inside those sections. Every outcome must be a configuration or a ConfigError of
 * one clean line per problem: never another exception, never convict's internal wording.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { schema } from '../../src/config/schema.ts';
import { TempDir } from '../support/read-capture.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALARS: unknown[] = [null, 0, 5, -1, 1.5, 1e300, '', 'x', 'eth0', 'a\nb', true, false, '10.0.0.0/8', 'source.address'];

function value(rand: () => number, depth: number, keys: string[]): unknown {
  const r = rand();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  if (depth >= 3 || r < 0.5) return pick(SCALARS);
  if (r < 0.75) return Array.from({ length: Math.floor(rand() * 3) }, () => value(rand, depth + 1, keys));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 3); i >= 0; i--) out[rand() < 0.7 && keys.length > 0 ? pick(keys) : pick(['a', 'name', 'dimensions', 'ipv4'])] = value(rand, depth + 1, keys);
  return out;
}

/** A document that is right in most places and wrong in a few. */
function document(rand: () => number): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  const sections = Object.keys(schema);
  for (const section of sections) {
    if (rand() < 0.5) continue;
    const node = (schema as Record<string, Record<string, unknown>>)[section];
    const keys = 'doc' in node ? ['name', 'dimensions', 'cardinalityLimit', 'prefixLength', 'idleTimeout'] : Object.keys(node);
    if (rand() < 0.15) {
      doc[section] = value(rand, 1, keys);
      continue;
    }
    const sec: Record<string, unknown> = {};
    for (const key of keys) {
      if (rand() < 0.6) continue;
      const leaf = node[key] as Record<string, unknown> | undefined;
      if (leaf !== undefined && !('doc' in leaf) && rand() < 0.8) {
        // A subsection (flow.sflow, flow.netflow): its keys, mostly right.
        const sub: Record<string, unknown> = {};
        for (const [k, l] of Object.entries(leaf)) if (rand() < 0.5) sub[k] = rand() < 0.8 ? (l as { default?: unknown }).default : value(rand, 3, []);
        sec[key] = sub;
        continue;
      }
      sec[key] = rand() < 0.6 && leaf?.default !== undefined ? leaf.default : value(rand, 2, ['a', 'b', 'ipv4']);
    }
    doc[section] = 'doc' in node ? [sec] : sec;
  }
  if (rand() < 0.1) doc.bogus = value(rand, 1, []);
  return doc;
}

const FLAG_SETS = [[], ['-i', 'lo'], ['--read', 'x.pcap', '--snaplen', '100'], ['--no-prometheus', '--prometheus-path', '/m'], ['--local-network', '10.0.0.0/8', '--otlp-interval', '1000']];
const ENV_SETS: NodeJS.ProcessEnv[] = [{}, { OTELACCT_CAPTURE_FILTER: 'ip' }, { OTELACCT_LOG_LEVEL: 'debug', OTELACCT_EXPORT_OUTPUT: 'json' }, { OTEL_METRIC_EXPORT_TIMEOUT: '500' }];

test('generated config files give a configuration or one clean line per problem, never another error', () => {
  const rand = prng(12);
  const path = join(tmp.path, 'fuzz.yaml');
  let loaded = 0;
  let refused = 0;
  for (let i = 0; i < 600; i++) {
    const doc = document(rand);
    writeFileSync(path, JSON.stringify(doc)); // JSON is YAML
    const argv = ['-c', path, ...FLAG_SETS[i % FLAG_SETS.length]];
    const env = ENV_SETS[i % ENV_SETS.length];
    try {
      loadConfig(argv, env);
      loaded++;
    } catch (err) {
      assert.ok(err instanceof ConfigError, `case ${i} ${JSON.stringify(doc)} ${argv.join(' ')}: ${(err as Error).stack}`);
      refused++;
      for (const line of err.message.split('\n')) {
        assert.ok(line.trim() !== '', `case ${i}: empty line in ${JSON.stringify(err.message)}`);
        assert.doesNotMatch(line, /did you override its parent|cannot load \(|TypeError|^\s+at /, `case ${i} ${JSON.stringify(doc)}: ${line}`);
      }
    }
  }
  assert.ok(loaded > 5 && refused > 300, `both outcomes exercised (loaded ${loaded}, refused ${refused})`);
});

test('a section that is not a map is one line naming the section, also when a flag sets a key in it', () => {
  const path = join(tmp.path, 'scalar.yaml');
  for (const [text, want] of [
    ['capture: 5\n', 'capture=5: must be a map of keys (interfaces, filter, bufferSize, snaplen, read)'],
    ['capture: null\n', 'capture=null: must be a map of keys'],
    ['otlp: [a]\n', 'otlp=["a"]: must be a map of keys'],
    ['prometheus:\n  host: {a: 1}\n', 'prometheus.host={"a":1}: must be a string, not a map'],
    ["aggregations: {a: 1}\n", 'aggregations={"a":1}: must be a list'],
    ["prometheus:\n  enabled: \"no\"\n", 'prometheus.enabled="no": must be true or false, not a string'],
    ["capture:\n  interfaces: eth0,eth1\n", 'capture.interfaces="eth0,eth1": must be a list, not a string'],
  ] as const) {
    writeFileSync(path, text);
    for (const argv of [['-c', path], ['-c', path, '-i', 'lo', '--read', 'x.pcap']]) {
      let message = '';
      try {
        loadConfig(argv, { OTELACCT_PROMETHEUS_PORT: '1' });
      } catch (err) {
        assert.ok(err instanceof ConfigError, String((err as Error).stack));
        message = err.message;
      }
      assert.equal(message.split('\n').length, 1, message);
      assert.ok(message.startsWith(want), `${text}: ${message}`);
    }
  }
});
