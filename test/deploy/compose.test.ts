import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import { composeModel, hostPathIn } from './compose-model.ts';
import { inRepo, readRepo, readYaml, repoPath } from './repo.ts';

const compose = composeModel(['docker-compose.yml']);
const services = compose.services;
const otelacctConfig = readYaml<{ accounting: { networksFile: string }; prometheus?: { port?: number }; otlp: { endpoint: string } }>('deploy/otelacct.yaml');
const collector = readYaml<{ receivers: { otlp: { protocols: { http: { endpoint: string } } } }; exporters: { prometheus: { endpoint: string } } }>('otel-collector/config.yaml');
const prometheus = readYaml<{ rule_files: string[]; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> }>('prometheus/prometheus.yml');

/** The repository path mounted at container path `path` in service `name` (file or below a dir). */
const hostPathOf = (name: string, path: string): string | undefined => hostPathIn(services[name], path);

/** Container ports a service listens on as far as compose says: ports (container side) and expose. */
function containerPorts(name: string): Set<number> {
  const s = services[name];
  const ports = (s.ports ?? []).map((p) => Number(p.split(':').at(-1)!.split('/')[0]));
  return new Set([...ports, ...(s.expose ?? []).map(Number)]);
}

function flag(name: string, key: string): string | undefined {
  const cmd = services[name].command;
  const args = Array.isArray(cmd) ? cmd : (cmd ?? '').split(/\s+/);
  return args.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);
}

describe('docker-compose.yml', () => {
  it('has the four services, images pinned to a version', () => {
    assert.deepEqual(Object.keys(services).sort(), ['grafana', 'otel-collector', 'otelacct', 'prometheus']);
    for (const [name, s] of Object.entries(services)) {
      if (s.build !== undefined) continue; // built from this repo's Dockerfile
      assert.match(s.image ?? '', /^[\w./-]+:v?\d+\.\d+\.\d+$/, `${name}: image ${s.image} is pinned to x.y.z`);
      assert.doesNotMatch(s.image ?? '', /:latest$/);
    }
    assert.equal(services['otel-collector'].image?.split(':')[0], 'otel/opentelemetry-collector-contrib');
  });

  it('names the same image versions as docs/deployment.md', () => {
    const docs = readRepo('docs/deployment.md');
    for (const [name, s] of Object.entries(services)) {
      if (s.build === undefined) assert.ok(docs.includes(`\`${s.image}\``), `${name}: docs/deployment.md names ${s.image}`);
    }
  });

  it('mounts only files and directories that exist, and declares its named volumes', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        if (source.startsWith('./')) assert.ok(inRepo(source), `${name}: ${source} exists`);
        else assert.ok(compose.volumes && source in compose.volumes, `${name}: named volume ${source} is declared`);
      }
    }
  });

  it('runs otelacct on the host network with the capture capabilities and its config mounted', () => {
    const s = services.otelacct;
    assert.equal(s.network_mode, 'host');
    assert.deepEqual([...(s.cap_add ?? [])].sort(), ['NET_ADMIN', 'NET_RAW']);
    assert.equal(s.ports, undefined, 'no port publishing on the host network');
    assert.equal(hostPathOf('otelacct', s.environment!.OTELACCT_CONFIG), './deploy/otelacct.yaml');
    const networks = hostPathOf('otelacct', otelacctConfig.accounting.networksFile);
    assert.ok(networks && inRepo(networks), `accounting.networksFile ${otelacctConfig.accounting.networksFile} is mounted from the repo`);
  });

  it('wires otelacct -> collector: the OTLP endpoint is a port the collector publishes on the host', () => {
    const endpoint = new URL(otelacctConfig.otlp.endpoint);
    assert.equal(endpoint.hostname, 'localhost');
    assert.equal(endpoint.pathname, '/v1/metrics');
    const published = (services['otel-collector'].ports ?? []).map((p) => p.split(':'));
    const port = published.find((p) => p.at(-2) === endpoint.port);
    assert.ok(port, `otel-collector publishes host port ${endpoint.port}`);
    assert.equal(port.at(-1), collector.receivers.otlp.protocols.http.endpoint.split(':')[1], 'to the OTLP/HTTP receiver port');
    assert.equal(hostPathOf('otel-collector', flag('otel-collector', '--config')!), './otel-collector/config.yaml');
  });

  it('has Prometheus scrape ports that the services listen on', () => {
    const hostNetwork = Object.keys(services).filter((n) => services[n].network_mode === 'host');
    for (const job of prometheus.scrape_configs) {
      for (const target of job.static_configs.flatMap((c) => c.targets)) {
        const [host, port] = target.split(':');
        if (host === 'host.docker.internal') {
          assert.ok(services.prometheus.extra_hosts?.includes('host.docker.internal:host-gateway'), 'prometheus maps host.docker.internal');
          assert.deepEqual(hostNetwork, ['otelacct']);
          assert.equal(Number(port), otelacctConfig.prometheus?.port ?? 9464, `${job.job_name}: otelacct's prometheus.port`);
        } else {
          assert.ok(host in services, `${job.job_name}: ${host} is a service`);
          assert.ok(containerPorts(host).has(Number(port)), `${job.job_name}: ${host} exposes ${port}`);
          if (host === 'otel-collector') assert.equal(collector.exporters.prometheus.endpoint.split(':')[1], port, 'the collector\'s prometheus exporter port');
        }
      }
    }
    assert.deepEqual(prometheus.scrape_configs.map((j) => j.job_name).sort(), ['otel-collector', 'otelacct']);
  });

  it('gives Prometheus its config, the rule files, and a billing-length retention', () => {
    const config = hostPathOf('prometheus', flag('prometheus', '--config.file')!);
    assert.equal(config, './prometheus/prometheus.yml');
    for (const glob of prometheus.rule_files) {
      const dir = hostPathOf('prometheus', posix.join('/etc/prometheus', posix.dirname(glob)));
      assert.ok(dir, `rule_files ${glob} is inside a mount`);
      const re = new RegExp(`^${posix.basename(glob).replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
      assert.deepEqual(readdirSync(repoPath(dir)).filter((f) => re.test(f)), ['otelacct.rules.yml']);
    }
    const retention = flag('prometheus', '--storage.tsdb.retention.time') ?? '15d';
    assert.ok(parseInt(retention, 10) * (retention.endsWith('y') ? 365 : 1) > 31, `retention ${retention} holds a month and more`);
  });

  it('provisions Grafana with the Prometheus service and the dashboard directory', () => {
    const ds = readYaml<{ datasources: Array<{ url: string }> }>('grafana/provisioning/datasources/prometheus.yml');
    const url = new URL(ds.datasources[0].url);
    assert.ok(containerPorts(url.hostname).has(Number(url.port)), `${url.hostname} listens on ${url.port}`);
    const provider = readYaml<{ providers: Array<{ options: { path: string } }> }>('grafana/provisioning/dashboards/otelacct.yml');
    const dir = hostPathOf('grafana', provider.providers[0].options.path);
    assert.equal(dir, './grafana/dashboards');
    assert.ok(inRepo(hostPathOf('grafana', services.grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)!));
    assert.equal(hostPathOf('grafana', '/etc/grafana/provisioning/datasources/prometheus.yml'), './grafana/provisioning/datasources/prometheus.yml');
  });
});
