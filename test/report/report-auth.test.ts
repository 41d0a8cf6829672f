import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import bcrypt from 'bcryptjs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpClientSettings, HttpConfigError } from '../../src/report/http-config.ts';
import { httpInstantQuery } from '../../src/report/prometheus-api.ts';
import { parseReportArgs, ReportUsageError, type ReportOptions } from '../../src/report/report-options.ts';
import { previousMonth } from '../../src/report/time-values.ts';
import { startAuthProxy } from '../support/auth-proxy.ts';
import { makePki, type TestPki } from '../support/certs.ts';
import { freePort, OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { unmet } from '../support/requirements.ts';
import { runOtelacct } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());
const file = (name: string, text: string) => {
  const p = join(tmp.path, name);
  writeFileSync(p, text);
  return p;
};
/** Secrets used below: none may ever appear on stderr or in a message. */
const PASSWORD = 'p@ss:w/rd%secret';
const TOKEN = 'tok-3f9a7c-secret';
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('report http config: Prometheus\' http_config shape', () => {
  const url = new URL('https://prom.example:9090/');

  it('turns user:password@ in the URL into basic auth and removes it from the URL', () => {
    const { url: clean, settings } = httpClientSettings(new URL(`https://meter:${encodeURIComponent(PASSWORD)}@prom.example/prom/`), undefined, undefined);
    assert.equal(clean.href, 'https://prom.example/prom/');
    assert.equal(settings.headers.authorization, basic('meter', PASSWORD));
    const o = parseReportArgs(['--prometheus', `http://meter:${encodeURIComponent(PASSWORD)}@127.0.0.1:9090`, '--from', '2026-10-01', '--to', '2026-11-01'], Date.now(), {}) as ReportOptions;
    assert.equal(o.prometheus.href, 'http://127.0.0.1:9090/');
    assert.equal(o.http.headers.authorization, basic('meter', PASSWORD));
  });

  it('reads basic_auth, authorization, bearer_token_file, http_headers and tls_config, files relative to the config', () => {
    file('password', `${PASSWORD}\n`);
    file('token', `${TOKEN}\n`);
    file('tenant', 'team-b\n');
    const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const settings = (yaml: string) => httpClientSettings(url, file('c.yml', yaml), undefined).settings;
    assert.equal(settings('basic_auth: {username: meter, password_file: password}\n').headers.authorization, basic('meter', PASSWORD));
    assert.equal(settings(`basic_auth: {username: meter, password: "${PASSWORD}"}\n`).headers.authorization, basic('meter', PASSWORD));
    assert.equal(settings('authorization: {credentials_file: token}\n').headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(settings(`authorization: {type: Token, credentials: ${TOKEN}}\n`).headers.authorization, `Token ${TOKEN}`);
    assert.equal(settings('bearer_token_file: token\n').headers.authorization, `Bearer ${TOKEN}`);
    const h = settings('http_headers:\n  X-Scope-OrgID: {values: [team-a], files: [tenant]}\n  X-Other: {secrets: [s]}\n');
    assert.deepEqual(h.headers, { 'x-scope-orgid': 'team-a, team-b', 'x-other': 's' });
    const t = settings(`tls_config: {ca_file: ${ca}, insecure_skip_verify: true, server_name: prom.internal}\nfollow_redirects: false\n`);
    assert.deepEqual([t.tls.ca?.toString().startsWith('-----BEGIN'), t.tls.rejectUnauthorized, t.tls.servername, t.followRedirects], [true, false, 'prom.internal', false]);
    assert.deepEqual(httpClientSettings(url, undefined, `X-Scope-OrgID=team%20c,Authorization=Bearer%20${TOKEN}`).settings.headers,
      { 'x-scope-orgid': 'team c', authorization: `Bearer ${TOKEN}` });
  });

  it('refuses what Prometheus refuses, one line naming the key, never the secret', () => {
    const refused = (yaml: string, urlText = url.href): string => {
      const path = file('bad.yml', yaml);
      try {
        httpClientSettings(new URL(urlText), path, undefined);
      } catch (err) {
        assert.ok(err instanceof HttpConfigError, String(err));
        assert.ok(!err.message.includes('\n') && !err.message.includes(PASSWORD) && !err.message.includes(TOKEN), err.message);
        return err.message.slice(`--http.config.file ${path}: `.length);
      }
      return assert.fail(`accepted ${yaml}`);
    };
    assert.equal(refused(`basic_auth: {username: a, password: "${PASSWORD}", password_file: x}\n`), 'basic_auth.password and basic_auth.password_file are both set; give one');
    assert.equal(refused(`basic_auth: {username: a, password: "${PASSWORD}"}\nbearer_token: ${TOKEN}\n`), 'basic_auth and bearer_token are set; give one way to authenticate');
    assert.equal(refused(`bearer_token: ${TOKEN}\n`, 'https://u:v@prom.example/'), 'bearer_token is set and the --prometheus URL holds a user and password; give one of them');
    assert.equal(refused(`basic_auth: {username: a, pasword: "${PASSWORD}"}\n`), 'basic_auth.pasword: unknown key (allowed: username, username_file, password, password_file)');
    assert.equal(refused('oauth2: {client_id: x}\n'), 'oauth2: not supported by otelacct report');
    assert.equal(refused(`authorization: {type: Basic, credentials: ${TOKEN}}\n`), 'authorization.type: Basic is not allowed here (use basic_auth), as in Prometheus');
    assert.equal(refused('tls_config: {cert_file: a.pem}\n'), `tls_config.cert_file ${join(tmp.path, 'a.pem')}: cannot read (ENOENT)`);
    assert.equal(refused(`basic_auth: {username: a, password: "${PASSWORD}\n`), 'not valid YAML (line 2, MISSING_CHAR)');
    assert.equal(refused(`authorization: {credentials: "${TOKEN}\\r\\nX-Injected: 1"}\n`), 'authorization: the credentials hold a control character (CR, LF, ...); not shown, they are secret');
    assert.equal(refused('http_headers: {X-Scope-OrgID: team-a}\n'), 'http_headers.X-Scope-OrgID must be a map');
    assert.throws(() => parseReportArgs(['--http.config.file', join(tmp.path, 'none.yml')], Date.now(), {}), ReportUsageError);
  });
});

describe('otelacct report against an authenticated HTTPS Prometheus (basic auth or bearer, tenant header, client certificate)', () => {
  let pki: TestPki | undefined;
  const skipped = unmet({ tools: ['openssl'] });
  const { from, to } = previousMonth(Date.now());
  const period = ['--from', new Date(from).toISOString().slice(0, 10), '--to', new Date(to).toISOString().slice(0, 10), '--format', 'csv'];
  // A month in which 192.0.2.7 received 8 Mbit/s in every slot and 1 GB in all.
  const answer = (form: URLSearchParams) => {
    const query = form.get('query')!;
    const time = Number(form.get('time'));
    const value = query.startsWith('count_over_time(') ? (time * 1000 - from) / 300_000 : query.startsWith('sum by') ? 1e9 : 8e6;
    return { status: 'success', data: { resultType: 'vector', result: [{ metric: { otelacct_local_address: '192.0.2.7', network_io_direction: 'receive' }, value: [time, String(value)] }] } };
  };
  const ROW = 'host,in_p95_mbps,out_p95_mbps,in_bytes,out_bytes\n192.0.2.7,8,0,1000000000,0\n';
  before(() => {
    if (!skipped) pki = makePki(tmp.path);
  });
  const tls = () => `tls_config:\n  ca_file: ${pki!.caCert}\n  cert_file: ${pki!.clientCert}\n  key_file: ${pki!.clientKey}\n`;

  it('sends basic auth from user:password@ in the URL, the tenant from the environment, the client certificate from the file', async (t) => {
    if (skipped) return t.skip(skipped);
    const proxy = await startAuthProxy(pki!, { authorization: basic('meter', PASSWORD), tenant: 'team-a', clientCert: true }, { answer });
    t.after(() => proxy.close());
    const withCreds = proxy.url.replace('https://', `https://meter:${encodeURIComponent(PASSWORD)}@`);
    const r = await runOtelacct(['report', '--prometheus', withCreds, '--http.config.file', file('tls.yml', tls()), ...period],
      { env: { OTELACCT_REPORT_HEADERS: 'X-Scope-OrgID=team-a' } });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, ROW, '']);
    assert.ok(proxy.seen.length >= 3 && proxy.seen.every((s) => s.refused === undefined), JSON.stringify(proxy.seen.map((s) => s.refused)));

    // The same with a wrong password: one line, HTTP 401, neither password shown.
    const wrong = proxy.url.replace('https://', 'https://meter:wrong-secret@');
    const w = await runOtelacct(['report', '--prometheus', wrong, '--http.config.file', file('tls.yml', tls()), ...period],
      { env: { OTELACCT_REPORT_HEADERS: 'X-Scope-OrgID=team-a' } });
    assert.equal(w.code, 1);
    assert.equal(w.stderr, `otelacct report: Prometheus at ${proxy.url} answered HTTP 401 Unauthorized (the credentials given were refused: see basic_auth / authorization in --http.config.file, or user:password@ in the URL)\n`);
  });

  it('sends a bearer token from credentials_file and X-Scope-OrgID from http_headers, all from the file (env names it)', async (t) => {
    if (skipped) return t.skip(skipped);
    const proxy = await startAuthProxy(pki!, { authorization: `Bearer ${TOKEN}`, tenant: 'team-b', clientCert: true }, { answer });
    t.after(() => proxy.close());
    file('token', `${TOKEN}\n`);
    const config = file('bearer.yml', `authorization:\n  type: Bearer\n  credentials_file: token\nhttp_headers:\n  X-Scope-OrgID:\n    values: [team-b]\n${tls()}`);
    const r = await runOtelacct(['report', ...period], { env: { OTELACCT_REPORT_PROMETHEUS: proxy.url, OTELACCT_REPORT_HTTP_CONFIG_FILE: config } });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, ROW, '']);
    assert.equal(proxy.seen[0].headers['x-scope-orgid'], 'team-b');

    // Without the tenant header the proxy refuses: the status is named, nothing secret printed.
    const noTenant = file('notenant.yml', `authorization:\n  credentials_file: token\n${tls()}`);
    const n = await runOtelacct(['report', '--prometheus', proxy.url, '--http.config.file', noTenant, ...period]);
    assert.equal(n.code, 1);
    assert.match(n.stderr, /^otelacct report: Prometheus at https:\/\/127\.0\.0\.1:\d+ answered HTTP 403 Forbidden \(the credentials given were refused: .*\)\n$/);
    assert.ok(!n.stderr.includes(TOKEN));
  });

  it('says what to do when the server certificate does not verify, and when no client certificate is sent', async (t) => {
    if (skipped) return t.skip(skipped);
    const proxy = await startAuthProxy(pki!, { authorization: basic('meter', PASSWORD), clientCert: true }, { answer });
    t.after(() => proxy.close());
    const pw = file('pw', PASSWORD);
    const noCa = file('noca.yml', `basic_auth: {username: meter, password_file: ${pw}}\n`);
    const r = await runOtelacct(['report', '--prometheus', proxy.url, '--http.config.file', noCa, ...period]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^otelacct report: cannot reach Prometheus at https:\/\/127\.0\.0\.1:\d+ \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE); trust its CA with tls_config\.ca_file in --http\.config\.file\)\n$/);
    const skip = file('skip.yml', `basic_auth: {username: meter, password_file: ${pw}}\ntls_config: {insecure_skip_verify: true}\n`);
    const s = await runOtelacct(['report', '--prometheus', proxy.url, '--http.config.file', skip, ...period]);
    assert.equal(s.code, 1, 'verification skipped, but no client certificate');
    assert.match(s.stderr, /answered HTTP 403 Forbidden/);
    const full = file('full.yml', `basic_auth: {username: meter, password_file: ${pw}}\n${tls()}`);
    const f = await runOtelacct(['report', '--prometheus', proxy.url, '--http.config.file', full, ...period]);
    assert.deepEqual([f.code, f.stdout, f.stderr], [0, ROW, '']);
  });
});

