// Container health check: GET the Prometheus exposition of the otelacct in this container. Exit 0
// when it answers 200, 1 otherwise, with one line saying why.
//
// It reads the configuration as otelacct does (the same loader: the file named by OTELACCT_CONFIG
// or --config, OTELACCT_* variables, and the flags the container was started with, taken from
// PID 1's command line), so a port, path, listen address or web config set anywhere is followed.
// With tls_server_config in the web config it speaks HTTPS (certificate not verified: it checks
// this container's own server over loopback). With basic_auth_users it sends the credentials of
// the file OTELACCT_HEALTHCHECK_CREDENTIALS_FILE ("user:password", mounted as a secret); without
// that file, a 401 from otelacct's server counts as healthy (the server answers; the exposition
// itself is then not checked).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const { loadConfig } = await import(new URL('./dist/src/config/load.js', import.meta.url).href);
const { loadWebConfig } = await import(new URL('./dist/src/export/web-config.js', import.meta.url).href);

function done(ok, why) {
  process.stdout.write(`otelacct healthcheck: ${why}\n`);
  process.exit(ok ? 0 : 1);
}

/** The arguments otelacct was started with (after .../cli.js in PID 1's command line). */
function startArgs() {
  try {
    const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
    const at = argv.findIndex((a) => a.endsWith('/cli.js'));
    return at < 0 ? [] : argv.slice(at + 1);
  } catch {
    return [];
  }
}

let config;
let web = {};
try {
  config = loadConfig(startArgs(), process.env).config;
  if (config.prometheus.webConfigFile) web = loadWebConfig(config.prometheus.webConfigFile);
} catch (err) {
  done(false, `configuration: ${err.message}`);
}
const p = config.prometheus;
if (!p.enabled) done(true, 'prometheus.enabled is false: nothing to check');
const host = p.host === '' || p.host === '0.0.0.0' ? '127.0.0.1' : p.host === '::' ? '::1' : p.host;
const headers = {};
const credentialsFile = process.env.OTELACCT_HEALTHCHECK_CREDENTIALS_FILE;
if (web.users && credentialsFile) {
  try {
    headers.authorization = `Basic ${Buffer.from(readFileSync(credentialsFile, 'utf8').trim()).toString('base64')}`;
  } catch (err) {
    done(false, `OTELACCT_HEALTHCHECK_CREDENTIALS_FILE ${credentialsFile}: cannot read (${err.code ?? err.message})`);
  }
}
const url = `${web.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${p.port}${p.path}`;
const req = (web.tls ? httpsRequest : httpRequest)(url, { headers, rejectUnauthorized: false, timeout: 4000 }, (res) => {
  res.resume();
  if (res.statusCode === 200) done(true, `${url} answered 200`);
  else if (res.statusCode === 401 && web.users && !headers.authorization && /^Basic /.test(res.headers['www-authenticate'] ?? '')) {
    done(true, `${url} answered 401 (basic auth on; set OTELACCT_HEALTHCHECK_CREDENTIALS_FILE to check the exposition)`);
  } else done(false, `${url} answered ${res.statusCode}`);
});
req.on('timeout', () => req.destroy(new Error('no answer in 4 s')));
req.on('error', (err) => done(false, `${url}: ${err.message}`));
req.end();
