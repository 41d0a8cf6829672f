/**
 * Per-pair exactness at cardinality: a generated capture of 200,000 distinct address pairs
 * (IPv4 and IPv6, VLANs, address scans; test/support/pairs-capture.ts) read with a cardinality
 * limit that keeps every pair (the pairs plus the overflow series) must give every pair its own
 * series with exactly the generator's bytes and packets, and nothing in the overflow series.
 * Timing targets at this scale are checked by `npm run bench` (pairs-* scenarios), not here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { comparePairSeries, readPairSeries } from '../support/pair-series.ts';
import { writePairsCapture, type PairsTruth } from '../support/pairs-capture.ts';
import { TempDir } from '../support/read-capture.ts';
import { CLI } from '../support/run-otelacct.ts';

const PAIRS = 200_000;
const PACKETS = 300_000;

const tmp = new TempDir();
after(() => tmp.dispose());

const options = { pairs: PAIRS, packets: PACKETS, seed: 11, hosts: 2048, ipv6Share: 0.3, vlanShare: 0.1, scanShare: 0.1 };

/** Runs otelacct with stdout into `out`; resolves with its exit code and stderr. */
function runToFile(args: string[], out: string): Promise<{ code: number | null; stderr: string }> {
  const fd = openSync(out, 'w');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && !k.startsWith('OTELACCT_')) env[k] = v;
  const child = spawn(process.execPath, ['--max-semi-space-size=2', CLI, ...args], { env, stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

let truth: PairsTruth;

/** deploy/otelacct.yaml's accounting.localNetworks. */
function shippedLocalNetworks(): BlockList {
  const yaml = readFileSync(new URL('../../deploy/otelacct.yaml', import.meta.url), 'utf8');
  const list = /^\s*localNetworks: \[(.*)\]/m.exec(yaml)?.[1].split(',').map((x) => x.trim()) ?? [];
  assert.ok(list.length > 0, 'deploy/otelacct.yaml has localNetworks');
  const nets = new BlockList();
  for (const cidr of list) {
    const [net, len] = cidr.split('/');
    nets.addSubnet(net, Number(len), net.includes(':') ? 'ipv6' : 'ipv4');
  }
  return nets;
}

test('the generated capture has the pairs asked for, and its plan maps each pair back to its index', () => {
  truth = writePairsCapture({ ...options, file: join(tmp.path, 'pairs.pcap') });
  assert.equal(truth.distinct, PAIRS);
  let packets = 0;
  for (const p of truth.packets) packets += p;
  assert.equal(packets, PACKETS);
  let scans = 0;
  const local = shippedLocalNetworks();
  const isLocal = (a: string) => local.check(a, a.includes(':') ? 'ipv6' : 'ipv4');
  for (let i = 0; i < PAIRS; i++) {
    const [src, dst] = truth.plan.text(i).split(',');
    assert.equal(truth.plan.indexOf(src, dst), i, `pair ${i} ${src},${dst}`);
    // The billing bench relies on it: one side of every pair is in the shipped local networks.
    assert.equal(Number(isLocal(src)) + Number(isLocal(dst)), 1, `pair ${i} ${src},${dst}: exactly one side local`);
    if (truth.plan.isScan(i)) scans++;
  }
  assert.ok(scans > 0 && scans < PAIRS / 2, `${scans} scan pairs`);
  assert.equal(truth.plan.indexOf('10.0.0.1', '11.0.0.1'), -1);
});

test('otelacct --read keeps 200,000 pairs apart, each byte- and packet-exact', async () => {
  const out = join(tmp.path, 'pairs.prom');
  const run = await runToFile(['--read', join(tmp.path, 'pairs.pcap'), '--cardinality-limit', String(PAIRS + 1)], out);
  assert.equal(run.code, 0, run.stderr);
  const got = await readPairSeries(out, truth.plan);
  const c = comparePairSeries(got, truth, true);
  assert.deepEqual(c.problems, [], `${c.problemCount} problems`);
  assert.equal(c.kept, PAIRS);
  assert.equal(c.keptExact, PAIRS);
  assert.equal(c.split, 0);
  assert.equal(got.series, PAIRS, 'one series per pair, no overflow series');
  assert.ok(c.totalsExact && c.overflowExact);

  // The checker itself: one byte off in the truth is one problem.
  truth.bytes[PAIRS - 1] += 1;
  const off = comparePairSeries(got, truth, true);
  truth.bytes[PAIRS - 1] -= 1;
  assert.equal(off.problemCount, 1);
});