describe('otelacct report against Prometheus 2.42 protected by its own --web.config.file (TLS, client certificate, basic auth)', () => {
  const skipped = unmet({ tools: ['openssl', 'prometheus'] });

  it('authenticates with basic auth and a client certificate; a wrong password is one line naming HTTP 401', async (t) => {
    if (skipped) return t.skip(skipped);
    const dir = join(tmp.path, 'prom');
    mkdirSync(dir);
    const pki = makePki(dir);
    const web = file('web.yml', `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n`
      + `  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.caCert}\n`
      + `basic_auth_users:\n  meter: ${bcrypt.hashSync(PASSWORD, 4)}\n`);
    const port = await freePort();
    const prom = spawn('prometheus', [`--config.file=${file('prometheus.yml', 'global: {}\n')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${web}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = new OutputWatch(prom);
    t.after(() => stop(prom));
    const ready = () => new Promise<boolean | undefined>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/-/ready', ca: pki.read(pki.caCert), cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey),
        headers: { authorization: basic('meter', PASSWORD) } }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? true : undefined);
      });
      req.on('error', () => resolve(undefined));
      req.end();
    });
    await waitFor(`prometheus ready (${log.text})`, ready, 30_000, 200);
    const base = `https://127.0.0.1:${port}`;
    const config = (password: string) => file('prom-auth.yml', `basic_auth: {username: meter, password: "${password}"}\n`
      + `tls_config: {ca_file: ${pki.caCert}, cert_file: ${pki.clientCert}, key_file: ${pki.clientKey}}\n`);
    // An empty Prometheus: past authentication, the report finds no data (exit 1, its own line).
    const ok = await runOtelacct(['report', '--prometheus', base, '--http.config.file', config(PASSWORD), '--from', '2026-10-01', '--to', '2026-11-01']);
    assert.equal(ok.code, 1);
    assert.match(ok.stderr, /^otelacct report: no data in otelacct_host_bytes_total for job "otelacct" in this period/);
    const bad = await runOtelacct(['report', '--prometheus', base, '--http.config.file', config('wrong-secret'), '--from', '2026-10-01', '--to', '2026-11-01']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `otelacct report: Prometheus at ${base} answered HTTP 401 Unauthorized (the credentials given were refused: see basic_auth / authorization in --http.config.file, or user:password@ in the URL)\n`);
    const url = await runOtelacct(['report', '--prometheus', base.replace('https://', `https://meter:${encodeURIComponent(PASSWORD)}@`), '--http.config.file',
      file('tls-only.yml', `tls_config: {ca_file: ${pki.caCert}, cert_file: ${pki.clientCert}, key_file: ${pki.clientKey}}\n`), '--from', '2026-10-01', '--to', '2026-11-01']);
    assert.equal(url.code, 1);
    assert.match(url.stderr, /^otelacct report: no data in/, 'user:password@ in the URL is basic auth');
    for (const r of [ok, bad, url]) assert.ok(!r.stderr.includes(PASSWORD) && !r.stderr.includes(encodeURIComponent(PASSWORD)), r.stderr);
  });
});

describe('report redirects', () => {
  it('follows a redirect on the same server with the credentials, refuses one to another server, and follows none with follow_redirects: false', async (t) => {
    const got: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const vector = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { a: 'b' }, value: [1, '7'] }] } });
    const other = createServer((req, res) => {
      got.push({ url: `other${req.url}`, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end(vector);
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const server = createServer((req, res) => {
      got.push({ url: req.url!, headers: req.headers });
      req.resume();
      if (req.url === '/old/api/v1/query') res.writeHead(307, { location: '/new/api/v1/query' }).end();
      else if (req.url === '/away/api/v1/query') res.writeHead(307, { location: `${otherUrl}/api/v1/query` }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(vector);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      server.close();
      other.close();
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { url, settings } = httpClientSettings(new URL(`http://meter:${encodeURIComponent(PASSWORD)}@127.0.0.1:${(server.address() as AddressInfo).port}/old`), undefined, undefined);
    assert.deepEqual(await httpInstantQuery(url, 5000, settings)('up', 0), [{ labels: { a: 'b' }, value: 7 }]);
    assert.deepEqual(got.map((g) => [g.url, g.headers.authorization]), [['/old/api/v1/query', basic('meter', PASSWORD)], ['/new/api/v1/query', basic('meter', PASSWORD)]]);

    got.length = 0;
    await assert.rejects(httpInstantQuery(new URL(`${base}/away`), 5000, settings)('up', 0),
      { message: `Prometheus at ${base}/away redirected to another server (${otherUrl}); credentials are not sent there: give that URL with --prometheus` });
    assert.deepEqual(got.map((g) => g.url), ['/away/api/v1/query'], 'nothing sent to the other server');

    await assert.rejects(httpInstantQuery(new URL(`${base}/old`), 5000, { ...settings, followRedirects: false })('up', 0),
      { message: `Prometheus at ${base}/old answered HTTP 307 Temporary Redirect` });
  });
});
