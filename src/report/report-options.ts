import { parseArgs } from 'node:util';
import { redactSecrets } from '../log.ts';
import { BILLED_AGGREGATIONS, type AggregationName } from './aggregations.ts';
import { httpClientSettings, HttpConfigError, type HttpClientSettings } from './http-config.ts';
import { formatInstant, parseDate, parseDuration, previousMonth } from './time-values.ts';

/** Output formats of the report. */
export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Everything `otelacct report` was asked to do, validated. Times in ms since the epoch (UTC). */
export interface ReportOptions {
  /** Without user information (that is in `http`, as basic auth). */
  prometheus: URL;
  /** Authentication, TLS and headers for Prometheus. */
  http: HttpClientSettings;
  fromMs: number;
  /** The period's end as asked (--to, exclusive). */
  toMs: number;
  /**
   * The end of what is billed: `toMs`, or for a period that has not ended yet the end of its
   * last slot before now (slots still to come did not happen and are not counted as zero).
   */
  billedToMs: number;
  aggregation: AggregationName;
  format: ReportFormat;
  /** 0 < percentile <= 100. */
  percentile: number;
  stepMs: number;
  /** `job` label to select; empty: any. */
  job: string;
  timeoutMs: number;
}

/** A bad flag or value; `message` is one line naming the flag and what is allowed. */
export class ReportUsageError extends Error {
  override readonly name = 'ReportUsageError';
}

/** `otelacct report --help`. */
export const REPORT_USAGE = `usage: otelacct report [flags]       per-host (or per-site) billing from Prometheus

  --prometheus URL        Prometheus base URL (env OTELACCT_REPORT_PROMETHEUS; default
                          http://localhost:9090); https://user:password@host/ is basic auth
  --http.config.file FILE authentication and TLS, as Prometheus' http_config (and promtool's
                          flag of the same name): basic_auth (username, password or
                          password_file), authorization (type, credentials or credentials_file),
                          tls_config (ca_file, cert_file, key_file, server_name,
                          insecure_skip_verify), http_headers (X-Scope-OrgID: {values: [t1]}),
                          follow_redirects (env OTELACCT_REPORT_HTTP_CONFIG_FILE)
  --from DATE             period start, YYYY-MM-DD (midnight UTC) or RFC 3339 with a zone
  --to DATE               period end (exclusive); default for both: the previous calendar month
  --aggregation NAME      host (otelacct_host_bytes_total by otelacct_local_address) or
                          site (otelacct_site_bytes_total by otelacct_local_network); default host
  --percentile N          percentile of the slot rates, 0 < N <= 100 (default 95)
  --step DURATION         slot length (default 5m); --from and --to must be multiples of it
  --job NAME              job label of the meters' series (default otelacct; "" for any)
  --format FORMAT         table, csv or json (default table)
  --timeout DURATION      longest a query may take (default 2m)
  -h, --help              this text

Env OTELACCT_REPORT_HEADERS adds headers: name=value,... URL-decoded (X-Scope-OrgID=t1).
Secrets are never printed: the URL is shown without its user and password.

For each host or site: the percentile of its in and out rates over the period's slots (each
slot's average rate; slots without data count as 0), in Mbit/s, and the bytes in and out.
A period that has not ended (the current month) is billed up to its last complete slot and
marked partial: a line above the table, "partial" in JSON, a line on stderr.
In = network_io_direction "receive" (into the local host), out = "transmit", local-to-local
traffic (otelacct_traffic_class "internal") included; transit traffic has no direction.
Exit status: 0 report printed, 1 Prometheus unreachable or failing or no data, 2 bad flags.
`;

