import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PcapWriter } from '../support/pcap-writer.ts';
import { runOtelacct } from '../support/run-otelacct.ts';

/**
 * A module hook (node --import) that lists every module URL loaded, on stderr, when the process
 * exits: what `otelacct --read` pays for at start-up.
 */
const RECORD_LOADS = `data:text/javascript,${encodeURIComponent(`
import module from 'node:module';
const loaded = [];
module.registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(loaded) + '\\n'));
`)}`;

/** The OTLP exporters and their transports (gRPC, protobuf): ~0.1 s of loading. */
const OTLP_ONLY = ['otlp-reader.ts', '@grpc/grpc-js', 'exporter-metrics-otlp-', 'otlp-transformer', 'otlp-exporter-base'];
/** The YAML parser (72 modules): only for a config file or a web config file. */
const YAML = '/node_modules/yaml/';

async function loadedBy(args: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-lazy-'));
  try {
    const file = join(dir, 'empty.pcap');
    new PcapWriter({ linkType: 1 }).writeTo(file);
    const r = await runOtelacct(['--read', file, '--output', 'none', ...args], { nodeFlags: ['--import', RECORD_LOADS] });
    assert.equal(r.code, 0, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
    assert.ok(line, `no module list on stderr: ${r.stderr}`);
    return JSON.parse(line.slice('LOADED '.length)) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--read without an OTLP endpoint loads none of the OTLP exporters; with one, they are loaded', async () => {
  const off = await loadedBy([]);
  assert.ok(off.some((u) => u.includes('exporter-prometheus')), 'the hook saw the modules loaded');
  assert.deepEqual(off.filter((u) => OTLP_ONLY.some((m) => u.includes(m))), []);
  // Port 9 (discard) on loopback refuses: the final push fails fast, and is reported, not fatal.
  const on = await loadedBy(['--otlp-endpoint', 'http://127.0.0.1:9/v1/metrics', '--otlp-timeout', '2000']);
  assert.ok(on.some((u) => u.includes('otlp-reader.ts')) && on.some((u) => u.includes('exporter-metrics-otlp-proto')), 'OTLP on: its exporter is loaded');
});

test('--read without a config file loads no YAML parser; with one, it is loaded and the file applies', async () => {
  assert.deepEqual((await loadedBy([])).filter((u) => u.includes(YAML)), []);
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-lazy-'));
  try {
    const config = join(dir, 'otelacct.yaml');
    writeFileSync(config, 'export:\n  cardinalityLimit: 123\n');
    const r = await runOtelacct(['--config', config, '--print-config']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).export.cardinalityLimit, 123);
    assert.ok((await loadedBy(['--config', config])).some((u) => u.includes(YAML)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
