import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { resolveOtlp } from '../../src/export/otlp-settings.ts';
import { makePki, type TestPki } from '../support/certs.ts';
import { TempDir } from '../support/read-capture.ts';
import { unmet } from '../support/requirements.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

function settings(args: string[], env: Record<string, string>) {
  return resolveOtlp(loadConfig(args, {}).config, env);
}

/** The one-line message of the ConfigError that resolving throws. */
function problem(args: string[], env: Record<string, string>): string {
  try {
    settings(args, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.doesNotMatch(err.message, /\n/);
    return err.message;
  }
  assert.fail('no error');
}

describe('protocol', () => {
  const E = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
  const cases: Array<[string, string[], Record<string, string>, string]> = [
    ['the spec default', [], {}, 'http/protobuf'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', [], { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'http/json'],
    ['the signal-specific variable wins', [], { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' }, 'grpc'],
    ['the flag wins over both', ['--otlp-protocol', 'http/json'], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' }, 'http/json'],
  ];
  for (const [name, args, env, want] of cases) {
    test(name, () => assert.equal(settings(args, { ...E, ...env })!.protocol, want));
  }
  test('a bad value names the variable', () => {
    assert.equal(problem([], { ...E, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http' }), 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="http": must be http/protobuf, http/json or grpc');
    assert.throws(() => loadConfig(['--otlp-protocol', 'udp'], {}), /otlp.protocol="udp": must be http\/protobuf, http\/json or grpc/);
  });
});

describe('temporality preference', () => {
  const E = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
  const V = 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE';
  const cases: Array<[string, string[], Record<string, string>, string]> = [
    ['cumulative by default', [], {}, 'cumulative'],
    ['the variable, any case (the spec: case-insensitive)', [], { [V]: 'Delta' }, 'delta'],
    ['lowmemory', [], { [V]: 'LOWMEMORY' }, 'lowmemory'],
    ['the flag wins over the variable', ['--otlp-temporality', 'cumulative'], { [V]: 'delta' }, 'cumulative'],
  ];
  for (const [name, args, env, want] of cases) {
    test(name, () => assert.equal(settings(args, { ...E, ...env })!.temporality, want));
  }
  test('the config file wins over the variable', () => {
    const file = join(tmp.path, 'temporality.yaml');
    writeFileSync(file, 'otlp:\n  temporality: lowmemory\n');
    assert.equal(resolveOtlp(loadConfig(['--config', file], {}).config, { ...E, [V]: 'delta' })!.temporality, 'lowmemory');
  });
  test('a bad value names the variable or the key', () => {
    assert.equal(problem([], { ...E, [V]: 'deltas' }), `${V}="deltas": must be cumulative, delta or lowmemory`);
    assert.throws(() => loadConfig(['--otlp-temporality', 'Delta'], {}), /otlp.temporality="Delta": must be cumulative, delta or lowmemory/);
  });
});

describe('endpoint', () => {
  const cases: Array<[string, string[], Record<string, string>, string | undefined]> = [
    ['none: OTLP is off', [], {}, undefined],
    ['HTTP: /v1/metrics appended to OTEL_EXPORTER_OTLP_ENDPOINT', [], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'http://c:4318/v1/metrics'],
    ['HTTP: the signal-specific endpoint as is', [], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://m:443/otlp' }, 'https://m:443/otlp'],
    ['gRPC: OTEL_EXPORTER_OTLP_ENDPOINT as is', [], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }, 'http://c:4317'],
    ['gRPC: host:port without scheme', [], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317' }, 'c:4317'],
    ['otlp.endpoint wins', ['--otlp-endpoint', 'http://x:4318/v1/metrics'], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, 'http://x:4318/v1/metrics'],
  ];
  for (const [name, args, env, want] of cases) {
    test(name, () => assert.equal(settings(args, env)?.url, want));
  }
  test('bad endpoints: one line naming where they came from', () => {
    assert.equal(problem([], { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'collector:4318' }), 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="collector:4318": must be an http:// or https:// URL');
    assert.match(problem(['--otlp-protocol', 'grpc', '--otlp-endpoint', 'http://c:4318/v1/metrics'], {}), /^otlp.endpoint="http:\/\/c:4318\/v1\/metrics": a gRPC endpoint has no path/);
  });
});

describe('TLS variables', () => {
  let pki: TestPki;
  const G = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317' };
  before(() => {
    if (unmet({ tools: ['openssl'] })) return;
    pki = makePki(tmp.path);
  });

  test('CA, client certificate and key are read; the METRICS_ variant wins', { skip: unmet({ tools: ['openssl'] }) }, () => {
    const s = settings([], { ...G, OTEL_EXPORTER_OTLP_CERTIFICATE: pki.serverCert, OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: pki.caCert,
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: pki.clientKey })!;
    assert.deepEqual(s.tls.ca, pki.read(pki.caCert));
    assert.deepEqual(s.tls.cert, pki.read(pki.clientCert));
    assert.deepEqual(s.tls.key, pki.read(pki.clientKey));
    assert.equal(s.tls.insecure, false);
    assert.equal(settings([], { ...G, OTEL_EXPORTER_OTLP_INSECURE: 'TRUE' })!.tls.insecure, true);
  });

  test('bad values: one line each, naming the variable and the value', { skip: unmet({ tools: ['openssl'] }) }, () => {
    const notPem = join(tmp.path, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    const missing = join(tmp.path, 'missing.pem');
    assert.equal(problem([], { ...G, OTEL_EXPORTER_OTLP_CERTIFICATE: missing }), `OTEL_EXPORTER_OTLP_CERTIFICATE="${missing}": cannot read (ENOENT)`);
    assert.equal(problem([], { ...G, OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: notPem }), `OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE="${notPem}": not a PEM certificate`);
    assert.equal(problem([], { ...G, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert }),
      'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set but OTEL_EXPORTER_OTLP_CLIENT_KEY is not: a client certificate needs its key');
    assert.equal(problem([], { ...G, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: notPem }),
      `OTEL_EXPORTER_OTLP_CLIENT_KEY="${notPem}": not a PEM private key`);
    assert.equal(problem([], { ...G, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: pki.serverKey }),
      `OTEL_EXPORTER_OTLP_CLIENT_KEY="${pki.serverKey}": does not match the certificate in OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE="${pki.clientCert}"`);
    assert.equal(problem([], { ...G, OTEL_EXPORTER_OTLP_METRICS_INSECURE: 'yes' }), 'OTEL_EXPORTER_OTLP_METRICS_INSECURE="yes": must be true or false');
  });

  test('no endpoint: the TLS variables are not even read', () => {
    assert.equal(settings([], { OTEL_EXPORTER_OTLP_CERTIFICATE: join(tmp.path, 'missing.pem') }), undefined);
  });
});