const FLAGS = {
  prometheus: { type: 'string' },
  'http.config.file': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  aggregation: { type: 'string', default: 'host' },
  percentile: { type: 'string', default: '95' },
  step: { type: 'string', default: '5m' },
  job: { type: 'string', default: 'otelacct' },
  format: { type: 'string', default: 'table' },
  timeout: { type: 'string', default: '2m' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Parses `otelacct report` arguments: the options, or `'help'` for -h/--help. Throws
 * ReportUsageError naming the first bad flag. `nowMs` picks the default (previous) month.
 */
export function parseReportArgs(argv: string[], nowMs = Date.now(), env: NodeJS.ProcessEnv = process.env): ReportOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ReportUsageError((err as Error).message.split('\n')[0].replace(/\.$/, '').replace(/^Unknown option/, 'unknown flag'), { cause: err });
  }
  if (values.help) return 'help';
  const stepMs = duration('--step', values.step);
  const period = dates(values.from, values.to, nowMs);
  if (period.toMs <= period.fromMs) throw new ReportUsageError(`--to ${formatInstant(period.toMs)} is not after --from ${formatInstant(period.fromMs)}`);
  for (const [flag, ms] of [['--from', period.fromMs], ['--to', period.toMs]] as const) {
    if (ms % stepMs !== 0) {
      throw new ReportUsageError(`${flag} ${formatInstant(ms)} is not a multiple of --step ${values.step} since the epoch (slots must tile the period)`);
    }
  }
  // Only slots that have ended are billed: future slots would count as zero traffic.
  const billedToMs = Math.min(period.toMs, Math.floor(nowMs / stepMs) * stepMs);
  if (billedToMs <= period.fromMs) {
    throw new ReportUsageError(`--from ${formatInstant(period.fromMs)}: no --step ${values.step} slot of the period has ended yet (now ${formatInstant(nowMs)}); nothing to bill`);
  }
  const flag = values.prometheus !== undefined ? '--prometheus' : env.OTELACCT_REPORT_PROMETHEUS ? 'OTELACCT_REPORT_PROMETHEUS' : '--prometheus';
  let client;
  try {
    client = httpClientSettings(url(flag, values.prometheus ?? (env.OTELACCT_REPORT_PROMETHEUS || 'http://localhost:9090')),
      values['http.config.file'] ?? (env.OTELACCT_REPORT_HTTP_CONFIG_FILE || undefined), env.OTELACCT_REPORT_HEADERS);
  } catch (err) {
    if (err instanceof HttpConfigError) throw new ReportUsageError(err.message, { cause: err });
    throw err;
  }
  return {
    prometheus: client.url,
    http: client.settings,
    ...period,
    billedToMs,
    aggregation: oneOf('--aggregation', values.aggregation, Object.keys(BILLED_AGGREGATIONS) as AggregationName[]),
    format: oneOf('--format', values.format, REPORT_FORMATS),
    percentile: percentile(values.percentile),
    stepMs,
    job: values.job,
    timeoutMs: duration('--timeout', values.timeout),
  };
}

function dates(from: string | undefined, to: string | undefined, nowMs: number): { fromMs: number; toMs: number } {
  if (from === undefined && to === undefined) {
    const month = previousMonth(nowMs);
    return { fromMs: month.from, toMs: month.to };
  }
  if (from === undefined || to === undefined) throw new ReportUsageError(`${from === undefined ? '--from' : '--to'} is missing (give both --from and --to, or neither for the previous month)`);
  return { fromMs: date('--from', from), toMs: date('--to', to) };
}

function date(flag: string, text: string): number {
  const ms = parseDate(text);
  if (ms === undefined) throw new ReportUsageError(`${flag}: "${text}" is not a date (YYYY-MM-DD, or RFC 3339 such as 2026-10-01T00:00:00Z)`);
  return ms;
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new ReportUsageError(`${flag}: "${text}" is not a duration (such as 5m, 1h, 90s)`);
  return ms;
}

function percentile(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 100) throw new ReportUsageError(`--percentile: "${text}" is not a number in (0, 100]`);
  return n;
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new ReportUsageError(`${flag}: "${text}" is not one of ${allowed.join(', ')}`);
  return text as T;
}

function url(flag: string, text: string): URL {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new ReportUsageError(`${flag}: "${redactSecrets(text)}" is not an http:// or https:// URL`);
  }
  return u;
}
