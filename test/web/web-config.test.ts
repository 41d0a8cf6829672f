import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';

test('web.* settings of the second round: defaults (reverse DNS off), flags, environment, and one line for a bad value', () => {
  const d = loadConfig([], {}).config.web;
  assert.deepEqual([d.reverseDns, d.reverseDnsServers, d.reverseDnsRate, d.grafanaUrl], [false, [], 10, '']);
  const c = loadConfig(['--web-reverse-dns', '--web-reverse-dns-server', '192.0.2.53', '--web-reverse-dns-server', '[2001:db8::53]:5353',
    '--web-reverse-dns-rate', '50', '--web-grafana-url', 'https://grafana.example/'], {}).config.web;
  assert.deepEqual([c.reverseDns, c.reverseDnsServers, c.reverseDnsRate, c.grafanaUrl], [true, ['192.0.2.53', '[2001:db8::53]:5353'], 50, 'https://grafana.example/']);
  const e = loadConfig([], { OTELACCT_WEB_REVERSE_DNS: 'true', OTELACCT_WEB_GRAFANA_URL: 'http://g:3000' }).config.web;
  assert.deepEqual([e.reverseDns, e.grafanaUrl], [true, 'http://g:3000']);
  for (const [args, message] of [
    [['--web-reverse-dns-server', 'dns.example'], /^web\.reverseDnsServers=\["dns\.example"\]: "dns\.example" is not a DNS server address/],
    [['--web-reverse-dns-server', '192.0.2.53:70000'], /is not a DNS server address/],
    [['--web-reverse-dns-rate', '0'], /web\.reverseDnsRate.*must be an integer from 1 to 1000/],
    [['--web-grafana-url', 'ftp://grafana'], /web\.grafanaUrl.*must be an http:\/\/ or https:\/\/ URL/],
  ] as const) {
    assert.throws(() => loadConfig([...args], {}), (err: Error) => message.test(err.message) && !err.message.includes('\n'), args.join(' '));
  }
});
