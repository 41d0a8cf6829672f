import type { Attributes, HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { MetricData, MetricDescriptor, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { DataPointType, PrometheusSerializer } from './otel-packages.ts';
import { ExpositionLines } from './exposition-lines.ts';

/** The two expositions /metrics serves. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** The last line of every OpenMetrics exposition. */
export const OPENMETRICS_EOF = '# EOF\n';

/**
 * The format an Accept header asks for, as Prometheus' client_golang negotiates it: the media
 * ranges by descending q (ties in header order; q=0 refused); the first that is
 * `application/openmetrics-text` (version 1.0.0, 0.0.1 or none) gives OpenMetrics 1.0.0, the first
 * that is `text/plain` (version 0.0.4 or none), `text/*` or `*∕*` gives the text format. Nothing
 * acceptable, or no header: the text format (as client_golang, rather than 406).
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  const ranges: Array<{ type: string; version: string | undefined; q: number; at: number }> = [];
  accept.split(',').forEach((part, at) => {
    const [type, ...params] = part.split(';').map((p) => p.trim());
    let q = 1;
    let version: string | undefined;
    for (const p of params) {
      const eq = p.indexOf('=');
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (k === 'q') q = Number(v);
      else if (k === 'version') version = v;
    }
    if (type && Number.isFinite(q) && q > 0) ranges.push({ type: type.toLowerCase(), version, q, at });
  });
  ranges.sort((a, b) => b.q - a.q || a.at - b.at);
  for (const r of ranges) {
    if (r.type === 'application/openmetrics-text' && (r.version === undefined || r.version === '1.0.0' || r.version === '0.0.1')) return 'openmetrics';
    if (r.type === 'text/plain' && (r.version === undefined || r.version === '0.0.4')) return 'prometheus';
    if (r.type === 'text/*' || r.type === '*/*') return 'prometheus';
  }
  return 'prometheus';
}

/**
 * OpenTelemetry (UCUM) units → the Prometheus unit words of the OTel specification's Prometheus
 * compatibility table. Annotations (`{packet}`) are not units and are dropped.
 */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes', KBy: 'kilobytes', MBy: 'megabytes',
  GBy: 'gigabytes', TBy: 'terabytes', m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius',
  Hz: 'hertz', '1': 'ratio', '%': 'percent',
};

/**
 * The OpenMetrics `# UNIT` of a family, or '' for none. OpenMetrics requires the unit to be a
 * suffix of the family name; the official exporter does not append units to names (nor does
 * otelacct: the names are the same in both formats, so queries and rules work on either), so a
 * unit is declared only where the name already ends with it: `otelacct_traffic_bytes` (By).
 */
export function openMetricsUnit(family: string, unit: string): string {
  const word = UNIT_WORDS[unit.replace(/\{[^}]*\}/g, '').trim()];
  return word !== undefined && family.endsWith(`_${word}`) ? word : '';
}

/** A metric family's OpenMetrics metadata, from the serializer's HELP / UNIT / TYPE lines. */
interface Family {
  /** The OpenMetrics family name (a counter's without `_total`). */
  name: string;
  /** The sample name the serializer writes (`…_total` for a counter). */
  sample: string;
  counter: boolean;
  /** `# TYPE`, `# UNIT` (when valid), `# HELP` lines. */
  header: string;
}

/**
 * Rewrites the serializer's metadata lines of one family (text format 0.0.4: `# HELP n_total …`,
 * `# UNIT n_total By`, `# TYPE n_total counter`) as OpenMetrics metadata: a counter's family is
 * named without `_total`, the unit is kept only as openMetricsUnit allows, and HELP escapes `"`
 * too (the serializer escapes `\` and newlines; OpenMetrics' escaped-string also needs `\"`).
 */
function family(metadata: readonly string[]): Family {
  let sample = '';
  let type = 'unknown';
  let help = '';
  let unit = '';
  for (const line of metadata) {
    const m = /^# (HELP|UNIT|TYPE) (\S+) ?(.*)$/.exec(line);
    if (!m) continue;
    sample = m[2];
    if (m[1] === 'HELP') help = m[3];
    else if (m[1] === 'UNIT') unit = m[3];
    else type = m[3];
  }
  const counter = type === 'counter' && sample.endsWith('_total');
  const name = counter ? sample.slice(0, -'_total'.length) : sample;
  const om = openMetricsUnit(name, unit);
  const omType = counter ? 'counter' : type === 'untyped' || type === 'counter' ? 'unknown' : type;
  const header = `# TYPE ${name} ${omType}\n${om ? `# UNIT ${name} ${om}\n` : ''}# HELP ${name} ${help.replace(/"/g, '\\"')}\n`;
  return { name, sample, counter, header };
}

