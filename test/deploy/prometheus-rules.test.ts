import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { skipUnless } from '../support/requirements.ts';
import { CONTRACT_LABELS, CONTRACT_METRICS, UNIT_ONE_GAUGES } from './contract.ts';
import { promqlNames } from './promql-names.ts';
import { readYaml, recordedNames, ROOT } from './repo.ts';

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('promtool check config accepts prometheus/prometheus.yml and the rule files it loads', (t) => {
  if (!skipUnless(t, { tools: ['promtool'] })) return;
  const r = promtool('check', 'config', 'prometheus/prometheus.yml');
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS: 1 rule files found/, 'the rules glob finds otelacct.rules.yml and not the test file');
});

test('promtool check rules accepts the rules', (t) => {
  if (!skipUnless(t, { tools: ['promtool'] })) return;
  const r = promtool('check', 'rules', 'prometheus/rules/otelacct.rules.yml');
  assert.equal(r.status, 0, r.output);
});

test('promtool test rules: rates, 95th percentiles, and each alert firing and not firing', (t) => {
  if (!skipUnless(t, { tools: ['promtool'] })) return;
  const r = promtool('test', 'rules', 'prometheus/rules/otelacct.rules.test.yml');
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});

interface Rule { record?: string; alert?: string; expr: string; labels?: Record<string, string> }

test('every rule and every alert is tested, and rules only use contract metrics and labels', () => {
  const rules = readYaml<{ groups: Array<{ name: string; interval?: string; rules: Rule[] }> }>('prometheus/rules/otelacct.rules.yml');
  const tests = readYaml<{ tests: Array<{ promql_expr_test?: Array<{ expr: string }>; alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> }>(
    'prometheus/rules/otelacct.rules.test.yml');
  const exprTested = new Set(tests.tests.flatMap((g) => (g.promql_expr_test ?? []).flatMap((c) => [...promqlNames(c.expr).metrics])));
  const alerts = tests.tests.flatMap((g) => g.alert_rule_test ?? []);
  const recorded = recordedNames();
  for (const rule of rules.groups.flatMap((g) => g.rules)) {
    if (rule.record) assert.ok(exprTested.has(rule.record), `recording rule ${rule.record} has a promql_expr_test`);
    if (rule.alert) {
      assert.ok(alerts.some((a) => a.alertname === rule.alert && a.exp_alerts.length > 0), `${rule.alert} is tested firing`);
      assert.ok(alerts.some((a) => a.alertname === rule.alert && a.exp_alerts.length === 0) || rule.labels?.aggregation,
        `${rule.alert} is tested not firing`);
    }
    const names = promqlNames(rule.expr);
    for (const m of names.metrics) assert.ok(CONTRACT_METRICS.has(m) || recorded.has(m), `${rule.record ?? rule.alert}: metric ${m} is in the contract`);
    for (const l of names.labels) assert.ok(CONTRACT_LABELS.has(l), `${rule.record ?? rule.alert}: label ${l} is in the contract`);
    for (const g of UNIT_ONE_GAUGES) {
      if (names.metrics.has(g)) assert.ok(names.metrics.has(`${g}_ratio`), `${rule.record ?? rule.alert}: reads ${g} but not ${g}_ratio (its name via a collector)`);
    }
    if (!rule.expr.includes(':')) assert.match(rule.expr, /job="otelacct"/, `${rule.alert ?? rule.record} selects job="otelacct" (no double counting)`);
  }
  // one overflow alert rule per aggregation of the shipped config
  const overflow = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert === 'OtelacctCardinalityOverflow');
  const config = readYaml<{ aggregations: Array<{ name: string }> }>('deploy/otelacct.yaml');
  assert.deepEqual(overflow.map((r) => r.labels?.aggregation).sort(), config.aggregations.map((a) => a.name).sort());
  for (const r of overflow) assert.match(r.expr, new RegExp(`otelacct_${r.labels!.aggregation}_bytes_total\\{[^}]*otel_metric_overflow="true"`));
  // the 30-day percentile group runs hourly, not at the global interval
  assert.equal(rules.groups.find((g) => g.rules.some((r) => r.record?.includes('p95')))?.interval, '1h');
});
