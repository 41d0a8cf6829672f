import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { startOtelacct } from '../support/run-otelacct.ts';

/** A UDP port free on 127.0.0.1 now. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

test('SIGHUP while otelacct is still loading (before the pipeline exists) does not end it: the requests become one reload once it runs', async (t) => {
  const port = await freeUdpPort();
  // NODE_DEBUG=module logs each package Node loads: the first one (convict, yaml, the SDK) is
  // loaded by main.ts's imports, i.e. after src/cli.ts began and long before the pipeline exists.
  const child = startOtelacct(['--netflow', '--netflow-host', '127.0.0.1', '--netflow-port', String(port),
    '--prometheus-host', '127.0.0.1', '--prometheus-port', '0'], { NODE_DEBUG: 'module' });
  t.after(() => stop(child, 'SIGKILL'));
  const log = new OutputWatch(child);
  let sent = 0;
  child.stderr!.on('data', function early() {
    if (!/^MODULE \d+: .*node_modules\//m.test(log.text)) return;
    child.stderr!.off('data', early);
    for (; sent < 3; sent++) child.kill('SIGHUP');
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`otelacct ended (code ${code}, signal ${signal}): ${log.text.slice(-1000)}`))));
  exited.catch(() => {});
  await Promise.race([Promise.all([log.line(/"configuration reloaded"/, 60_000), log.line(/"collecting flows"/, 60_000)]), exited]);
  assert.equal(sent, 3);
  // Requests dispatched before main.ts's handler are one reload; one dispatched after it (the
  // event loop hands signals over late while modules load) is a reload of its own.
  let reloads = 0;
  await waitFor('reloads to settle', async () => {
    const before = count(log.text, /"configuration reloaded"/);
    await new Promise((r) => setTimeout(r, 300));
    reloads = count(log.text, /"configuration reloaded"/);
    return reloads === before ? true : undefined;
  }, 20_000, 0);
  assert.ok(reloads >= 1 && reloads <= 3, `${reloads} reloads for 3 early requests`);
  assert.deepEqual([child.exitCode, child.signalCode], [null, null], 'still running');

  // Once running, a SIGHUP is one reload, as ever (the early hold is gone: not two).
  child.kill('SIGHUP');
  await waitFor('one more reload', () => (count(log.text, /"configuration reloaded"/) > reloads ? true : undefined), 20_000, 20);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(count(log.text, /"configuration reloaded"/), reloads + 1);
  assert.equal(await stop(child), 0);
});
