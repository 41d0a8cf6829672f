import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONTRACT_LABELS, CONTRACT_METRICS, UNIT_ONE_GAUGES } from './contract.ts';
import { legendLabels, promqlNames } from './promql-names.ts';
import { readRepo, readYaml, recordedNames, repoPath } from './repo.ts';

interface Target { expr: string; legendFormat?: string; datasource?: { uid: string } }
interface Panel { title: string; type: string; targets?: Target[]; panels?: Panel[]; datasource?: { uid: string } }
interface Dashboard { uid: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string; query?: string | { query: string } }> } }

const recorded = recordedNames();
const known = (m: string) => CONTRACT_METRICS.has(m) || recorded.has(m);

describe('promql name scanner', () => {
  it('finds metrics and labels, not functions, keywords, ranges or strings', () => {
    const n = promqlNames('topk(5, 8 * sum by (a, b) (rate(m_total{job="x", c=~"$v"}[$__rate_interval]))) or on(d) group_left(e) other offset 5m');
    assert.deepEqual([...n.metrics].sort(), ['m', 'm_total', 'other']);
    assert.deepEqual([...n.labels].sort(), ['a', 'b', 'c', 'd', 'e', 'job']);
    const lv = promqlNames('label_values(otelacct_host_bytes_total{job="otelacct"}, otelacct_local_address)');
    assert.deepEqual([[...lv.metrics], [...lv.labels].sort()], [['otelacct_host_bytes_total'], ['job', 'otelacct_local_address']]);
    assert.deepEqual([...promqlNames('quantile_over_time(0.95, otelacct:host_bits:rate5m[30d])').metrics], ['otelacct:host_bits:rate5m']);
    assert.deepEqual(legendLabels('{{instance}} {{ network_interface_name }} in'), ['instance', 'network_interface_name']);
  });
});

for (const file of readdirSync(repoPath('grafana/dashboards')).filter((f) => f.endsWith('.json'))) {
  describe(`grafana/dashboards/${file}`, () => {
    const dashboard = JSON.parse(readRepo(`grafana/dashboards/${file}`)) as Dashboard;
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
    const variables = dashboard.templating.list.filter((v) => v.type === 'query')
      .map((v) => ({ panel: `variable ${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query!.query, legendFormat: '' }));

    it('queries only metrics and labels of the contract (or recorded by the rules)', () => {
      assert.ok(targets.length >= 10);
      for (const t of [...targets, ...variables]) {
        const names = promqlNames(t.expr);
        assert.ok(names.metrics.size > 0, `${t.panel}: ${t.expr} names a metric`);
        for (const m of names.metrics) assert.ok(known(m), `${t.panel}: metric ${m} is not in the contract`);
        for (const l of names.labels) assert.ok(CONTRACT_LABELS.has(l), `${t.panel}: label ${l} is not in the contract`);
        for (const l of legendLabels(t.legendFormat ?? '')) assert.ok(CONTRACT_LABELS.has(l), `${t.panel}: legend label ${l}`);
        for (const g of UNIT_ONE_GAUGES) {
          if (names.metrics.has(g)) assert.ok(names.metrics.has(`${g}_ratio`), `${t.panel}: reads ${g} but not ${g}_ratio (its name via a collector)`);
        }
      }
    });

    it('shows per-host and per-site traffic, the percentiles and the meter health metrics', () => {
      const used = new Set(targets.flatMap((t) => [...promqlNames(t.expr).metrics]));
      for (const m of ['otelacct_host_bytes_total', 'otelacct_site_bytes_total', 'otelacct_traffic_bytes_total', 'otelacct_capture_dropped_total',
        'otelacct_decode_errors_total', 'otelacct_export_failures_total', 'otelacct:host_bits:rate5m_p95_30d', 'otelacct:site_bits:rate5m_p95_30d',
        'otelacct_capture_interface_up']) {
        assert.ok(used.has(m), `a panel shows ${m}`);
      }
    });

    it('shows a lost interface in red, per meter and interface', () => {
      const p = panels.find((x) => (x.targets ?? []).some((t) => promqlNames(t.expr).metrics.has('otelacct_capture_interface_up')));
      assert.ok(p, 'a panel shows otelacct_capture_interface_up');
      assert.match(p.targets![0].expr, /by \(instance, network_interface_name\)/);
      const mapped = (p as unknown as { fieldConfig: { defaults: { mappings: Array<{ options: Record<string, { color: string }> }> } } })
        .fieldConfig.defaults.mappings.flatMap((m) => Object.entries(m.options));
      assert.deepEqual(Object.fromEntries(mapped.map(([v, o]) => [v, o.color])), { 0: 'red', 1: 'green' });
    });

    it('uses the datasource variable, which the provisioned datasource satisfies', () => {
      const ds = readYaml<{ datasources: Array<{ type: string }> }>('grafana/provisioning/datasources/prometheus.yml');
      assert.equal(ds.datasources[0].type, 'prometheus');
      assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
      for (const p of panels.filter((x) => x.type !== 'row')) assert.equal(p.datasource?.uid, '${datasource}', p.title);
      assert.ok(dashboard.uid);
    });
  });
}
