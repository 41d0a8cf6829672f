import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VethNamespace } from '../support/netns.ts';
import { OutputWatch, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { unmet } from '../support/requirements.ts';
import { CLI, parseExposition, parseLabels } from '../support/run-otelacct.ts';
import { capabilitiesOf, commandOf, composeModel, FLOW_DEMO_FILES, hostPathIn, type ComposeModel } from './compose-model.ts';
import { buildStage, type BuiltStage } from './docker-build.ts';
import { containerPid, exited } from './image-root.ts';
import { parseDockerfile } from './dockerfile.ts';
import { promqlNames } from './promql-names.ts';
import { readRepo, readYaml, repoPath } from './repo.ts';

/*
 * The flow variant of the demo (README "Deployment", docs/flow-collector.md "The demo with a flow
 * exporter"): `docker compose -f docker-compose.yml -f deploy/softflowd.compose.yml`. No container
 * engine runs here, so the test does what compose would, from the parsed files: it merges and
 * interpolates them, builds the softflowd image from deploy/softflowd.Dockerfile (each RUN in an
 * overlay of this Debian 12 machine, test/deploy/docker-build.ts), and starts, in a network
 * namespace of its own standing for the host's network (both services use network_mode host),
 *  - otelacct (this checkout's CLI, as the image's ENTRYPOINT runs it) with the otelacct service's
 *    environment, container paths mapped to the repository files the service mounts there, and
 *    OTELACCT_INTERFACE (the one variable the user sets) naming the namespace's veth;
 *  - softflowd in its built image: the image's ENTRYPOINT plus the service's command, argv exactly
 *    as the file gives it, holding only the capabilities the service's cap_drop/cap_add leave;
 * then sends known UDP traffic over the namespace's loopback, runs the documented
 * `... exec softflowd softflowctl expire-all` in the softflowd container, and reads otelacct's
 * /metrics: the known flow counted byte- and packet-exact from exporter 127.0.0.1, every metric of
 * the dashboard's "Flow exporters" row present, and the capture on OTELACCT_INTERFACE still running.
 */

const FILES = FLOW_DEMO_FILES;

/** The known flow (softflowd meters it on lo) and the filler that makes softflowd's libpcap hand it over. */
const KNOWN = { src: '127.0.0.2', sport: 40001, dst: '127.0.0.3', dport: 40002, count: 10, payload: 1000 };
/** ≥ 256 KiB (one TPACKET_V3 block, see deploy/softflowd.compose.yml on -C) after the known packets. */
const FILLER = { src: '127.0.0.4', sport: 40003, dst: '127.0.0.5', dport: 40004, count: 6, payload: 60_000 };
/** IPv4 + UDP headers: the IP length otelacct and IPFIX octetDeltaCount count. */
const KNOWN_BYTES = KNOWN.count * (KNOWN.payload + 28);

/** Sends KNOWN then FILLER (JSON in argv[1]) with receivers bound, so no ICMP unreachable joins the flows. */
const SENDER = `
const dgram = require('node:dgram');
const flows = JSON.parse(process.argv[1]);
const open = (a, p) => new Promise((ok, fail) => { const s = dgram.createSocket('udp4'); s.once('error', fail); s.bind(p, a, () => ok(s)); });
const send = (s, b, a, p) => new Promise((ok, fail) => s.send(b, p, a, (e) => (e ? fail(e) : ok())));
(async () => {
  const sockets = [];
  for (const f of flows) {
    sockets.push(await open(f.dst, f.dport));
    const tx = await open(f.src, f.sport);
    sockets.push(tx);
    for (let i = 0; i < f.count; i++) await send(tx, Buffer.alloc(f.payload, 0x5a), f.dst, f.dport);
  }
  for (const s of sockets) s.close();
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () =>
        (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** One series' value from an exposition: the series of `metric` whose labels include `labels`; undefined if none. */
function value(exposition: Map<string, number>, metric: string, labels: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const [series, v] of exposition) {
    const p = parseLabels(series);
    if (p.name === metric && Object.entries(labels).every(([k, x]) => p.labels[k] === x)) sum = (sum ?? 0) + v;
  }
  return sum;
}

const root = unmet({ root: true, tools: ['unshare', 'nsenter', 'chroot', 'ip', 'apt-get', 'setpriv', 'softflowd', 'softflowctl'] });

describe('the flow demo, run without an engine: softflowd in its image exports to otelacct', { skip: root, timeout: 300_000 }, () => {
  const tmp = new TempDir();
  let image: BuiltStage;
  let model: ComposeModel;
  let veth: VethNamespace;
  let otelacct: ChildProcess;
  let otelacctLog: OutputWatch;
  let softflowd: ChildProcess;
  let softflowdLog: OutputWatch;
  let softflowdPid: number;
  let metricsUrl: string;

  /** `docker compose exec softflowd ARGV`: runs in the softflowd container's mount and PID namespaces. */
  async function exec(argv: string[]): Promise<{ code: number | null; output: string }> {
    const child = image.root.spawn(argv, { workdir: image.workdir, env: image.env, user: image.user, execIn: softflowdPid });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    await exited(child);
    return { code: child.exitCode, output };
  }

  before(async () => {
    // docker compose ... up --build: build softflowd's image from its Dockerfile and build context.
    const service = composeModel(FILES, new Map([['OTELACCT_INTERFACE', 'x']])).services.softflowd;
    const build = service.build as { context: string; dockerfile: string };
    const stages = parseDockerfile(readRepo(`${build.context}/${build.dockerfile}`));
    assert.equal(stages.length, 1);
    assert.match(stages[0].base, /^debian:12(\.\d+)?-slim$/, 'the emulation runs on Debian 12: the image must be Debian 12');
    assert.match(readFileSync('/etc/debian_version', 'utf8'), /^12\./, 'the emulation runs on Debian 12 (bookworm)');
    const base = join(tmp.path, 'base');
    mkdirSync(base);
    image = buildStage(stages[0], join(tmp.path, 'image'), { context: repoPath(build.context), baseLayer: base, stages: new Map(), cache: new Map() });

    veth = new VethNamespace(3);
    veth.disableIPv6();
    // The one variable the user sets: the interface otelacct captures (the namespace's veth end).
    model = composeModel(FILES, new Map([['OTELACCT_INTERFACE', veth.peerIf]]));

    // otelacct: the service's environment; the container paths it names mapped to the repository
    // files mounted there (deploy/otelacct.yaml names the networks file by its container path).
    const svc = model.services.otelacct;
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', ...svc.environment };
    const mapped = (p: string) => {
      const host = hostPathIn(svc, p);
      assert.ok(host, `${p} is mounted into the otelacct service`);
      return repoPath(host);
    };
    env.OTELACCT_CONFIG = mapped(env.OTELACCT_CONFIG);
    const config = readYaml<{ accounting: { networksFile: string }; prometheus: { port: number } }>('deploy/otelacct.yaml');
    env.OTELACCT_ACCOUNTING_NETWORKS_FILE = mapped(config.accounting.networksFile);
    otelacct = spawn('ip', ['netns', 'exec', veth.ns, process.execPath, '--max-semi-space-size=2', CLI], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    otelacctLog = new OutputWatch(otelacct);
    await otelacctLog.line(/"msg":"collecting flows".*127\.0\.0\.1:4739/);
    await otelacctLog.line(new RegExp(`"msg":"capturing","interfaces":\\["${veth.peerIf}"\\]`));
    metricsUrl = `http://${veth.peerAddr}:${config.prometheus.port}/metrics`;
    await waitFor('otelacct /metrics', () => get(metricsUrl));

    // softflowd: ENTRYPOINT + the service's command, with the capabilities the service leaves it.
    const caps = capabilitiesOf(model.services.softflowd).map((c) => `+${c.toLowerCase()}`);
    const argv = [...image.entrypoint, ...commandOf(model.services.softflowd)];
    softflowd = image.root.spawn(['setpriv', `--bounding-set=-all,${caps.join(',')}`, '--', ...argv],
      { workdir: image.workdir, env: image.env, user: image.user, netns: veth.ns });
    softflowdLog = new OutputWatch(softflowd);
    await softflowdLog.line(/Exporting flows from /, 10_000);
    softflowdPid = await waitFor('the softflowd container\'s PID 1', () => containerPid(softflowd));
  }, { timeout: 300_000 });

  after(async () => {
    for (const child of [softflowd, otelacct]) {
      if (child && child.exitCode === null && child.signalCode === null) {
        process.kill(child === softflowd ? -child.pid! : child.pid!, 'SIGKILL');
        await exited(child);
      }
    }
    veth?.dispose();
    tmp.dispose();
  });

  it('builds the image: softflowd and softflowctl installed, ENTRYPOINT in the foreground', () => {
    assert.deepEqual(image.entrypoint, ['softflowd', '-d']);
    // The image's lower layer is this machine (softflowd is in scripts/bootstrap.sh's test_pkgs), so
    // apt finds the package installed: the step proves the package name and the commands, not the download.
    assert.match(image.log, /Setting up softflowd|softflowd is already the newest version/, 'apt-get installed softflowd');
    for (const bin of ['/usr/sbin/softflowd', '/usr/sbin/softflowctl']) assert.ok(existsSync(image.root.hostPath(bin)), bin);
  });

  it('runs softflowd with only the service\'s capabilities (NET_RAW)', () => {
    const status = readFileSync(`/proc/${softflowdPid}/status`, 'utf8');
    const eff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)![1]}`);
    assert.equal(eff, 1n << 13n, `CapEff ${eff.toString(16)}: CAP_NET_RAW (13) only`);
    assert.match(readFileSync(`/proc/${softflowdPid}/cmdline`, 'utf8').split('\0').join(' '), /^softflowd -d -i lo /);
  });

  it('counts softflowd\'s IPFIX records of the known flow byte- and packet-exact, from exporter 127.0.0.1', async () => {
    const t0 = Date.now();
    const sender = spawn('ip', ['netns', 'exec', veth.ns, process.execPath, '-e', SENDER, JSON.stringify([KNOWN, FILLER])], { stdio: ['ignore', 'pipe', 'pipe'] });
    const senderLog = new OutputWatch(sender);
    await exited(sender);
    assert.equal(sender.exitCode, 0, senderLog.text);
    // softflowd holds the flow (it exports on its timeouts): wait until it has it, then expire all.
    const flowLine = new RegExp(`\\[${KNOWN.src.replace(/\./g, '\\.')}\\]:${KNOWN.sport} <> \\[${KNOWN.dst.replace(/\./g, '\\.')}\\]:${KNOWN.dport} proto:17 octets>:(\\d+) packets>:(\\d+)`);
    const held = await waitFor('softflowd to hold the known flow', async () => {
      const dump = await exec(['softflowctl', 'dump-flows']);
      const m = flowLine.exec(dump.output);
      return m && Number(m[2]) === KNOWN.count ? { octets: Number(m[1]), packets: Number(m[2]) } : undefined;
    }, 10_000, 200);
    assert.deepEqual(held, { octets: KNOWN_BYTES, packets: KNOWN.count }, 'softflowd metered the known flow');
    const expired = await exec(['softflowctl', 'expire-all']);
    assert.equal(expired.code, 0, expired.output);
    const labels = { source_address: KNOWN.src, destination_address: KNOWN.dst, network_transport: 'udp', network_interface_name: 'netflow' };
    const exposition = await waitFor('otelacct to count the known flow', async () => {
      const e = parseExposition(await get(metricsUrl));
      return value(e, 'otelacct_traffic_packets_total', labels) === undefined ? undefined : e;
    }, 10_000, 200);
    assert.equal(value(exposition, 'otelacct_traffic_bytes_total', labels), KNOWN_BYTES);
    assert.equal(value(exposition, 'otelacct_traffic_packets_total', labels), KNOWN.count);
    const records = value(exposition, 'otelacct_flow_records_total', { otelacct_exporter_address: '127.0.0.1' });
    assert.ok(records !== undefined && records >= 2, `records from exporter 127.0.0.1: ${records}`);
    assert.equal(value(exposition, 'otelacct_flow_lost_records_total', { otelacct_exporter_address: '127.0.0.1' }) ?? 0, 0);
    assert.equal(value(exposition, 'otelacct_flow_errors_total', {}) ?? 0, 0, 'no malformed datagram');
    // 127.0.0.0/8 is not in deploy/otelacct.yaml's localNetworks: no host or site series (as documented).
    assert.equal(value(exposition, 'otelacct_host_bytes_total', { otelacct_local_address: KNOWN.src }), undefined);
    assert.equal(value(exposition, 'otelacct_host_bytes_total', { otelacct_local_address: KNOWN.dst }), undefined);
    // The dashboard's "Flow exporters" row: every metric it reads is on /metrics.
    const dashboard = JSON.parse(readRepo('grafana/dashboards/otelacct.json')) as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
    const start = dashboard.panels.findIndex((p) => p.type === 'row' && p.title === 'Flow exporters');
    assert.ok(start >= 0, 'the dashboard has a "Flow exporters" row');
    const end = dashboard.panels.findIndex((p, i) => i > start && p.type === 'row');
    const row = dashboard.panels.slice(start + 1, end < 0 ? undefined : end);
    const metrics = new Set(row.flatMap((p) => (p.targets ?? []).flatMap((t) => [...promqlNames(t.expr).metrics])));
    const present = new Set([...exposition.keys()].map((s) => parseLabels(s).name));
    for (const m of metrics) assert.ok(present.has(m), `${m} (read by the "Flow exporters" row) is on otelacct's /metrics`);
    console.log(`# known flow counted ${Date.now() - t0} ms after the traffic started`);
  });

  it('still captures OTELACCT_INTERFACE beside the collector (this test\'s scrapes over the veth)', async () => {
    // Captured packets reach the counters a ring block at a time (within ~1 s): scrape until they show.
    const scrapes = { source_address: veth.hostAddr, destination_address: veth.peerAddr, network_transport: 'tcp', network_interface_name: veth.peerIf };
    const e = await waitFor(`the scrapes ${veth.hostAddr} -> ${veth.peerAddr} counted on ${veth.peerIf}`, async () => {
      const x = parseExposition(await get(metricsUrl));
      return (value(x, 'otelacct_traffic_bytes_total', scrapes) ?? 0) > 0 ? x : undefined;
    }, 10_000, 250);
    assert.ok((value(e, 'otelacct_capture_packets_total', { network_interface_name: veth.peerIf }) ?? 0) > 0, `packets captured on ${veth.peerIf}`);
    assert.doesNotMatch(softflowdLog.text, /error|fatal/i);
  });

  it('answers `softflowctl statistics` in the container (documented)', async () => {
    const stats = await exec(['softflowctl', 'statistics']);
    assert.equal(stats.code, 0, stats.output);
    const exported = /Flows exported: (\d+)/.exec(stats.output);
    assert.ok(exported && Number(exported[1]) >= 2, stats.output);
  });
});
