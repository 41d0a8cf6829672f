/**
 * Basic-auth flood benchmark (issue 12, A3): serves /metrics with one bcrypt user (cost 10),
 * floods it from another process with wrong passwords (64 concurrent clients on 64 loopback
 * addresses, half a known user, half unknown ones) for --seconds, and meanwhile scrapes with the
 * right credentials every 500 ms. Prints how long a wrong password takes for a known and an
 * unknown user (before the flood), the scrape latencies, a first login's latency and status,
 * the event-loop delay and utilization of the serving process, and the attackers' answers.
 *
 *   node bench/basic-auth-flood.ts [--seconds 20] [--clients 64]
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { createMetricsServer, type Exposition, listen } from '../src/export/http-server.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, clients: { type: 'string', default: '64' } } });
const seconds = Number(values.seconds);

function get(port: number, user: string, password: string, localAddress = '127.0.0.1'): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', localAddress,
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } }, (res) => {
      res.resume().on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end();
  });
}

/** A one-line exposition: what is served does not matter here. */
const EXPOSITION: Exposition = async (write) => {
  await write('otelacct_up 1\n');
};

const ATTACKERS = `
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
const [port, clients] = process.argv.slice(1).map(Number);
const counts = {};
let stop = false;
process.on('SIGINT', () => { stop = true; setTimeout(() => { console.log(JSON.stringify(counts)); process.exit(0); }, 100); });
const once = (i) => new Promise((resolve) => {
  const auth = Buffer.from((i % 2 ? 'user' + i : 'prom') + ':' + randomBytes(6).toString('hex')).toString('base64');
  const req = request({ host: '127.0.0.1', port, path: '/', localAddress: '127.0.1.' + (i + 1), headers: { authorization: 'Basic ' + auth } },
    (res) => res.resume().on('end', () => resolve(res.statusCode)));
  req.on('error', () => resolve(0));
  req.end();
});
for (let i = 0; i < clients; i++) (async () => {
  while (!stop) {
    const status = await once(i);
    counts[status] = (counts[status] ?? 0) + 1;
  }
})();
`;

const users = new Map([['prom', bcrypt.hashSync('s3cret', 10)], ['ops', bcrypt.hashSync('0ps', 10)]]);
const server = createMetricsServer(EXPOSITION, '/metrics', { web: { users } });
const port = await listen(server, '127.0.0.1', 0);
const first = await get(port, 'prom', 's3cret');
console.log(`node ${process.version}: bcrypt cost 10, first check ${first.ms.toFixed(0)} ms (status ${first.status}); flooding for ${seconds} s with ${values.clients} clients`);
// Known and unknown users, one wrong password at a time (each from its own address: no throttle).
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const wrong: Record<string, number[]> = { known: [], unknown: [] };
for (let i = 0; i < 9; i++) {
  wrong.known.push((await get(port, 'prom', `bad${i}`, `127.0.3.${i + 1}`)).ms);
  wrong.unknown.push((await get(port, `nobody${i}`, `bad${i}`, `127.0.4.${i + 1}`)).ms);
}
console.log(`a wrong password: known user median ${median(wrong.known).toFixed(0)} ms, unknown user median ${median(wrong.unknown).toFixed(0)} ms`);

const attackers = spawn(process.execPath, ['--input-type=module', '-e', ATTACKERS, String(port), values.clients], { stdio: ['ignore', 'pipe', 'inherit'] });
let answers = '';
attackers.stdout.setEncoding('utf8').on('data', (d: string) => (answers += d));
const done = new Promise((resolve) => attackers.once('close', resolve));
const delay = monitorEventLoopDelay({ resolution: 10 });
await new Promise((r) => setTimeout(r, 1000));
delay.enable();
const elu0 = performance.eventLoopUtilization();
const scrapes: number[] = [];
const end = performance.now() + seconds * 1000;
let fresh: { status: number; ms: number } | undefined;
while (performance.now() < end) {
  const r = await get(port, 'prom', 's3cret');
  scrapes.push(r.status === 200 ? r.ms : Infinity);
  if (fresh === undefined && scrapes.length === 4) fresh = await get(port, 'ops', '0ps', '127.0.2.1');
  await new Promise((r) => setTimeout(r, 500));
}
const elu = performance.eventLoopUtilization(elu0).utilization;
delay.disable();
attackers.kill('SIGINT');
await done;
server.closeAllConnections();
server.close();
const sorted = scrapes.slice().sort((a, b) => a - b);
const ms = (ns: number): string => (ns / 1e6).toFixed(1);
console.log(`scrapes with remembered credentials: ${scrapes.length}, median ${sorted[sorted.length >> 1].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
console.log(`first login of another user from another address: status ${fresh?.status} in ${fresh?.ms.toFixed(0)} ms`);
console.log(`event-loop delay: p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms; utilization ${elu.toFixed(2)}`);
console.log(`attackers' answers: ${answers.trim()}`);
