import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless, unmet } from '../support/requirements.ts';
import { runOtelacct, startOtelacct } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());
let cert: Buffer;
let capture: string;

before(() => {
  if (unmet({ tools: ['openssl'] })) return;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(tmp.path, 'server.key'), '-out', join(tmp.path, 'server.crt')], { stdio: 'ignore' });
  cert = Buffer.from(execFileSync('cat', [join(tmp.path, 'server.crt')]));
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  w.add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 60 }));
  capture = tmp.write('one.pcap', w.toBuffer());
});

interface Reply { status: number; body: string; headers: Record<string, string | string[] | undefined> }

function get(url: string, opts: { user?: string; password?: string; method?: string } = {}): Promise<Reply> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (opts.user !== undefined) headers.authorization = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;
  const fn = u.protocol === 'https:' ? request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(u, { method: opts.method ?? 'GET', headers, ca: cert }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('TLS + basic auth from a Prometheus web-config file: 401 without or with wrong credentials, 200 with, 404/405 still apply', async (t) => {
  if (!skipUnless(t, { tools: ['openssl'] })) return;
  const hash = bcrypt.hashSync('s3cret', 10);
  const web = join(tmp.path, 'web.yml');
  writeFileSync(web, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prom: ${hash}\n`);
  const child = startOtelacct(['--read', capture, '--serve', '--output', 'none', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--web-config-file', web]);
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/metrics$/);

  const anon = await get(url);
  assert.equal(anon.status, 401);
  assert.equal(anon.headers['www-authenticate'], 'Basic realm="otelacct"');
  assert.equal((await get(url, { user: 'prom', password: 'wrong' })).status, 401);
  assert.equal((await get(url, { user: 'nobody', password: 's3cret' })).status, 401);
  const ok = await get(url, { user: 'prom', password: 's3cret' });
  assert.equal(ok.status, 200);
  assert.match(ok.body, /otelacct_traffic_bytes_total\{source_address="10\.0\.0\.1"/);
  assert.equal((await get(url, { user: 'prom', password: 's3cret' })).status, 200, 'cached credentials');
  assert.equal((await get(url.replace('/metrics', '/nope'), { user: 'prom', password: 's3cret' })).status, 404);
  assert.equal((await get(url, { user: 'prom', password: 's3cret', method: 'POST' })).status, 405);
  await assert.rejects(get(url.replace('https:', 'http:')), 'plain HTTP is not served on the TLS port');
});

test('a bad web-config file: one line naming file and key, exit 2', async (t) => {
  if (!skipUnless(t, { tools: ['openssl'] })) return;
  const web = join(tmp.path, 'bad-web.yml');
  writeFileSync(web, 'basic_auth_users:\n  prom: plaintext\n');
  let r = await runOtelacct(['--read', capture, '--serve', '--output', 'none', '--prometheus-port', '0', '--web-config-file', web]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `otelacct: prometheus.webConfigFile ${web}: basic_auth_users.prom: not a bcrypt hash (like $2y$10$...)\n`);
  writeFileSync(web, 'tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\nhttp_server_config: {}\n');
  r = await runOtelacct(['--read', capture, '--serve', '--output', 'none', '--prometheus-port', '0', '--web-config-file', web]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^otelacct: prometheus.webConfigFile .*bad-web\.yml: unknown key "http_server_config"/);
});
