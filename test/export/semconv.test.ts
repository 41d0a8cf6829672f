import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { buildResource } from '../../src/export/resource.ts';
import * as semconv from '../../src/export/semconv.ts';

const pkg = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };

test('the names copied from the development conventions equal /incubating of the installed package', () => {
  // Runtime code imports only the stable entry; these copies are checked here, so an upgrade of
  // @opentelemetry/semantic-conventions that renames one fails this test instead of a dashboard.
  const copied = [
    'ATTR_SOURCE_ADDRESS', 'ATTR_DESTINATION_ADDRESS', 'ATTR_SOURCE_PORT', 'ATTR_DESTINATION_PORT', 'ATTR_NETWORK_INTERFACE_NAME',
    'NETWORK_IO_DIRECTION_VALUE_RECEIVE', 'NETWORK_IO_DIRECTION_VALUE_TRANSMIT', 'ATTR_HOST_NAME', 'ATTR_CPU_MODE',
    'ATTR_V8JS_HEAP_SPACE_NAME', 'METRIC_PROCESS_CPU_TIME', 'METRIC_PROCESS_MEMORY_USAGE', 'METRIC_V8JS_MEMORY_HEAP_USED',
    'METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE', 'METRIC_NODEJS_EVENTLOOP_DELAY_P50', 'METRIC_NODEJS_EVENTLOOP_DELAY_P99', 'METRIC_NODEJS_EVENTLOOP_DELAY_MAX',
  ] as const;
  const ours = semconv as unknown as Record<string, string>;
  const theirs = incubating as unknown as Record<string, string>;
  for (const name of copied) assert.equal(ours[name], theirs[name], name);
  // ... and none is deprecated there (v8js.memory.heap.limit was, for v8js.memory.heap.space.size).
  const dist = '../../node_modules/@opentelemetry/semantic-conventions/dist/';
  const docs = ['experimental_attributes.d.mts', 'experimental_metrics.d.mts'].map((f) => readFileSync(new URL(dist + f, import.meta.url), 'utf8')).join('\n');
  for (const name of [...copied, 'ATTR_NETWORK_IO_DIRECTION']) {
    const at = docs.indexOf(`declare const ${name}:`);
    assert.ok(at > 0, `${name} declared in /incubating`);
    const doc = docs.slice(docs.lastIndexOf('/**', at), at);
    assert.doesNotMatch(doc, /@deprecated/, `${name} is deprecated in the installed conventions: ${doc}`);
  }
  assert.equal(semconv.ATTR_DIRECTION, incubating.ATTR_NETWORK_IO_DIRECTION);
  assert.deepEqual(['receive', 'transmit'], [incubating.NETWORK_IO_DIRECTION_VALUE_RECEIVE, incubating.NETWORK_IO_DIRECTION_VALUE_TRANSMIT]);
  assert.equal(semconv.ATTR_ERROR_TYPE, 'error.type');
  assert.equal(semconv.ATTR_NETWORK_TYPE, 'network.type');
  assert.equal(semconv.ATTR_NETWORK_TRANSPORT, 'network.transport');
});

test('every otelacct-own name is otelacct.-prefixed and no name is both an attribute and a namespace of another', () => {
  const values = Object.entries(semconv).filter(([k, v]) => /^(ATTR|METRIC)_/.test(k) && typeof v === 'string').map(([, v]) => v as string);
  const conventions = new Set(['source.address', 'destination.address', 'source.port', 'destination.port', 'network.type', 'network.transport',
    'network.interface.name', 'network.io.direction', 'error.type', 'service.name', 'service.version', 'service.instance.id', 'host.name',
    'cpu.mode', 'v8js.heap.space.name', 'otel.metric.overflow', 'network.local.port']);
  for (const v of values) {
    if (conventions.has(v) || /^(process|v8js|nodejs)\./.test(v)) continue;
    assert.match(v, /^otelacct\.[a-z0-9_.]+$/, v);
  }
  const attributes = Object.entries(semconv).filter(([k]) => k.startsWith('ATTR_')).map(([, v]) => v as string);
  for (const a of attributes) for (const b of attributes) assert.ok(!b.startsWith(`${a}.`), `${a} is an attribute and a namespace of ${b}`);
});

test('the schema URL is the installed semantic-conventions release, pinned exactly in package.json', () => {
  const installed = pkg('../../node_modules/@opentelemetry/semantic-conventions/package.json').version;
  assert.equal(semconv.SEMCONV_VERSION, installed);
  assert.equal(pkg('../../package.json').dependencies['@opentelemetry/semantic-conventions'], installed, 'an exact pin: a range could install a release the copies were not checked against');
  assert.equal(semconv.SCHEMA_URL, `https://opentelemetry.io/schemas/${installed}`);
  assert.equal(semconv.SCOPE.schemaUrl, semconv.SCHEMA_URL);
});

test('the resource carries the schema URL, also with OTEL_RESOURCE_ATTRIBUTES and configured attributes merged in', () => {
  const before = process.env.OTEL_RESOURCE_ATTRIBUTES;
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment.name=test';
  try {
    const r = buildResource({ site: 'dc1' });
    assert.equal(r.schemaUrl, semconv.SCHEMA_URL);
    assert.equal(r.attributes['service.name'], 'otelacct');
    assert.equal(r.attributes['site'], 'dc1');
    assert.equal(r.attributes['deployment.environment.name'], 'test');
  } finally {
    if (before === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    else process.env.OTEL_RESOURCE_ATTRIBUTES = before;
  }
});
