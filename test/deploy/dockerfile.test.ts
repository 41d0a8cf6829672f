import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inRepo, readRepo } from './repo.ts';

/** Dockerfile instructions (continuation lines joined, comments dropped), split into stages. */
function stages(text: string): Array<{ from: string; as?: string; lines: string[] }> {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const out: Array<{ from: string; as?: string; lines: string[] }> = [];
  for (const line of joined) {
    const arg = /^ARG\s+(\w+)=(\S+)/.exec(line);
    if (arg && out.length === 0) args.set(arg[1], arg[2]);
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ from: from[1].replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? ''), as: from[2], lines: [] });
    else if (out.length) out[out.length - 1].lines.push(line);
  }
  return out;
}

const dockerfile = readRepo('Dockerfile');
const [build, final, ...rest] = stages(dockerfile);
const runs = (stage: { lines: string[] }) => stage.lines.filter((l) => l.startsWith('RUN ')).join('\n');
const installed = (stage: { lines: string[] }) =>
  [...runs(stage).matchAll(/apt-get install ((?:-\S+\s+)*)([^&]+)/g)].flatMap((m) => m[2].trim().split(/\s+/));

describe('Dockerfile', () => {
  it('is multi-stage: a build stage and a final stage, both on a pinned Node 24 slim image', () => {
    assert.equal(rest.length, 0);
    assert.equal(build.as, 'build');
    assert.equal(final.as, undefined);
    for (const s of [build, final]) {
      assert.match(s.from, /^node:24\.\d+(\.\d+)?-bookworm-slim$/, `${s.from} is pinned to a Node 24 minor`);
    }
    assert.equal(build.from, final.from, 'the addon is built for the Node that runs it');
  });

  it('builds with the toolchain and libpcap-dev, then prunes dev dependencies', () => {
    assert.deepEqual(installed(build).sort(), ['g++', 'libpcap-dev', 'make', 'python3']);
    const r = runs(build);
    const order = ['npm ci', 'npm run build', 'npm prune --omit=dev'].map((c) => r.indexOf(c));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), `npm ci, build, prune in order:\n${r}`);
  });

  it('ships only the libpcap runtime in the final stage (setcap is installed, used and purged in one layer)', () => {
    const pkgs = installed(final);
    assert.ok(pkgs.includes('libpcap0.8'));
    for (const p of pkgs) assert.doesNotMatch(p, /-dev$|^(g\+\+|gcc|make|python3|build-essential)$/, `final stage installs ${p}`);
    for (const line of final.lines.filter((l) => /apt-get install[^&]*libcap2-bin/.test(l))) {
      assert.match(line, /apt-get purge[^&]*libcap2-bin/, 'libcap2-bin is purged in the RUN that installs it');
    }
    assert.match(runs(final), /setcap cap_net_raw,cap_net_admin\+eip "?\$\(readlink -f \/usr\/local\/bin\/node\)"?/);
  });

  it('copies the app from the build stage and runs it as the non-root user otelacct', () => {
    const copies = final.lines.filter((l) => l.startsWith('COPY --from=build'));
    assert.deepEqual(copies.map((l) => l.split(/\s+/)[2]).sort(), ['/app/dist/src', '/app/node_modules', '/app/package.json']);
    const user = final.lines.filter((l) => l.startsWith('USER '));
    assert.deepEqual(user, ['USER otelacct']);
    const userAt = final.lines.indexOf('USER otelacct');
    assert.ok(final.lines.slice(userAt).every((l) => !l.startsWith('RUN ')), 'nothing runs as root after USER');
    assert.match(runs(final), /useradd --system [^&]*otelacct/);
  });

  it('has the entry point, the metrics port and a health check whose script exists', () => {
    assert.ok(final.lines.includes('ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/src/cli.js"]'));
    assert.ok(final.lines.includes('EXPOSE 9464'));
    const health = final.lines.find((l) => l.startsWith('HEALTHCHECK '));
    assert.match(health ?? '', /CMD \["node", "\/app\/healthcheck\.mjs"\]/);
    assert.ok(final.lines.includes('COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs'));
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = readRepo('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const line of [...build.lines, ...final.lines].filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const src of sources) {
        assert.ok(inRepo(src), `${src} exists`);
        assert.ok(!ignored.some((pattern) => src === pattern || src.startsWith(`${pattern}/`)), `${src} is not excluded by .dockerignore`);
      }
    }
    for (const heavy of ['node_modules', '.git', 'dist', '.node']) assert.ok(ignored.includes(heavy), `.dockerignore excludes ${heavy}`);
  });
});
