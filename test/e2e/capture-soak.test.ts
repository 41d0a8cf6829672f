// Soak: many SIGHUP reloads that change capture settings, and interface down/up cycles, on a
// real otelacct process with traffic between them. Closed captures used to be freed by the
// garbage collector and crash the process (issue 12, A1). Counts must stay exact throughout.
//
// CI runs a short soak; the full one from the issue (1,000 reloads, 200 down/up cycles):
//   OTELACCT_SOAK_RELOADS=1000 OTELACCT_SOAK_FLAPS=200 node --test test/e2e/capture-soak.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VethNamespace } from '../support/netns.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const RELOADS = Number(process.env.OTELACCT_SOAK_RELOADS ?? 100);
const FLAPS = Number(process.env.OTELACCT_SOAK_FLAPS ?? 4);
/** A burst of traffic, checked to be counted exactly, every this many reloads. */
const CHECK_EVERY = 10;

const tmp = new TempDir();
after(() => tmp.dispose());

async function sendUdp(host: string, count: number, size: number): Promise<void> {
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(size, 7);
  for (let i = 0; i < count; i++) await new Promise<void>((r, j) => sock.send(payload, 9, host, (e) => (e ? j(e) : r())));
  await new Promise<void>((r) => sock.close(() => r()));
}

function noIPv6(net: VethNamespace): void {
  writeFileSync(`/proc/sys/net/ipv6/conf/${net.hostIf}/disable_ipv6`, '1');
  execFileSync('ip', ['netns', 'exec', net.ns, 'sh', '-c', `echo 1 > /proc/sys/net/ipv6/conf/${net.peerIf}/disable_ipv6`]);
}

test(`${RELOADS} reloads changing filter/interfaces/buffer and ${FLAPS} down/up cycles under traffic: no crash, counted + dropped = sent`, async (t) => {
  if (!skipUnless(t, { tools: ['ip'], root: true })) return;
  const a = new VethNamespace(7);
  const b = new VethNamespace(8);
  t.after(() => { a.dispose(); b.dispose(); });
  noIPv6(a);
  noIPv6(b);
  const config = join(tmp.path, 'otelacct.yaml');
  const write = (i: number) => writeFileSync(config, [
    'capture:',
    `  interfaces: [${i % 3 === 1 ? `${a.hostIf}, ${b.hostIf}` : a.hostIf}]`,
    `  filter: "${i % 2 === 0 ? 'ip' : 'ip or ip6'}"`,
    `  bufferSize: ${i % 5 === 2 ? 4 << 20 : 2 << 20}`,
    'accounting:', '  dimensions: [destination.address]',
    'prometheus:', '  host: 127.0.0.1', '  port: 0',
  ].join('\n') + '\n');
  write(0);
  // Frequent incremental GCs (a V8 testing flag) free closed captures soon after they close,
  // where an ordinary run may take minutes to collect them: the crash this guards against
  // showed up in every run with it.
  const child = startOtelacct(['-c', config], {}, ['--stress-incremental-marking']);
  const log = new OutputWatch(child);
  t.after(() => stop(child, 'SIGKILL'));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);
  const scrape = async () => parseExposition(await (await fetch(url)).text());
  const counted = async () => {
    const m = await scrape();
    const packets = sumBy(m, 'otelacct_traffic_packets_total', ['destination_address']).get(a.peerAddr) ?? 0;
    const dropped = [...sumBy(m, 'otelacct_capture_dropped_total', []).values()].reduce((x, y) => x + y, 0);
    return packets + dropped;
  };
  const alive = () => assert.equal(child.exitCode ?? child.signalCode, null, `otelacct died; log tail: ${log.text.slice(-1500)}`);

  const occurrences = (s: string) => log.text.split(s).length - 1;
  let sent = 0;
  const burst = async (what: string) => {
    await sendUdp(a.peerAddr, 20, 200);
    sent += 20;
    await waitFor(`${what}: ${sent} packets counted`, async () => {
      alive();
      return (await counted()) === sent ? true : undefined;
    }, 10_000, 50);
  };

  await burst('start');
  let seen = 0;
  for (let i = 1; i <= RELOADS; i++) {
    write(i);
    child.kill('SIGHUP');
    // Each reload logs one "configuration reloaded" line; wait for this one before the next.
    await waitFor(`reload ${i}`, () => {
      alive();
      return occurrences('"configuration reloaded"') > seen ? true : undefined;
    }, 10_000, 5);
    seen++;
    if (i % CHECK_EVERY === 0) await burst(`after reload ${i}`);
  }
  assert.doesNotMatch(log.text, /kept the previous setting/);

  for (let i = 1; i <= FLAPS; i++) {
    execFileSync('ip', ['link', 'set', a.hostIf, 'down']);
    await waitFor(`down ${i} noticed`, () => {
      alive();
      return occurrences('"reason":"went down"') >= i ? true : undefined;
    }, 10_000, 20);
    execFileSync('ip', ['link', 'set', a.hostIf, 'up']);
    execFileSync('ip', ['addr', 'replace', `${a.hostAddr}/30`, 'dev', a.hostIf]);
    await waitFor(`capturing again after down/up ${i}`, () => {
      alive();
      return occurrences('"interface back; capturing again"') >= i ? true : undefined;
    }, 10_000, 20);
    await burst(`after down/up ${i}`);
  }
  alive();
  assert.equal(await stop(child, 'SIGTERM'), 0);
  t.diagnostic(`sent ${sent} packets over ${RELOADS} reloads and ${FLAPS} down/up cycles; counted + dropped = sent`);
});
