import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger, REPEAT_WINDOW_MS, redactSecrets } from '../src/log.ts';

test('JSON lines with level filtering; repeating() problems are held back and counted; plain lines never are', () => {
  const lines: Array<Record<string, unknown>> = [];
  let now = 1_000_000;
  const log = new Logger('info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>), () => now);
  log.debug('hidden');
  log.info('started', { port: 9464 });
  for (let i = 0; i < 50; i++) { log.repeating('warn', 'otlp export failed', { error: `e${i}` }); now += 1000; }
  log.error('other problem');
  log.error('other problem');
  now += REPEAT_WINDOW_MS;
  log.repeating('warn', 'otlp export failed', { error: 'again' });
  assert.deepEqual(lines.map((l) => [l.level, l.msg, l.repeated]), [
    ['info', 'started', undefined],
    ['warn', 'otlp export failed', undefined],
    ['error', 'other problem', undefined],
    ['error', 'other problem', undefined],
    ['warn', 'otlp export failed', 49],
  ]);
  assert.equal(lines[0].port, 9464);
  assert.match(String(lines[0].time), /^\d{4}-\d\d-\d\dT/);
});

test('URL credentials never reach a log line: user information and secret-looking query parameters become ***', () => {
  assert.equal(redactSecrets('http://user:pa55@collector:4318/v1/metrics'), 'http://***@collector:4318/v1/metrics');
  assert.equal(redactSecrets('https://tok@h/x?api_key=abc&x=1&access_token=zz#f'), 'https://***@h/x?api_key=***&x=1&access_token=***#f');
  assert.equal(redactSecrets('plain a@b.c text, http://host/path?q=1'), 'plain a@b.c text, http://host/path?q=1');
  const lines: string[] = [];
  const log = new Logger('info', (l) => lines.push(l), () => 0);
  log.warn('otlp export failed', { endpoint: 'http://u:secret@c:4318/v1/metrics?token=t0k', error: 'connect ECONNREFUSED for http://u:secret@c:4318/' });
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0], /secret|t0k/);
  assert.deepEqual(JSON.parse(lines[0]), { time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'otlp export failed',
    endpoint: 'http://***@c:4318/v1/metrics?token=***', error: 'connect ECONNREFUSED for http://***@c:4318/' });
});
