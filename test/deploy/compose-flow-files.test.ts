import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilitiesOf, commandOf, ComposeError, composeModel, FLOW_DEMO_FILES, interpolate } from './compose-model.ts';
import { readRepo, readYaml } from './repo.ts';

/*
 * The files of the flow demo (docker-compose.yml + deploy/softflowd.compose.yml) as compose merges
 * them, and the documented commands that start it. test/deploy/compose-flow.test.ts runs it.
 */

const FILES = FLOW_DEMO_FILES;

/** The documented compose commands (```sh blocks of these files that run `docker compose`). */
const DOC_FILES = ['README.md', 'docs/flow-collector.md', 'docs/deployment.md'];

interface ComposeCommand { vars: string[]; files: string[]; sub: string[]; line: string }

function documentedComposeCommands(): ComposeCommand[] {
  const out: ComposeCommand[] = [];
  for (const doc of DOC_FILES) {
    for (const block of readRepo(doc).split('```sh\n').slice(1).map((b) => b.split('```')[0])) {
      for (const line of block.split('\n')) {
        const words = line.replace(/\s+#.*$/, '').trim().split(/\s+/);
        const at = words.findIndex((w, i) => w === 'docker' && words[i + 1] === 'compose');
        if (at < 0) continue;
        const files: string[] = [];
        let i = at + 2;
        for (; words[i] === '-f'; i += 2) files.push(words[i + 1]);
        out.push({ vars: words.slice(0, at).map((w) => w.split('=')[0]), files, sub: words.slice(i), line: `${doc}: ${line.trim()}` });
      }
    }
  }
  return out;
}

describe('the flow demo files: docker-compose.yml + deploy/softflowd.compose.yml, as compose merges them', () => {
  it('interpolates as compose does', () => {
    const vars = new Map([['A', 'x'], ['E', '']]);
    assert.equal(interpolate('${A} $A ${B:-d} ${E:-d} ${E-d} ${A:+y} ${B:+y} $$A', vars), 'x x d d  y  $A');
    assert.throws(() => interpolate('${E:?say E}', vars), /required variable E is missing a value: say E/);
    assert.equal(interpolate('${E?say E}', vars), '');
  });

  it('refuses to start without OTELACCT_INTERFACE: the flow variant never silently stops capturing', () => {
    assert.throws(() => composeModel(FILES), (err: Error) => err instanceof ComposeError && /OTELACCT_INTERFACE/.test(err.message));
    assert.doesNotThrow(() => composeModel(['docker-compose.yml']), 'the default demo needs no variable');
  });

  it('turns the NetFlow/IPFIX listener on for loopback, names the capture interface, and points softflowd at the listener', () => {
    const model = composeModel(FILES, new Map([['OTELACCT_INTERFACE', 'eth0']]));
    const env = model.services.otelacct.environment!;
    assert.equal(env.OTELACCT_CAPTURE_INTERFACES, 'eth0');
    assert.equal(env.OTELACCT_FLOW_NETFLOW_ENABLED, 'true');
    const sf = model.services.softflowd;
    assert.equal(sf.network_mode, 'host', 'softflowd on the host network, as otelacct: 127.0.0.1 is the same loopback');
    assert.equal(model.services.otelacct.network_mode, 'host');
    assert.deepEqual(capabilitiesOf(sf), ['NET_RAW']);
    const args = commandOf(sf);
    const target = args[args.indexOf('-n') + 1];
    assert.equal(target, `${env.OTELACCT_FLOW_NETFLOW_HOST}:4739`, 'softflowd exports to the listener\'s address and IPFIX port');
    assert.equal(args[args.indexOf('-v') + 1], '10');
    assert.equal(typeof sf.build, 'object');
    const build = sf.build as { context: string; dockerfile: string };
    assert.equal(`${build.context}/${build.dockerfile}`, './deploy/softflowd.Dockerfile');
    for (const dep of sf.depends_on ?? []) assert.ok(dep in model.services, `depends_on ${dep} is a service`);
    // The other services and the default demo are unchanged by the second file.
    const plain = composeModel(['docker-compose.yml']);
    for (const name of Object.keys(plain.services)) {
      if (name !== 'otelacct') assert.deepEqual(model.services[name], plain.services[name], name);
    }
    assert.deepEqual(Object.keys(model.services).sort(), [...Object.keys(plain.services), 'softflowd'].sort());
  });

  it('needs nothing else in Prometheus or the collector for the flow metrics', () => {
    const prometheus = readYaml<{ scrape_configs: Array<{ job_name: string; metric_relabel_configs?: unknown }> }>('prometheus/prometheus.yml');
    for (const job of prometheus.scrape_configs) assert.equal(job.metric_relabel_configs, undefined, `${job.job_name} drops no metric`);
    const collector = readYaml<{ processors: Record<string, unknown>; service: { pipelines: Record<string, { processors?: string[] }> } }>('otel-collector/config.yaml');
    for (const [name, p] of Object.entries(collector.service.pipelines)) {
      for (const proc of p.processors ?? []) assert.ok(['memory_limiter', 'batch'].includes(proc), `${name}: processor ${proc} filters nothing`);
    }
  });

  it('every documented compose command of the flow variant names these files and a step test/deploy/compose-flow.test.ts runs', () => {
    const flow = documentedComposeCommands().filter((c) => c.files.includes('deploy/softflowd.compose.yml'));
    assert.ok(flow.length >= 2, `documented flow-variant commands: ${flow.map((c) => c.line).join('; ')}`);
    for (const c of flow) {
      assert.deepEqual(c.files, [...FILES], c.line);
      const ran = (c.sub[0] === 'up' && c.vars.join() === 'OTELACCT_INTERFACE' && c.sub.slice(1).join(' ') === '--build')
        || (c.sub.join(' ') === 'exec softflowd softflowctl expire-all')
        || (c.sub.join(' ') === 'exec softflowd softflowctl statistics');
      assert.ok(ran, `${c.line}: not a command test/deploy/compose-flow.test.ts runs (up --build with OTELACCT_INTERFACE, exec softflowd softflowctl expire-all|statistics)`);
    }
    // deploy/softflowd.Dockerfile's own `docker build` line builds what the service builds.
    const line = /^#\s+docker build -f (\S+) -t \S+ (\S+)$/m.exec(readRepo('deploy/softflowd.Dockerfile'));
    assert.ok(line, 'deploy/softflowd.Dockerfile documents its docker build command');
    const build = composeModel(FILES, new Map([['OTELACCT_INTERFACE', 'x']])).services.softflowd.build as { context: string; dockerfile: string };
    assert.deepEqual([line[1], `./${line[2]}`], [`${build.context.slice(2)}/${build.dockerfile}`, build.context]);
  });
});

