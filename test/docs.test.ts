import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DECODE_STATUS_NAMES } from '../src/decode/decode-result.ts';
import { DIMENSIONS } from '../src/config/dimensions.ts';
import { schema } from '../src/config/schema.ts';
import { leaves } from '../src/config/schema-leaves.ts';
import * as semconv from '../src/export/semconv.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README documents every configuration key with its flag and environment variable', () => {
  for (const leaf of leaves(schema)) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${leaf.key}\` |`));
    assert.ok(row, `README has a row for ${leaf.key}`);
    if (leaf.arg) assert.ok(row.includes(`--${leaf.arg}`), `${leaf.key} row names --${leaf.arg}`);
    if (leaf.env) assert.ok(row.includes(leaf.env), `${leaf.key} row names ${leaf.env}`);
  }
});

test('the README documents every attribute and every decode-error reason', () => {
  for (const d of DIMENSIONS) assert.ok(readme.includes(`\`${d}\``), `attribute ${d}`);
  for (const r of DECODE_STATUS_NAMES.slice(1)) assert.ok(readme.includes(`\`${r}\``), `reason ${r}`);
});

test('the README documents every metric, every direction and traffic-class value, and the schema version', () => {
  for (const [k, v] of Object.entries(semconv)) {
    // (v8js.* and nodejs.eventloop.* are listed as families: `v8js.memory.heap.used`, `.limit`.)
    if (/^METRIC_(?!V8JS|NODEJS)|^ATTR_TRAFFIC_CLASS$|^ATTR_ERROR_TYPE$|^TRAFFIC_CLASS_VALUE_|^NETWORK_IO_DIRECTION_VALUE_/.test(k)) assert.ok(readme.includes(`\`${String(v)}\``), `${k} = ${String(v)}`);
  }
  assert.ok(readme.includes(semconv.SCHEMA_URL), 'schema URL');
  const naming = readFileSync(new URL('../docs/naming.md', import.meta.url), 'utf8');
  assert.ok(naming.includes(`**${semconv.SEMCONV_VERSION}**`), 'docs/naming.md names the semconv version');
});