/** Seconds since the epoch of an HrTime, as an OpenMetrics number. */
function seconds(t: HrTime): string {
  return t[1] === 0 ? `${t[0]}` : `${t[0]}.${String(t[1]).padStart(9, '0').replace(/0+$/, '')}`;
}

/** `name{labels} value` → `created{labels} start`: the same label set, the series' start time. */
function createdLine(line: string, sampleName: string, familyName: string, start: string): string {
  return `${familyName}_created${line.slice(sampleName.length, line.lastIndexOf(' '))} ${start}\n`;
}

/**
 * The self-telemetry (and target_info) as OpenMetrics 1.0, from the official serializer's own
 * text: each metric family is serialized by it, then its metadata rewritten (family()) and, for
 * counters, each `_total` sample followed by a `_created` sample carrying the data point's start
 * time. target_info becomes the info family `target`. Ends without `# EOF` (the traffic follows).
 */
export function selfOpenMetrics(self: ResourceMetrics): string {
  const serializer = new PrometheusSerializer(undefined, false, undefined, true);
  // target_info: the serializer's line as is; the family is `target`, of type info.
  const resourceText = new PrometheusSerializer().serialize({ resource: self.resource, scopeMetrics: [] });
  const target = resourceText.split('\n').find((l) => l.startsWith('target_info'));
  let out = target ? `# TYPE target info\n# HELP target Target metadata\n${target}\n` : '';
  // Metrics of the same name form one family (the serializer merges them): serialize them together.
  const byName = new Map<string, Array<{ scope: ResourceMetrics['scopeMetrics'][number]['scope']; metric: MetricData }>>();
  for (const sm of self.scopeMetrics) {
    for (const metric of sm.metrics) {
      const list = byName.get(metric.descriptor.name) ?? [];
      list.push({ scope: sm.scope, metric });
      byName.set(metric.descriptor.name, list);
    }
  }
  for (const list of byName.values()) {
    const text = serializer.serialize({ resource: self.resource, scopeMetrics: list.map(({ scope, metric }) => ({ scope, metrics: [metric] })) });
    const lines = text.split('\n').filter((l) => l !== '');
    const meta = lines.filter((l) => l.startsWith('#'));
    const samples = lines.filter((l) => !l.startsWith('#'));
    if (samples.length === 0) continue;
    const f = family(meta);
    out += f.header;
    const starts = list.flatMap(({ metric }) => (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE ? metric.dataPoints.map((dp) => dp.startTime) : []));
    const pair = f.counter && starts.length === samples.length;
    samples.forEach((line, i) => {
      out += `${line}\n`;
      if (pair) out += createdLine(line, f.sample, f.name, seconds(starts[i]));
    });
  }
  return out;
}

/**
 * The OpenMetrics lines of one traffic counter, on ExpositionLines (itself calibrated on the
 * official serializer's output): the `_total` sample is the text format's line byte for byte, the
 * `_created` sample repeats its label set with the series' start time. Per point no more than
 * ExpositionLines' work plus one slice.
 */
export class OpenMetricsLines {
  readonly descriptor: MetricDescriptor;
  /** `# TYPE`, `# UNIT`, `# HELP` of the family. */
  readonly header: string;
  readonly #lines: ExpositionLines;
  readonly #family: Family;

  constructor(descriptor: MetricDescriptor, scope: { name: string; version?: string }, resource: Resource) {
    this.descriptor = descriptor;
    this.#lines = new ExpositionLines(descriptor, scope, resource);
    this.#family = family(this.#lines.header.split('\n'));
    this.header = this.#family.header;
  }

  /** The `_total` and `_created` lines of one data point (start in ms since the epoch). */
  lines(attributes: Attributes, value: number, startMs: number): string {
    const total = this.#lines.line(attributes, value);
    const f = this.#family;
    if (!f.counter) return total;
    // Series started by the same flush share their start: format it once.
    if (startMs !== this.#startMs) {
      this.#startMs = startMs;
      this.#start = `${startMs / 1000}`;
    }
    return total + createdLine(total, f.sample, f.name, this.#start);
  }

  #startMs = NaN;
  #start = '';
}
