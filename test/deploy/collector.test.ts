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

/** The pinned release's manifest (distributions/otelcol-contrib/manifest.yaml): module paths per kind. */
const manifest = readYaml<Record<string, unknown> & { dist: { version: string } }>('test/deploy/fixtures/otelcol-contrib-manifest.yaml');
const built = (kind: string) => new Set(((manifest[kind] ?? []) as Array<{ gomod: string }>).map((m) => m.gomod.split(' ')[0]));

describe('the pinned collector-contrib release', () => {
  const tag = known.release.split(':')[1];

  it('is the one docker-compose.yml runs and the manifest copy describes', () => {
    const compose = readYaml<{ services: Record<string, { image?: string }> }>('docker-compose.yml');
    assert.equal(compose.services['otel-collector'].image, known.release);
    assert.equal(manifest.dist.version, tag);
  });

  it('builds in every component the fixture lists (by Go module, from the manifest)', () => {
    for (const kind of KINDS) {
      for (const [type, module] of Object.entries(known[kind])) {
        assert.ok(built(kind).has(module), `${kind}.${type}: ${module} is not in the otelcol-contrib ${tag} manifest`);
      }
    }
  });
});

/** Configuration keys per component type, as nested maps (true: a leaf or an unchecked map); see the fixture for sources. */
type KeyTree = { [key: string]: KeyTree | true };
const keys = JSON.parse(readRepo('test/deploy/fixtures/collector-config-keys.json')) as Record<string, Record<string, KeyTree>>;

/** Paths in `settings` that `allowed` does not have. */
function unknownKeys(settings: unknown, allowed: KeyTree, prefix = ''): string[] {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) return [];
  return Object.entries(settings).flatMap(([k, v]) => {
    const a = allowed[k];
    if (a === undefined) return [`${prefix}${k}`];
    return a === true ? [] : unknownKeys(v, a, `${prefix}${k}.`);
  });
}

describe('the collector key check', () => {
  it('finds a misspelt or misplaced key', () => {
    const tree: KeyTree = { protocols: { grpc: { endpoint: true, tls: { cert_file: true } } } };
    assert.deepEqual(unknownKeys({ protocols: { grpc: { endpoint: 'x', tls: { certfile: 'a' } }, htp: {} } }, tree), ['protocols.grpc.tls.certfile', 'protocols.htp']);
    assert.deepEqual(unknownKeys({ protocols: { grpc: null } }, tree), []);
  });
});

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

    it('sets only configuration keys the components of the pinned release have', () => {
      for (const kind of KINDS) {
        for (const [id, settings] of Object.entries(config[kind] ?? {})) {
          const allowed = keys[kind]?.[typeOf(id)];
          assert.ok(allowed, `${kind}.${id}: no key list for "${typeOf(id)}" in collector-config-keys.json`);
          for (const path of unknownKeys(settings, allowed)) assert.fail(`${file}: ${kind}.${id}.${path} is not a key of ${typeOf(id)} in ${known.release}`);
        }
      }
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

  it('agent -> gateway connects: the agent dials TLS with a CA file, the gateway OTLP/gRPC receiver serves TLS', () => {
    const agent = readYaml<CollectorConfig>('otel-collector/agent.yaml');
    const gateway = readYaml<CollectorConfig>('otel-collector/gateway.yaml');
    const lb = agent.exporters!.loadbalancing as { protocol: { otlp: { tls?: { insecure?: boolean; ca_file?: string } } }; resolver: { static: { hostnames: string[] } } };
    const grpc = (gateway.receivers!.otlp as { protocols: { grpc: { endpoint: string; tls?: { cert_file?: string; key_file?: string } } } }).protocols.grpc;
    const clientTls = lb.protocol.otlp.tls?.insecure !== true; // the otlp exporter's default is TLS
    const serverTls = grpc.tls?.cert_file !== undefined && grpc.tls?.key_file !== undefined;
    assert.equal(clientTls, serverTls, `agent TLS ${clientTls}, gateway TLS ${serverTls}: they must agree`);
    assert.ok(serverTls, 'agents reach gateways over the network: TLS on');
    assert.ok(lb.protocol.otlp.tls?.ca_file, 'the agent trusts the CA that signed the gateways (ca_file)');
    const port = grpc.endpoint.split(':').pop();
    for (const h of lb.resolver.static.hostnames) assert.equal(h.split(':').pop(), port, `${h} is the gateway's gRPC port`);
  });

  it('gateway: OTLP/gRPC from agents -> prometheusremotewrite', () => {
    const c = readYaml<CollectorConfig>('otel-collector/gateway.yaml');
    const grpc = (c.receivers!.otlp as { protocols: { grpc: { endpoint: string } } }).protocols.grpc.endpoint;
    assert.match(grpc, /:4317$/);
    assert.deepEqual(c.service.pipelines.metrics.exporters, ['prometheusremotewrite']);
    assert.match((c.exporters!.prometheusremotewrite as { endpoint: string }).endpoint, /\/api\/v1\/write$/);
  });
});
