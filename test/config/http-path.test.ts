import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIVE_PAGE_PATHS } from '../../src/config/http-path.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';

function pathError(path: string): string | undefined {
  try {
    loadConfig(['--prometheus-path', path], {});
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
}

test('prometheus.path: a plain path outside the live page, or one line saying why not', () => {
  for (const good of ['/metrics', '/m', '/otel/metrics', '/metrics/', '/api', '/apix', '/assets', "/a-b_c.d~e!$&'()*+,;=:@"]) {
    assert.equal(pathError(good), undefined, good);
  }
  for (const [bad, why] of [
    ['metrics', /must start with "\/"$/],
    ['/metrics?x=1', /no query/],
    ['/metrics#x', /fragment/],
    ['/m etrics', /space/],
    ['/m%65trics', /%\)$/],
    ['/métrics', /plain URL path/],
    ['/a//b', /empty segments/],
    ['/a/../metrics', /"\." or "\.\." segments/],
    ['/', /is served by the live page/],
    ['/index.html', /is served by the live page/],
    ['/api/live', /is served by the live page/],
    ['/api/snapshot', /is served by the live page/],
    ['/assets/app.js', /is served by the live page/],
  ] as const) {
    const message = pathError(bad);
    assert.ok(message !== undefined, `${bad} accepted`);
    assert.equal(message.split('\n').length, 1);
    assert.ok(message.startsWith(`prometheus.path=${JSON.stringify(bad)}: `), message);
    assert.match(message, why);
  }
});

test('LIVE_PAGE_PATHS are the paths the live page answers, and the paths next to them are not', async (t) => {
  const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0'], {});
  const p = await Pipeline.create(config, new Logger('error', () => {}), { outputReader: false, env: {} });
  t.after(() => p.stop());
  const base = new URL((await p.serve())!).origin;
  const plain404 = async (path: string): Promise<boolean> => {
    const abort = new AbortController();
    const res = await fetch(base + path, { signal: abort.signal });
    const text = res.headers.get('content-type') === 'text/plain' ? await res.text() : '';
    abort.abort();
    return res.status === 404 && text === 'not found\n';
  };
  for (const path of LIVE_PAGE_PATHS) {
    const probe = path.endsWith('/') && path !== '/' ? `${path}app.js` : path; // an asset, or the API's own 404
    assert.equal(await plain404(probe), false, `${probe} is the live page's`);
  }
  for (const path of ['/api', '/assets', '/index.htm', '/x']) assert.equal(await plain404(path), true, `${path} is not the live page's`);
});
