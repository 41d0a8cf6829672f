import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { helpText } from '../../src/config/help.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { schema } from '../../src/config/schema.ts';
import { leaves } from '../../src/config/schema-leaves.ts';
import { TempDir } from '../support/read-capture.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

function file(name: string, text: string): string {
  const p = join(tmp.path, name);
  writeFileSync(p, text);
  return p;
}

function error(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig(argv, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: all interfaces on :9464/metrics, default dimensions, OTLP off', () => {
  const { config } = loadConfig([], {});
  assert.equal(config.prometheus.host, '');
  assert.equal(config.prometheus.port, 9464);
  assert.equal(config.prometheus.path, '/metrics');
  assert.deepEqual(config.accounting.dimensions, ['source.address', 'destination.address', 'network.type', 'network.transport', 'network.interface.name']);
  assert.equal(config.otlp.endpoint, '');
});

test('precedence: default < file < environment < flags', () => {
  const yaml = file('p.yaml', 'capture:\n  snaplen: 200\n  filter: "tcp"\nprometheus:\n  port: 9000\notlp:\n  interval: 5000\n');
  const env = { OTELACCT_CAPTURE_SNAPLEN: '300', OTELACCT_PROMETHEUS_PORT: '9100' };
  const { config } = loadConfig(['--config', yaml, '--snaplen', '400'], env);
  assert.equal(config.capture.snaplen, 400, 'flag beats env and file');
  assert.equal(config.prometheus.port, 9100, 'env beats file');
  assert.equal(config.capture.filter, 'tcp', 'file beats default');
  assert.equal(config.otlp.interval, 5000);
  assert.equal(loadConfig(['-c', yaml], { OTEL_METRIC_EXPORT_INTERVAL: '700' }).config.otlp.interval, 700, 'OTEL_METRIC_EXPORT_INTERVAL honoured');
});

test('JSON config files work too, and OTELACCT_CONFIG names one', () => {
  const json = file('c.json', JSON.stringify({ export: { cardinalityLimit: 123 } }));
  assert.equal(loadConfig([], { OTELACCT_CONFIG: json }).config.export.cardinalityLimit, 123);
});

test('repeatable and comma-separated list flags; --no-flag for booleans', () => {
  const { config } = loadConfig(['-i', 'eth0', '--interface', 'eth1,eth2', '--no-prometheus', '--serve', '--read', 'x.pcap'], {});
  assert.deepEqual(config.capture.interfaces, ['eth0', 'eth1', 'eth2']);
  assert.equal(config.prometheus.enabled, false);
  assert.equal(config.export.serve, true);
  assert.deepEqual(loadConfig([], { OTELACCT_CAPTURE_INTERFACES: 'a,b' }).config.capture.interfaces, ['a', 'b']);
});

test('bad values: one line naming the key, the value and what is allowed', () => {
  assert.equal(error(['--snaplen', '10']), 'capture.snaplen=10: must be an integer from 64 to 65535');
  assert.equal(error(['--snaplen', 'big']), '--snaplen="big": capture.snaplen must be an integer');
  assert.match(error(['--dimensions', 'source.address,mac']), /^accounting.dimensions=.*: unknown dimension "mac" \(allowed: source.address, /);
  assert.match(error(['--dimensions', 'source.address,otelacct.traffic.class']),
    /^accounting.dimensions=.*: otelacct.traffic.class is exported by the network.io.direction dimension: list that instead$/);
  assert.match(error(['--output', 'xml']), /^export.output="xml": must be one of the possible values: \["prometheus","json","none"\]$/);
  assert.match(error([], { OTELACCT_PROMETHEUS_ENABLED: 'maybe' }), /^OTELACCT_PROMETHEUS_ENABLED="maybe": prometheus.enabled must be true or false$/);
  assert.match(error(['--otlp-endpoint', 'ftp://x']), /^otlp.endpoint="ftp:\/\/x": must be an http/);
  assert.equal(error(['--bogus']), 'unknown flag --bogus (see --help)');
  assert.equal(error(['-x']), 'unknown flag -x (short flags: -i, -r, -f, -c, -h; see --help)');
  assert.equal(error(['--read']), '--read: missing value');
});

test('unknown keys and bad values in a file: one line each, naming the file for unknown keys', () => {
  const yaml = file('bad.yaml', 'capture:\n  interfacez: [eth0]\nlog:\n  level: loud\n');
  const lines = error(['-c', yaml]).split('\n');
  assert.equal(lines.length, 2);
  assert.ok(lines.includes(`capture.interfacez: unknown key in ${yaml} (see --help for the keys)`), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('log.level="loud": must be one of')), lines.join('\n'));
});

