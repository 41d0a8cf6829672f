import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger, REPEAT_WINDOW_MS } from '../src/log.ts';

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
