/**
 * What the live page costs per flush at a million pairs, without root: the pairs capture
 * (test/support/pairs-capture.ts, bench/run.ts's defaults) read through a Pipeline with the page
 * on (no browser connected: the page closes a slot per second of wall time by itself, as under
 * live capture), every flush's page work timed (the drain listeners the page registers).
 *
 *   node bench/live-page-cost.ts [--file F] [--root DIR] [--web off] [--passes N]
 *
 * Prints, per pass of the file: packets, CPU seconds per Mpkt of the whole read, and the page's
 * drain CPU time (this thread's: sum, per flush p50, p99, max) with the entries the drained tables
 * held. Run it with node's --max-semi-space-size=2, as ./otelacct runs. `--root`
 * runs another checkout's src (an A/B against main: same script, same file). `--file` is
 * generated when absent (1M pairs, 2M packets, seed 1).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writePairsCapture } from '../test/support/pairs-capture.ts';

const { values } = parseArgs({
  options: {
    file: { type: 'string', default: '/tmp/otelacct-live-page-cost.pcap' },
    root: { type: 'string', default: resolve(import.meta.dirname, '..') },
    web: { type: 'string', default: 'on' },
    passes: { type: 'string', default: '3' },
  },
});

const file = values.file;
if (!existsSync(file)) {
  writePairsCapture({ file, packets: 2_000_000, pairs: 1_000_000, seed: 1, hosts: 4096, ipv6Share: 0.2, vlanShare: 0.1, scanShare: 0.1 });
}
const root = values.root;
const { loadConfig } = await import(join(root, 'src/config/load.ts'));
const { Logger } = await import(join(root, 'src/log.ts'));
const { Pipeline } = await import(join(root, 'src/pipeline.ts'));
const { TrafficMetrics } = await import(join(root, 'src/export/traffic-metrics.ts'));

// Time every drain listener (the page's) by wrapping it as it registers.
const times: number[] = [];
let entries = 0;
type Listener = (aggregation: number, table: { size: number }) => void;
const register = TrafficMetrics.prototype.onDrain as (this: unknown, l: Listener) => void;
TrafficMetrics.prototype.onDrain = function (this: unknown, l: Listener) {
  register.call(this, (aggregation, table) => {
    // CPU time of this thread (wall time would count the time other processes took the core).
    const t0 = process.threadCpuUsage();
    l(aggregation, table);
    const t = process.threadCpuUsage(t0);
    times.push((t.user + t.system) / 1000);
    entries += table.size;
  });
};

const args = ['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', ...(values.web === 'off' ? ['--no-web'] : [])];
const { config } = loadConfig(args, {});
const pipeline = new Pipeline(config, new Logger('error', () => {}), { outputReader: false, env: {} });
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
for (let pass = 1; pass <= Number(values.passes); pass++) {
  times.length = 0;
  entries = 0;
  const cpu0 = process.cpuUsage();
  const p0 = pipeline.accountant.totalPackets;
  const t0 = performance.now();
  await pipeline.readFile(file);
  await pipeline.traffic.flush();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  const packets = pipeline.accountant.totalPackets - p0;
  const sorted = [...times].sort((a, b) => a - b);
  const sum = times.reduce((a, b) => a + b, 0);
  console.log(`${root} web ${values.web} pass ${pass}: ${packets} packets, wall ${wall.toFixed(2)} s, CPU ${(cpu / (packets / 1e6)).toFixed(3)} s/Mpkt; ` +
    `page drain CPU ${sum.toFixed(0)} ms in ${times.length} drains of ${entries} entries (${((sum * 1e6) / Math.max(1, entries)).toFixed(0)} ns/entry): ` +
    `p50 ${q(sorted, 0.5).toFixed(1)} ms, p99 ${q(sorted, 0.99).toFixed(1)} ms, max ${q(sorted, 1).toFixed(1)} ms`);
}

process.exit(0);