test('unreadable and unparsable files: one line with the file and the line number', () => {
  assert.match(error(['-c', join(tmp.path, 'missing.yaml')]), /^config file .*missing\.yaml: cannot read \(ENOENT\)$/);
  const broken = file('broken.yaml', 'capture:\n  snaplen: 100\n  filter: [unclosed\n');
  assert.match(error(['-c', broken]), /^config file .*broken\.yaml: line \d+: /);
  const list = file('list.yaml', '- a\n- b\n');
  assert.match(error(['-c', list]), /top level must be a map/);
});

test('--help lists every key with its flag, environment variable and default', () => {
  const help = helpText();
  for (const leaf of leaves(schema)) {
    assert.ok(help.includes(leaf.key), `${leaf.key} in --help`);
    if (leaf.arg) assert.ok(help.includes(`--${leaf.arg}`), `--${leaf.arg} in --help`);
    if (leaf.env) assert.ok(help.includes(leaf.env), `${leaf.env} in --help`);
  }
  const r = loadConfig(['--help', '--print-config'], {});
  assert.equal(r.help, true);
  assert.equal(r.printConfig, true);
});

test('resource attributes and OTLP headers may have dotted names', () => {
  const yaml = file('dots.yaml', 'resource:\n  attributes:\n    service.instance.id: meter-7\n    deployment.environment.name: prod\n    rack: 12\notlp:\n  headers:\n    x.tenant: acme\n');
  const { config } = loadConfig(['-c', yaml], {});
  assert.deepEqual(config.resource.attributes, { 'service.instance.id': 'meter-7', 'deployment.environment.name': 'prod', rack: '12' });
  assert.deepEqual(config.otlp.headers, { 'x.tenant': 'acme' });
  const bad = file('baddots.yaml', 'resource:\n  attributes: [a, b]\n');
  assert.match(error(['-c', bad]), /^resource.attributes=\["a","b"\]: must be a map of names to strings/);
});

test('values with line breaks cannot forge a second line: every problem is one line, control characters escaped', () => {
  const forged = 'x\notelacct: ok';
  for (const argv of [['-i', forged], ['--snaplen', forged], [`--${forged}`], ['-c', forged], ['--dimensions', forged], ['--local-network', forged], ['-f', 'tcp', forged]]) {
    let e: ConfigError | undefined;
    try {
      loadConfig(argv, {});
    } catch (err) {
      e = err as ConfigError;
    }
    assert.ok(e instanceof ConfigError, argv.join(' '));
    assert.equal(e.problems.length, 1, `${argv.join(' ')}: ${e.message}`);
    assert.ok(!e.message.includes('\n') && e.message.includes('x\\notelacct: ok'), e.message);
  }
  assert.match(error(['-i', 'eth 0']), /^capture\.interfaces=\["eth 0"\]: "eth 0" is not an interface name/);
});

