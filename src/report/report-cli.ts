import { oneLine } from '../config/load.ts';
import { redactSecrets } from '../log.ts';
import { BILLED_AGGREGATIONS } from './aggregations.ts';
import { computeBilling, NoDataError } from './billing.ts';
import { httpInstantQuery, PrometheusApiError } from './prometheus-api.ts';
import { formatCsv, formatJson, formatTable, partialNote } from './report-format.ts';
import { parseReportArgs, REPORT_USAGE, ReportUsageError } from './report-options.ts';
import { formatInstant } from './time-values.ts';

const FORMATTERS = { table: formatTable, csv: formatCsv, json: formatJson } as const;

/** One `otelacct report: ...` line on stderr: control characters escaped, URL credentials hidden. */
function problem(message: string): void {
  process.stderr.write(`otelacct report: ${redactSecrets(oneLine(message))}\n`);
}

/**
 * `otelacct report [flags]`: queries Prometheus and prints the billing report on stdout.
 * Resolves to the exit status: 0 printed, 1 Prometheus unreachable/failing or no data (one line
 * on stderr), 2 bad flags.
 */
export async function reportMain(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseReportArgs(argv);
  } catch (err) {
    if (!(err instanceof ReportUsageError)) throw err;
    problem(`${err.message} (see otelacct report --help)`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(REPORT_USAGE);
    return 0;
  }
  const aggregation = BILLED_AGGREGATIONS[options.aggregation];
  try {
    const rows = await computeBilling(httpInstantQuery(options.prometheus, options.timeoutMs, options.http), {
      aggregation,
      job: options.job,
      periodMs: options.billedToMs - options.fromMs,
      stepMs: options.stepMs,
      quantile: options.percentile / 100,
      toMs: options.billedToMs,
    });
    const period = { fromMs: options.fromMs, toMs: options.toMs, billedToMs: options.billedToMs };
    if (period.billedToMs < period.toMs) problem(partialNote(period));
    process.stdout.write(FORMATTERS[options.format](rows, { column: aggregation.column, percentile: options.percentile, period }));
    return 0;
  } catch (err) {
    if (err instanceof NoDataError) {
      problem(`${err.message} (${formatInstant(options.fromMs)} to ${formatInstant(options.billedToMs)})`);
      return 1;
    }
    if (err instanceof PrometheusApiError) {
      problem(err.message);
      return 1;
    }
    throw err;
  }
}
