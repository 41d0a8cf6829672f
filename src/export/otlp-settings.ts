import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { TEMPORALITIES, type Temporality } from './delta-baseline.ts';

/** The OTLP transports of the OTLP exporter specification. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json', 'grpc'];

/** TLS material from the spec's OTEL_EXPORTER_OTLP_[METRICS_]* variables, read and checked. */
export interface OtlpTls {
  /** Trusted CA certificates (PEM), else the system's. */
  ca?: Buffer;
  /** Client certificate and key (PEM, mTLS): both or neither. */
  cert?: Buffer;
  key?: Buffer;
  /** gRPC only, for an endpoint without scheme: plaintext instead of TLS. */
  insecure: boolean;
}

/** Where and how OTLP pushes go. */
export interface OtlpSettings {
  protocol: OtlpProtocol;
  /** HTTP: the full URL. gRPC: http(s)://host:port, or host:port (then `tls.insecure` decides). */
  url: string;
  tls: OtlpTls;
  temporality: Temporality;
}

/**
 * The OTLP settings in effect, or undefined when OTLP is off (no endpoint anywhere). Each setting
 * comes from the configuration when set there, else from the OpenTelemetry variable for metrics
 * (OTEL_EXPORTER_OTLP_METRICS_*), else from the general one (OTEL_EXPORTER_OTLP_*), as the OTLP
 * exporter specification orders them. Certificate files are read and parsed here, once: a bad
 * value throws ConfigError (one line naming the variable, its value and what is wrong) rather
 * than leaving the exporter to fall back silently.
 */
export function resolveOtlp(config: Config, env: NodeJS.ProcessEnv, readFile: (path: string) => Buffer = readFileSync): OtlpSettings | undefined {
  const pick = (name: string): [string, string] | undefined => {
    for (const v of [`OTEL_EXPORTER_OTLP_METRICS_${name}`, `OTEL_EXPORTER_OTLP_${name}`]) {
      const value = env[v]?.trim();
      if (value) return [v, value];
    }
    return undefined;
  };
  let protocol = config.otlp.protocol as string;
  if (protocol === '') {
    const [variable, value] = pick('PROTOCOL') ?? ['', 'http/protobuf'];
    if (!PROTOCOLS.includes(value)) throw new ConfigError(`${variable}="${value}": must be http/protobuf, http/json or grpc`);
    protocol = value;
  }
  const grpc = protocol === 'grpc';
  const url = endpoint(config, env, grpc);
  if (url === undefined) return undefined;

  const file = (name: string): { variable: string; path: string; data: Buffer } | undefined => {
    const found = pick(name);
    if (!found) return undefined;
    const [variable, path] = found;
    try {
      return { variable, path, data: readFile(resolve(path)) };
    } catch (err) {
      throw new ConfigError(`${variable}="${path}": cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  };
  const ca = file('CERTIFICATE');
  const cert = file('CLIENT_CERTIFICATE');
  const key = file('CLIENT_KEY');
  if (ca) certificate(ca);
  if ((cert === undefined) !== (key === undefined)) {
    const [have, missing] = cert ? [cert.variable, 'OTEL_EXPORTER_OTLP_CLIENT_KEY'] : [key!.variable, 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE'];
    throw new ConfigError(`${have} is set but ${missing} is not: a client certificate needs its key`);
  }
  if (cert && key) {
    const x509 = certificate(cert);
    let privateKey;
    try {
      privateKey = createPrivateKey(key.data);
    } catch (err) {
      throw new ConfigError(`${key.variable}="${key.path}": not a PEM private key`, { cause: err });
    }
    if (!x509.checkPrivateKey(privateKey)) throw new ConfigError(`${key.variable}="${key.path}": does not match the certificate in ${cert.variable}="${cert.path}"`);
  }
  let insecure = false;
  const flag = pick('INSECURE');
  if (flag) {
    if (!/^(true|false)$/i.test(flag[1])) throw new ConfigError(`${flag[0]}="${flag[1]}": must be true or false`);
    insecure = flag[1].toLowerCase() === 'true';
  }
  let temporality = config.otlp.temporality as string;
  if (temporality === '') {
    // The spec's values are case-insensitive; only the metrics variable exists.
    const variable = 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE';
    const value = env[variable]?.trim() ?? '';
    temporality = value.toLowerCase() || 'cumulative';
    if (!TEMPORALITIES.includes(temporality as Temporality)) throw new ConfigError(`${variable}="${value}": must be cumulative, delta or lowmemory`);
  }
  return { protocol: protocol as OtlpProtocol, url, tls: { ca: ca?.data, cert: cert?.data, key: key?.data, insecure }, temporality: temporality as Temporality };
}

/**
 * The endpoint: `otlp.endpoint`, else OTEL_EXPORTER_OTLP_METRICS_ENDPOINT (as is), else
 * OTEL_EXPORTER_OTLP_ENDPOINT (+ `/v1/metrics` for HTTP; as is for gRPC). A gRPC endpoint names
 * a host and port only: a path is refused rather than silently dropped (it usually means an
 * HTTP URL, port 4318, given to gRPC).
 */
function endpoint(config: Config, env: NodeJS.ProcessEnv, grpc: boolean): string | undefined {
  let source = 'otlp.endpoint';
  let url = config.otlp.endpoint;
  if (!url && env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim()) {
    source = 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT';
    url = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT.trim();
  } else if (!url && env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) {
    source = 'OTEL_EXPORTER_OTLP_ENDPOINT';
    url = env.OTEL_EXPORTER_OTLP_ENDPOINT.trim();
    if (!grpc) url = url.replace(/\/+$/, '') + '/v1/metrics';
  }
  if (!url) return undefined;
  const schemeless = grpc && !url.includes('://');
  let parsed: URL | undefined;
  try {
    parsed = new URL(schemeless ? `http://${url}` : url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(`${source}="${url}": must be an http:// or https:// URL${grpc ? ' (or host:port for gRPC)' : ''}`);
  }
  if (grpc && ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search)) {
    throw new ConfigError(`${source}="${url}": a gRPC endpoint has no path (e.g. http://collector:4317); /v1/metrics URLs are for http/protobuf and http/json`);
  }
  return url;
}

function certificate(f: { variable: string; path: string; data: Buffer }): X509Certificate {
  try {
    return new X509Certificate(f.data);
  } catch (err) {
    throw new ConfigError(`${f.variable}="${f.path}": not a PEM certificate`, { cause: err });
  }
}
