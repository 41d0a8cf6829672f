import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { MetricDescriptor } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType, PrometheusSerializer } from './otel-packages.ts';

/**
 * The Prometheus text lines of one monotonic sum (a traffic metric), byte for byte as the official
 * PrometheusSerializer writes them, at a fraction of its cost per line: everything that does not
 * depend on a data point — the metadata lines, the metric name, each label name (sanitized), the
 * scope labels — is taken once from the serializer's own output for a probe point; per line only
 * the label values are escaped (the serializer's rules) and joined. test/export/exposition-lines
 * checks the equality on random series, so a serializer upgrade that changes the format fails there.
 */
export class ExpositionLines {
  /** `# HELP`, `# UNIT`, `# TYPE` lines of the metric, each ending in a newline. */
  readonly header: string;
  readonly #name: string;
  /** The scope labels the serializer appends to every line (`otel_scope_name="…",…`). */
  readonly #suffix: string;
  readonly #labelNames = new Map<string, string>();
  readonly #serializer: PrometheusSerializer;
  readonly descriptor: MetricDescriptor;
  readonly #resource: Resource;
  readonly #scope: { name: string; version?: string };

  constructor(descriptor: MetricDescriptor, scope: { name: string; version?: string }, resource: Resource) {
    this.#serializer = new PrometheusSerializer(undefined, false, undefined, true);
    this.descriptor = descriptor;
    this.#resource = resource;
    this.#scope = scope;
    const text = this.#probe({});
    const lines = text.split('\n');
    const sample = lines.findIndex((l) => !l.startsWith('#'));
    this.header = lines.slice(0, sample).map((l) => `${l}\n`).join('');
    const line = lines[sample];
    const brace = line.indexOf('{');
    this.#name = line.slice(0, brace);
    this.#suffix = line.slice(brace + 1, line.lastIndexOf('}'));
  }

  /** The line of one data point (attributes in their insertion order, as the serializer takes them). */
  line(attributes: Attributes, value: number): string {
    let labels = '';
    for (const key in attributes) labels += this.label(key, attributes[key]);
    return `${this.start}${labels}${this.end}${formatValue(value)}\n`;
  }

  /**
   * The text line() writes for one attribute: `name="value",` (the name sanitized, the value
   * escaped). A line is start + label() per attribute + end + the value + a newline.
   */
  label(key: string, value: AttributeValue | undefined): string {
    return `${this.#labelName(key)}="${escapeValue(value)}",`;
  }

  /** What a line starts with: the metric name and `{`. */
  get start(): string {
    return `${this.#name}{`;
  }

  /** What follows the labels: the scope labels, `}` and a space. */
  get end(): string {
    return `${this.#suffix}} `;
  }

  #labelName(key: string): string {
    let name = this.#labelNames.get(key);
    if (name === undefined) {
      const line = this.#probe({ [key]: '' }).split('\n').find((l) => !l.startsWith('#'))!;
      name = line.slice(line.indexOf('{') + 1, line.indexOf('="'));
      this.#labelNames.set(key, name);
    }
    return name;
  }

  /** The serializer's text for one data point with `attributes` and value 0. */
  #probe(attributes: Attributes): string {
    return this.#serializer.serialize({
      resource: this.#resource,
      scopeMetrics: [{
        scope: this.#scope,
        metrics: [{
          descriptor: this.descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM,
          isMonotonic: true, dataPoints: [{ attributes, value: 0, startTime: [0, 0], endTime: [0, 0] }],
        }],
      }],
    });
  }
}

/** A sample value as the serializer writes it. */
export function formatValue(value: number): string {
  return value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : `${value}`;
}

/** A label value as the serializer escapes it (non-strings as JSON; backslash, newline, quote). */
function escapeValue(value: AttributeValue | undefined): string {
  const s = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

const NEEDS_ESCAPE = /[\\\n"]/;
