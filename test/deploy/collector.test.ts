import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRepo, readYaml } from './repo.ts';

type Section = Record<string, unknown>;
interface CollectorConfig {
  receivers?: Section; processors?: Section; exporters?: Section; extensions?: Section; connectors?: Section;
  service: { extensions?: string[]; pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
}
const KINDS = ['receivers', 'processors', 'exporters', 'extensions', 'connectors'] as const;

/** Component type names of the pinned contrib release (see the fixture for where they come from). */
const known = JSON.parse(readRepo('test/deploy/fixtures/collector-components.json')) as Record<(typeof KINDS)[number], Record<string, string>> & { release: string };

/** `type[/name]` -> type. */
const typeOf = (id: string) => id.split('/')[0];

for (const file of ['otel-collector/config.yaml', 'otel-collector/agent.yaml', 'otel-collector/gateway.yaml']) {
  describe(file, () => {
    const config = readYaml<CollectorConfig>(file);

    it(`names only components of ${known.release}`, () => {
      for (const kind of KINDS) {
        for (const id of Object.keys(config[kind] ?? {})) {
          assert.ok(typeOf(id) in known[kind], `${kind}.${id}: "${typeOf(id)}" is not in the component list of ${known.release}`);
        }
      }
      assert.match(readRepo(file), new RegExp(known.release.split(':')[1].replace(/\./g, '\\.')), 'the file names the release it targets');
    });

    it('uses every component it defines, and defines every component its pipelines use', () => {
      const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>(), extensions: new Set(config.service.extensions ?? []), connectors: new Set<string>() };
      for (const [name, p] of Object.entries(config.service.pipelines)) {
        assert.equal(typeOf(name), 'metrics', `pipeline ${name}: otelacct sends metrics only`);
        for (const kind of ['receivers', 'processors', 'exporters'] as const) {
          for (const id of p[kind] ?? []) {
            assert.ok(id in (config[kind] ?? {}), `pipeline ${name}: ${kind} ${id} is defined`);
            used[kind].add(id);
          }
        }
        if (p.processors?.includes('memory_limiter')) assert.equal(p.processors[0], 'memory_limiter', `${name}: memory_limiter comes first`);
      }
      for (const kind of KINDS) for (const id of Object.keys(config[kind] ?? {})) assert.ok(used[kind].has(id), `${kind}.${id} is used`);
    });
  });
}

describe('collector topology', () => {
  it('demo: OTLP -> prometheus + debug', () => {
    const c = readYaml<CollectorConfig>('otel-collector/config.yaml');
    assert.deepEqual(c.service.pipelines.metrics.exporters.sort(), ['debug', 'prometheus']);
  });

  it('agent: OTLP on localhost -> loadbalancing by resource, OTLP/gRPC to the gateways', () => {
    const c = readYaml<CollectorConfig>('otel-collector/agent.yaml');
    const lb = c.exporters!.loadbalancing as { routing_key: string; protocol: Section; resolver: { static: { hostnames: string[] } } };
    assert.equal(lb.routing_key, 'resource');
    assert.ok('otlp' in lb.protocol);
    for (const h of lb.resolver.static.hostnames) assert.match(h, /:4317$/, 'gateways receive OTLP/gRPC on 4317');
    assert.deepEqual(c.service.pipelines.metrics.exporters, ['loadbalancing']);
    const http = (c.receivers!.otlp as { protocols: { http: { endpoint: string } } }).protocols.http.endpoint;
    assert.equal(http, 'localhost:4318', 'the agent listens where otelacct pushes by default');
  });

  it('gateway: OTLP/gRPC from agents -> prometheusremotewrite', () => {
    const c = readYaml<CollectorConfig>('otel-collector/gateway.yaml');
    const grpc = (c.receivers!.otlp as { protocols: { grpc: { endpoint: string } } }).protocols.grpc.endpoint;
    assert.match(grpc, /:4317$/);
    assert.deepEqual(c.service.pipelines.metrics.exporters, ['prometheusremotewrite']);
    assert.match((c.exporters!.prometheusremotewrite as { endpoint: string }).endpoint, /\/api\/v1\/write$/);
  });
});