test('OTLP headers: names must be tokens and values free of CR/LF, in the file and in OTEL_EXPORTER_OTLP_[METRICS_]HEADERS', () => {
  const yaml = file('headers.yaml', 'otlp:\n  headers:\n    x-ok: fine\n    "x-crlf": "v\\r\\nInjected: 1"\n    "bad name": x\n');
  const lines = error(['-c', yaml]).split('\n');
  assert.deepEqual(lines, [
    `otlp.headers (in ${yaml}): value of header "x-crlf" holds a control character (CR, LF, ...); not shown, it may be a secret`,
    `otlp.headers (in ${yaml}): header name "bad name" is not valid (letters, digits and !#$%&'*+-.^_\`|~ only)`,
  ]);
  assert.equal(error([], { OTEL_EXPORTER_OTLP_HEADERS: 'a=b,c=d%0D%0Ae: f' }), 'OTEL_EXPORTER_OTLP_HEADERS: value of header "c" holds a control character (CR, LF, ...); not shown, it may be a secret');
  assert.match(error([], { OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x y=1' }), /^OTEL_EXPORTER_OTLP_METRICS_HEADERS: header name "x y" is not valid/);
  const ok = file('okheaders.yaml', 'otlp:\n  headers:\n    authorization: "Basic eHl6\\tz"\n');
  assert.deepEqual(loadConfig(['-c', ok], { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%20def,x=1' }).config.otlp.headers, { authorization: 'Basic eHl6\tz' });
});

test('a trailing BPF expression sets capture.filter, as tcpdump and pmacctd take it; with --filter too it is refused', () => {
  assert.equal(loadConfig(['-i', 'eth0', 'tcp', 'port', '443'], {}).config.capture.filter, 'tcp port 443');
  const mixed = loadConfig(['-i', 'eth0', 'not', 'port', '22', '--snaplen', '200'], {}).config;
  assert.deepEqual([mixed.capture.filter, mixed.capture.snaplen, mixed.capture.interfaces], ['not port 22', 200, ['eth0']], 'flags after the expression still count (GNU getopt order)');
  assert.equal(loadConfig(['tcp'], { OTELACCT_CAPTURE_FILTER: 'udp' }).config.capture.filter, 'tcp', 'the expression is a flag: it beats the environment');
  assert.equal(loadConfig(['-i', 'eth0', '--', 'ip[2:2]', '-', '20', '>', '0'], {}).config.capture.filter, 'ip[2:2] - 20 > 0', 'after --, all words are the expression');
  assert.equal(error(['--filter', 'udp', 'tcp', 'port', '443']), 'capture.filter given twice: --filter "udp" and the trailing expression "tcp port 443"; give one of them');
  assert.equal(error(['tcp', '-f', 'udp']), 'capture.filter given twice: -f "udp" and the trailing expression "tcp"; give one of them');
});

test('-f naming an existing file (pmacctd\'s -f is its config file) is refused with one line; -f EXPR is the filter', () => {
  const conf = file('pmacctd.conf', 'daemonize: true\n');
  assert.equal(error(['-f', conf]), `-f ${JSON.stringify(conf)}: -f is the BPF filter (--filter) in otelacct, not the config file as in pmacctd; for a config file use -c or --config`);
  assert.equal(loadConfig(['-f', 'ip or ip6'], {}).config.capture.filter, 'ip or ip6');
  assert.equal(loadConfig(['--filter', conf], {}).config.capture.filter, conf, 'the long flag is taken as written');
});

test('node_exporter spellings: --web.listen-address sets host and port, --web.config.file is --web-config-file', () => {
  const at = (a: string) => {
    const { prometheus } = loadConfig(['--web.listen-address', a], {}).config;
    return [prometheus.host, prometheus.port];
  };
  assert.deepEqual(at('127.0.0.1:9100'), ['127.0.0.1', 9100]);
  assert.deepEqual(at('[::1]:9464'), ['::1', 9464]);
  assert.deepEqual(at(':9465'), ['', 9465]);
  assert.deepEqual(at('localhost:0'), ['localhost', 0]);
  assert.deepEqual(loadConfig(['--web.listen-address=:9101'], {}).config.prometheus.port, 9101);
  for (const bad of ['9464', '::1:9464', '[::1]', 'host:', 'a b:1']) {
    assert.equal(error(['--web.listen-address', bad]), `--web.listen-address=${JSON.stringify(bad)}: must be host:port, [ipv6]:port or :port (e.g. :9464)`);
  }
  assert.equal(error(['--web.listen-address', ':70000']), 'prometheus.port=70000: must be an integer from 0 to 65535');
  assert.equal(loadConfig(['--web.config.file', '/etc/otelacct/web.yml'], {}).config.prometheus.webConfigFile, '/etc/otelacct/web.yml');
});

test('--keep-port sets accounting.ports; the old --port still does, with a deprecation warning that says it is not the listen port', () => {
  const now = loadConfig(['--keep-port', '443,80'], {});
  assert.deepEqual([now.config.accounting.ports, now.warnings], [[443, 80], []]);
  const old = loadConfig(['--port', '9464'], {});
  assert.deepEqual([old.config.accounting.ports, old.config.prometheus.port], [[9464], 9464]);
  assert.equal(old.warnings.length, 1);
  assert.equal(old.warnings[0].msg, 'deprecated flag --port: use --keep-port');
  assert.match(old.warnings[0].fields.note, /only these ports are kept in the port dimensions.*not the listen port of \/metrics \(that is --web\.listen-address :9464 or --prometheus-port\)/);
  assert.equal(error(['--port', 'x']), '--port="x": accounting.ports must be a list of numbers');
  assert.equal(loadConfig(['--version'], {}).version, true);
});

test('--help is grouped by topic and names every spelling', () => {
  const help = helpText();
  const headings = ['Capture', 'Accounting', 'Export', 'Prometheus endpoint', 'Live page', 'OTLP push', 'Log'].map((h) => help.indexOf(`\n${h}`));
  assert.ok(headings.every((at, i) => at > 0 && (i === 0 || at > headings[i - 1])), `headings in order: ${headings.join(', ')}`);
  assert.ok(help.indexOf('capture.snaplen') < help.indexOf('\nAccounting') && help.indexOf('accounting.ports') > help.indexOf('\nAccounting'));
  for (const spelling of ['--web.listen-address', '--web-config-file, --web.config.file', '--keep-port, --port (deprecated)', '-f, --filter', '--version']) {
    assert.ok(help.includes(spelling), spelling);
  }
});
