/**
 * How long otelacct's JS thread is blocked while it captures the ~1M-pair replay live (root): an
 * A/B of checkouts, interleaved, on the same veth and file (bench/live.ts captureOnce,
 * `tcpreplay --topspeed`). A preload records the event-loop delay (perf_hooks
 * monitorEventLoopDelay, 10 ms resolution) from just before the replay until it is over and
 * otelacct idle: its maximum is the longest the loop was busy at once (capture callbacks, which
 * take a ring block at a time, and flushes with the page's drains), and (mean − 10 ms) × samples /
 * seconds the time per second the loop was busy beyond its 10 ms timer. The drain listeners (the
 * page's) are timed too: ms per second and the longest; and the garbage collector's pauses.
 *
 *   node bench/live-page-loop.ts [--roots DIR,DIR] [--runs N] [--web on|off] [--file F] [--extra="FLAGS"]
 *
 * Prints per run and checkout: packets lost (kernel drops), CPU s per Mpkt, loop delay max, p99,
 * and blocked ms per second.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VethNamespace } from '../test/support/netns.ts';
import { writePairsCapture } from '../test/support/pairs-capture.ts';
import { captureOnce } from './live.ts';
import { prepareTools } from './tools.ts';

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: resolve(import.meta.dirname, '..') },
    runs: { type: 'string', default: '2' },
    web: { type: 'string', default: 'on' },
    file: { type: 'string', default: '/tmp/otelacct-live-page-cost.pcap' },
    /** More otelacct flags, space-separated (e.g. "--buffer-size 33554432"). */
    extra: { type: 'string', default: '' },
  },
});

const PRELOAD = `import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
// Garbage collection pauses: the longest, and the time per second.
const gc = { sum: 0, max: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.sum += e.duration;
    if (e.duration > gc.max) gc.max = e.duration;
  }
}).observe({ entryTypes: ['gc'] });
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
// The page's own share: every drain listener (the page's, when it is on) timed, wall clock.
const { TrafficMetrics } = await import(process.env.LOOP_ROOT + '/src/export/traffic-metrics.ts');
const drain = { sum: 0, max: 0, count: 0 };
const register = TrafficMetrics.prototype.onDrain;
TrafficMetrics.prototype.onDrain = function (l) {
  register.call(this, (i, t) => {
    const t0 = performance.now();
    l(i, t);
    const d = performance.now() - t0;
    drain.sum += d;
    drain.count++;
    if (d > drain.max) drain.max = d;
  });
};
let t0 = performance.now();
let signals = 0;
// First SIGUSR2 (just before the replay): start over; second (the replay is over): write the result.
process.on('SIGUSR2', () => {
  if (signals++ === 0) {
    h.reset();
    t0 = performance.now();
    drain.sum = drain.max = drain.count = 0;
    gc.sum = gc.max = 0;
    return;
  }
  h.disable();
  writeFileSync(process.env.LOOP_OUT, JSON.stringify({ max: h.max / 1e6, p99: h.percentile(99) / 1e6, mean: h.mean / 1e6, count: h.count, seconds: (performance.now() - t0) / 1000, drain, gc }));
});
`;

const dir = mkdtempSync(join(tmpdir(), 'otelacct-loop-'));
const file = values.file;
if (!existsSync(file)) {
  writePairsCapture({ file, packets: 2_000_000, pairs: 1_000_000, seed: 1, hosts: 4096, ipv6Share: 0.2, vlanShare: 0.1, scanShare: 0.1 });
}
const preload = join(dir, 'loop-delay.mjs');
writeFileSync(preload, PRELOAD);
const tools = prepareTools(dir);
const ns = new VethNamespace(11);
try {
  spawnSync('sysctl', ['-qw', `net.ipv6.conf.${ns.hostIf}.disable_ipv6=1`]);
  spawnSync('ip', ['netns', 'exec', ns.ns, 'sysctl', '-qw', `net.ipv6.conf.${ns.peerIf}.disable_ipv6=1`]);
  for (let run = 1; run <= Number(values.runs); run++) {
    for (const root of values.roots.split(',')) {
      const out = join(dir, 'loop.json');
      rmSync(out, { force: true });
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const r = await captureOnce(tools, 'otelacct', ns, file, dir, {
        args: ['--max-semi-space-size=2', '--import', preload, join(root, 'src/cli.ts')],
        extra: [...(values.web === 'off' ? ['--no-web'] : []), ...values.extra.split(' ').filter(Boolean)],
        env: { LOOP_OUT: out, LOOP_ROOT: root },
      }, { beforeReplay: (pid) => process.kill(pid, 'SIGUSR2'), afterReplay: (pid) => process.kill(pid, 'SIGUSR2') });
      const d = JSON.parse(readFileSync(out, 'utf8')) as { max: number; p99: number; mean: number; count: number; seconds: number; drain: { sum: number; max: number; count: number }; gc: { sum: number; max: number } };
      console.log(`run ${run} ${root} web ${values.web}${values.extra ? ` ${values.extra}` : ''} (load ${load}): lost ${r.sent - r.captured} of ${r.sent} (kernel drops ${r.kernelDrops}) ` +
        `at ${(r.sent / r.replaySeconds / 1e6).toFixed(2)} Mpps, CPU ${(r.cpu / (r.captured / 1e6)).toFixed(3)} s/Mpkt, ` +
        `loop delay max ${d.max.toFixed(0)} ms, p99 ${d.p99.toFixed(0)} ms, blocked ~${(((d.mean - 10) * d.count) / d.seconds).toFixed(0)} ms/s; page drains ${d.drain.count}: ${(d.drain.sum / d.seconds).toFixed(0)} ms/s, longest ${d.drain.max.toFixed(0)} ms; GC ${(d.gc.sum / d.seconds).toFixed(0)} ms/s, longest ${d.gc.max.toFixed(0)} ms`);
    }
  }
} finally {
  ns.dispose();
  rmSync(dir, { recursive: true, force: true });
}
