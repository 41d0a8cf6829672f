import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { VethNamespace } from '../support/netns.ts';
import { freePort } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { unmet } from '../support/requirements.ts';
import { buildStage, type BuildCache, type BuiltStage } from './docker-build.ts';
import { parseDockerfile, type Stage } from './dockerfile.ts';
import { buildContext, isIgnored, parseDockerignore } from './dockerignore.ts';
import { baseLayer, containerPid, exited, hostNode } from './image-root.ts';
import { readRepo, ROOT } from './repo.ts';

/*
 * No container engine runs here, so the image is built and run by emulation: the build context is
 * made from the checkout with .dockerignore's rules, every stage's instructions run in order
 * (RUN chrooted into an overlay of this Debian 12 machine, COPY from the context or the build
 * stage), and the runtime stage's ENTRYPOINT starts as its USER, live on a test veth, where `/`,
 * `/metrics`, the drop-count addon and the HEALTHCHECK command must work, with TLS and basic auth
 * too. Deleting any COPY line of the runtime stage must make a check fail. The Node.js of the
 * image is the one running this test (same major as the image's), and npm may answer from its
 * cache (npm_config_prefer_offline; the lockfile's integrity hashes still apply).
 */

describe('.dockerignore rules, as Docker applies them', () => {
  const cases: Array<[string, string, boolean]> = [
    ['node_modules', 'node_modules/a/b.js', true],
    ['/dist', 'dist/src/cli.js', true],
    ['*.tgz', 'otelacct-0.1.0.tgz', true],
    ['*.tgz', 'sub/x.tgz', false], // * does not cross a directory
    ['**/*.tgz', 'sub/deeper/x.tgz', true],
    ['**/*.tgz', 'x.tgz', true],
    ['src/**', 'src/a/b.ts', true],
    ['s?c', 'src/x', true],
    ['scripts\n!scripts/build-native.mjs', 'scripts/build-native.mjs', false],
    ['scripts\n!scripts/build-native.mjs', 'scripts/bootstrap.sh', true],
    ['!keep\n*', 'keep', true], // the last matching pattern wins
    ['# comment\n  test  ', 'test/x.ts', true],
    ['test', 'tests/x.ts', false],
    ['a.b', 'axb', false], // . is literal
    ['docs/', 'docs/x.md', true],
  ];
  for (const [ignore, path, excluded] of cases) {
    it(`${JSON.stringify(ignore)}: ${path} is ${excluded ? 'excluded' : 'sent'}`, () => {
      assert.equal(isIgnored(parseDockerignore(ignore), path), excluded);
    });
  }
});

