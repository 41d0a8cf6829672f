import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { VethNamespace } from '../support/netns.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { skipUnless } from '../support/requirements.ts';
import { startOtelacct } from '../support/run-otelacct.ts';
import { launchChromium } from './browser.ts';

/** The health badges as the page shows them: class and text of each. */
const badges = (page: import('playwright-core').Page) =>
  page.evaluate<Array<{ level: string; text: string }>>(`[...document.querySelectorAll('#health li')].map((li) => ({ level: li.className, text: li.textContent.trim() }))`);

test('live page: an interface that goes down turns the health area red, and back when it returns', async (t) => {
  if (!skipUnless(t, { tools: ['ip', 'chromium'], root: true })) return;
  const net = new VethNamespace(8);
  t.after(() => net.dispose());
  net.disableIPv6();
  const otelacct = startOtelacct(['-i', net.hostIf, '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const metricsUrl = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  const base = metricsUrl.replace(/\/metrics$/, '/');
  await log.line(/"capturing"/);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(base);
  const down = (b: Array<{ level: string; text: string }>) => b.find((x) => x.text.includes('Interface down'));
  await waitFor('the health badges', async () => ((await badges(page)).length > 0 ? true : undefined), 10_000);
  assert.equal(down(await badges(page)), undefined, 'no interface is down yet');

  execFileSync('ip', ['link', 'set', net.hostIf, 'down']);
  const bad = await waitFor('a red "Interface down" badge', async () => down(await badges(page)), 10_000);
  assert.equal(bad.level, 'bad');
  // The whole health area turns red, and the interface is listed as down where it is metered.
  assert.match((await page.locator('#health-area').getAttribute('class'))!, /\bbad-area\b/);
  assert.equal(await page.locator(`#sources li[data-source="${net.hostIf}"]`).getAttribute('class'), 'bad');
  assert.match(await page.locator(`#sources li[data-source="${net.hostIf}"]`).innerText(), /down$/);
  assert.match(bad.text, new RegExp(`Interface down: ${net.hostIf}$`));
  const snapshot = (await (await fetch(`${base}api/snapshot`)).json()) as { health: { interfacesDown: string[] } };
  assert.deepEqual(snapshot.health.interfacesDown, [net.hostIf]);
  assert.deepEqual((snapshot.health as unknown as { sources: unknown[] }).sources, [{ kind: 'interface', name: net.hostIf, up: false }]);

  execFileSync('ip', ['link', 'set', net.hostIf, 'up']);
  await waitFor('the badge gone once the interface is back', async () => (down(await badges(page)) === undefined ? true : undefined), 15_000);
  assert.doesNotMatch((await page.locator('#health-area').getAttribute('class')) ?? '', /bad-area/);
  assert.equal(await page.locator(`#sources li[data-source="${net.hostIf}"]`).getAttribute('class'), 'ok');
});
