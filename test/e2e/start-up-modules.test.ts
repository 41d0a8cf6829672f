import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { runOtelacct } from '../support/run-otelacct.ts';

// Start-up time: `otelacct --read F` loads only what reading a file and printing its counters
// needs; the modules of features that are off (flow listeners, the live page, the HTTP server,
// OTLP, live capture and its addon, the networks-file worker) are loaded where their feature is
// configured (Pipeline.create, serve, startLive). This checks the modules a run loads, not its time.

const tmp = new TempDir();
after(() => tmp.dispose());
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const HOOK = fileURLToPath(new URL('../support/loaded-modules-hook.ts', import.meta.url));

/** src/ paths (relative) and packages / built-ins a plain --read must not load. */
const FEATURE_MODULES: ReadonlyArray<[string, RegExp]> = [
  ['the live page', /^src\/web\//],
  // flow-sink.ts and interface-names.ts hold types and tables the accountant and the exporter share.
  ['the flow collector', /^src\/flow\/(?!flow-sink\.ts$|interface-names\.ts$)/],
  ['the flow self-telemetry', /^src\/export\/flow-telemetry\.ts$/],
  ['the HTTP server', /^src\/export\/(http-server|web-config|basic-auth|bcrypt-verifier|connection-limit)\.ts$/],
  ['OTLP', /^src\/export\/otlp-(reader|push)\.ts$|\/node_modules\/@opentelemetry\/(exporter-metrics-otlp|otlp-)|\/node_modules\/@grpc\//],
  ['live capture', /^src\/capture\/live-capture\.ts$|\/node_modules\/cap\//],
  ['the networks-file worker', /^src\/account\/networks-(loader|worker)\.ts$/],
  ['node:dgram, node:dns, node:worker_threads', /^node:(dgram|dns|worker_threads)$/],
  // An ESM import of node:http (@opentelemetry/exporter-prometheus's ESM build) evaluates its
  // lazy WebSocket getters: undici, http2, tls, zlib... (src/export/otel-packages.ts).
  ['undici', /^node:internal\/deps\/undici\/undici$/],
  ['an ESM build of an OpenTelemetry package', /\/node_modules\/@opentelemetry\/.*\.mjs$/],
];

/** The modules `otelacct args...` loads: src files relative to the checkout, other file URLs and node:built-ins as they are. */
async function loadedModules(args: string[], name: string): Promise<string[]> {
  const list = join(tmp.path, name);
  const r = await runOtelacct(args, { nodeFlags: ['--import', HOOK], env: { LOADED_MODULES_FILE: list } });
  assert.equal(r.code, 0, r.stderr);
  // A built-in imported from ESM is listed twice: by the load hook and by moduleLoadList.
  return [...new Set(readFileSync(list, 'utf8').split('\n').filter((l) => l !== '')
    .map((u) => (u.startsWith('file://') && fileURLToPath(u).startsWith(SRC) ? `src/${fileURLToPath(u).slice(SRC.length)}` : u)))];
}

function loadedFeatures(modules: string[]): string[] {
  return FEATURE_MODULES.flatMap(([feature, re]) => modules.filter((m) => re.test(m)).map((m) => `${feature}: ${m}`));
}

const empty = tmp.write('empty.pcap', new PcapWriter({ linkType: 1 }).toBuffer());

test('--read to stdout loads no module of a feature that is off', async () => {
  const modules = await loadedModules(['--read', empty], 'read.txt');
  assert.ok(modules.includes('src/capture/pcap-reader.ts') && modules.includes('src/export/series-lines.ts'), `the hook saw the read path: ${modules.length} modules`);
  assert.deepEqual(loadedFeatures(modules), []);
});

test('a feature that is on is loaded (the check above can see one)', async () => {
  const networks = tmp.write('networks.lst', Buffer.from('10.0.0.0/8 ten\n'));
  const modules = await loadedModules(['--read', empty, '--networks-file', networks], 'read-networks.txt');
  assert.deepEqual(loadedFeatures(modules), ['the networks-file worker: src/account/networks-loader.ts', 'node:dgram, node:dns, node:worker_threads: node:worker_threads']);
});