/** GET over HTTP(S), certificate not verified; resolves status, content type and body. */
function get(url: string, auth?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {};
    const req = (url.startsWith('https') ? httpsRequest : httpRequest)(url, { headers, rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

interface RunSetup {
  /** `docker run -e` */
  env?: Array<[string, string]>;
  /** Files mounted into the container: host path → image path. */
  volumes?: Array<[string, string]>;
  /** Credentials the checks send (basic auth on). */
  auth?: string;
  tls?: boolean;
  /** Exit status the health check must give (0 unless testing that it fails). */
  healthStatus?: number;
}

/**
 * `docker run` of the runtime stage, live on `iface`, then the checks; returns the problems found
 * (empty: the image works).
 */
async function runImage(image: BuiltStage, iface: string, setup: RunSetup = {}): Promise<string[]> {
  const problems: string[] = [];
  const port = await freePort();
  const env: Array<[string, string]> = [...image.env, ['OTELACCT_CAPTURE_INTERFACES', iface], ['OTELACCT_PROMETHEUS_PORT', String(port)],
    ...(setup.env ?? [])];
  const mounted: string[] = [];
  for (const [host, path] of setup.volumes ?? []) {
    const target = join(image.root.upper, path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(host, target);
    chmodSync(target, 0o644);
    mounted.push(target);
  }
  const run = { workdir: image.workdir, env, user: image.user };
  const child = image.root.spawn([...image.entrypoint, ...image.cmd], run);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const base = `${setup.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  try {
    let up = false;
    for (const deadline = Date.now() + 30_000; !up && Date.now() < deadline && child.exitCode === null;) {
      up = await get(`${base}/metrics`, setup.auth).then(() => true, () => false);
      if (!up) await new Promise((r) => setTimeout(r, 200));
    }
    if (!up) return [`otelacct did not answer on ${base} (exit ${child.exitCode}): ${output.slice(-2000)}`];
    const page = await get(`${base}/`, setup.auth);
    if (page.status !== 200 || !page.type.startsWith('text/html')) problems.push(`GET / answered ${page.status} ${page.type}: ${page.body.slice(0, 200)}`);
    const css = await get(`${base}/assets/app.css`, setup.auth);
    if (css.status !== 200) problems.push(`GET /assets/app.css answered ${css.status}`);
    const metrics = await get(`${base}/metrics`, setup.auth);
    if (metrics.status !== 200) problems.push(`GET /metrics answered ${metrics.status}`);
    // The drop counts need the packet_stats addon: the series exists only when it reads the kernel's counters.
    if (!new RegExp(`^otelacct_capture_dropped_total\\{[^}]*network_interface_name="${iface}"`, 'm').test(metrics.body)) {
      problems.push(`no otelacct_capture_dropped_total for ${iface} (is the packet_stats addon missing?)`);
    }
    // target_info carries service.version, which otelacct reads from its package.json
    const version = (JSON.parse(readRepo('package.json')) as { version: string }).version;
    if (!metrics.body.includes(`service_version="${version}"`)) problems.push(`target_info has no service_version="${version}" (is package.json missing?)`);
    if (/kernel drop counts unavailable/.test(output)) problems.push(`otelacct: ${/.*kernel drop counts unavailable.*/.exec(output)![0]}`);
    const pid = containerPid(child);
    if (pid === undefined) problems.push('no container PID 1');
    else if (image.healthcheck) {
      const health = image.root.spawn(image.healthcheck, { ...run, execIn: pid });
      let said = '';
      health.stdout!.setEncoding('utf8').on('data', (d: string) => (said += d));
      health.stderr!.setEncoding('utf8').on('data', (d: string) => (said += d));
      await exited(health);
      if (health.exitCode !== (setup.healthStatus ?? 0)) problems.push(`HEALTHCHECK exit ${health.exitCode} (want ${setup.healthStatus ?? 0}): ${said.trim()}`);
    } else problems.push('no HEALTHCHECK');
    return problems;
  } finally {
    // SIGKILL: the image's OTLP endpoint has no collector here, and a SIGTERM would wait for the final push.
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    await exited(child);
    for (const m of mounted) rmSync(m, { force: true });
  }
}

const root = unmet({ root: true, tools: ['unshare', 'nsenter', 'chroot', 'openssl', 'ip', 'apt-get', 'getcap'] });

describe('the Docker image, built from the Dockerfile and run without an engine', { skip: root, timeout: 1_200_000 }, () => {
  const tmp = new TempDir();
  const cache: BuildCache = new Map();
  let stages: Stage[];
  let context: string[];
  let base: string;
  let build: BuiltStage;
  let image: BuiltStage;
  let veth: VethNamespace;

  /** Builds `stages` into `dir` (the build cache makes repeated stages free). */
  function buildAll(list: Stage[], dir: string): BuiltStage[] {
    const named = new Map<string, BuiltStage>();
    return list.map((s, n) => {
      const b = buildStage(s, join(dir, `stage${n}`), { context: join(tmp.path, 'context'), baseLayer: base, stages: named, cache,
        runEnv: [['npm_config_prefer_offline', 'true']] });
      if (s.name) named.set(s.name, b);
      return b;
    });
  }

  before(() => {
    const major = Number(process.versions.node.split('.')[0]);
    stages = parseDockerfile(readRepo('Dockerfile'));
    for (const s of stages) assert.match(s.base, new RegExp(`^node:${major}\\.\\d+(\\.\\d+)?-bookworm-slim$`), 'the emulation has this Node major on Debian 12');
    assert.match(readFileSync('/etc/debian_version', 'utf8'), /^12\./, 'the emulation runs on Debian 12 (bookworm)');
    context = buildContext(ROOT, parseDockerignore(readRepo('.dockerignore')), join(tmp.path, 'context'));
    base = baseLayer(join(tmp.path, 'base'));
    [build, image] = buildAll(stages, join(tmp.path, 'image'));
    veth = new VethNamespace(1);
    veth.disableIPv6();
  }, { timeout: 1_200_000 });

  after(() => {
    veth?.dispose();
    tmp.dispose();
  });

  it('has a build stage and a runtime stage that runs as otelacct, with the capture capabilities on node', () => {
    assert.equal(stages.length, 2);
    assert.equal(stages[0].name, 'build');
    assert.equal(image.user, 'otelacct');
    assert.deepEqual(image.exposed, ['9464']);
    const node = image.root.hostPath(hostNode().binary);
    assert.ok(node.startsWith(image.root.upper), 'setcap wrote a copy of node into the image');
    const caps = spawnSync('getcap', [node], { encoding: 'utf8' });
    assert.match(caps.stdout, /cap_net_admin,cap_net_raw[=+]eip/, `${caps.stdout}${caps.stderr}${build.log.slice(-300)}`);
  });

  it('sends a small context: no dependencies, build output, tests or VCS data', () => {
    for (const heavy of ['node_modules', 'build', 'dist', '.git', '.node', 'test', 'bench']) {
      assert.ok(!context.some((f) => f === heavy || f.startsWith(`${heavy}/`)), `${heavy} is not sent`);
    }
    assert.ok(context.includes('scripts/build-native.mjs') && context.includes('binding.gyp'), 'npm ci\'s install script and its addon are sent');
  });

  it('starts as user otelacct, live: / and /metrics answer, the drop-count addon works, the health check passes', async () => {
    assert.deepEqual(await runImage(image, veth.hostIf), []);
  });

  it('with TLS and basic auth on, the health check passes (with or without credentials) and fails on a wrong password', async () => {
    const dir = join(tmp.path, 'tls');
    mkdirSync(dir);
    const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=otelacct.example'], { encoding: 'utf8' });
    assert.equal(ssl.status, 0, ssl.stderr);
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync('s3cret', 4)}\n`);
    writeFileSync(join(dir, 'good'), 'prometheus:s3cret\n');
    writeFileSync(join(dir, 'bad'), 'prometheus:wrong\n');
    const volumes: Array<[string, string]> = [[join(dir, 'web.yml'), '/etc/otelacct/web.yml'], [join(dir, 'cert.pem'), '/etc/otelacct/cert.pem'],
      [join(dir, 'key.pem'), '/etc/otelacct/key.pem'], [join(dir, 'good'), '/run/secrets/good'], [join(dir, 'bad'), '/run/secrets/bad']];
    const web: [string, string] = ['OTELACCT_PROMETHEUS_WEB_CONFIG_FILE', '/etc/otelacct/web.yml'];
    const secure = { volumes, tls: true, auth: 'prometheus:s3cret' };
    assert.deepEqual(await runImage(image, veth.hostIf, { ...secure, env: [web, ['OTELACCT_HEALTHCHECK_CREDENTIALS_FILE', '/run/secrets/good']] }), []);
    assert.deepEqual(await runImage(image, veth.hostIf, { ...secure, env: [web] }), []);
    assert.deepEqual(await runImage(image, veth.hostIf, { ...secure, env: [web, ['OTELACCT_HEALTHCHECK_CREDENTIALS_FILE', '/run/secrets/bad']], healthStatus: 1 }), []);
  });

  it('needs every COPY of the runtime stage: without any one of them a check fails', async () => {
    const lines = readRepo('Dockerfile').split('\n');
    const runtimeFrom = lines.findLastIndex((l) => l.startsWith('FROM '));
    const copies = lines.map((l, i) => [l, i] as const).filter(([l, i]) => i > runtimeFrom && l.startsWith('COPY '));
    assert.ok(copies.length >= 7, `${copies.length} COPY lines in the runtime stage`);
    for (const [line, at] of copies) {
      const without = parseDockerfile(lines.filter((_, i) => i !== at).join('\n'));
      const [, variant] = buildAll(without, join(tmp.path, `without-${at}`));
      const problems = await runImage(variant, veth.hostIf);
      assert.notDeepEqual(problems, [], `the image still passes every check without "${line}"`);
    }
  });
});
