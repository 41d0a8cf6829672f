import { ATTR_DIRECTION, ATTR_TRAFFIC_CLASS } from '../export/semconv.ts';
import { DIMENSIONS, isDimension, LOCAL_DIMENSIONS, PAIR_DIMENSIONS } from './dimensions.ts';

/** One named aggregation: its own metric stream, attributes and cardinality limit. */
export interface AggregationConfig {
  /** Metric names become otelacct.<name>.bytes / otelacct.<name>.packets. */
  name: string;
  dimensions: string[];
  /** Series per metric, the overflow series included; default export.cardinalityLimit. */
  cardinalityLimit?: number;
  /** Roll-up for *.prefix dimensions of addresses no networks-file entry matches. */
  prefixLength?: { ipv4?: number; ipv6?: number };
  /** Seconds without traffic before a series leaves; default export.idleTimeout; 0 never. */
  idleTimeout?: number;
  /** What a new key past the limit becomes; default export.overflowPolicy. */
  overflowPolicy?: 'rollup' | 'overflow';
}

/** Names an aggregation cannot take: they are otelacct's own metric namespaces. */
const RESERVED = new Set(['capture', 'decode', 'flow_table', 'export', 'sampling', 'flow', 'udp']);
const NAME = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * convict format of the `aggregations` key: a list of AggregationConfig. Throws one message
 * naming the entry and the problem.
 */
export function aggregationList(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of {name, dimensions, cardinalityLimit?, prefixLength?}');
  const names = new Set<string>();
  value.forEach((agg: unknown, i) => {
    const where = `entry ${i + 1}`;
    if (agg === null || typeof agg !== 'object' || Array.isArray(agg)) throw new Error(`${where}: must be a map with name and dimensions`);
    const a = agg as Record<string, unknown>;
    for (const k of Object.keys(a)) {
      if (!['name', 'dimensions', 'cardinalityLimit', 'prefixLength', 'idleTimeout', 'overflowPolicy'].includes(k)) throw new Error(`${where}: unknown key ${JSON.stringify(k)} (allowed: name, dimensions, cardinalityLimit, prefixLength, idleTimeout, overflowPolicy)`);
    }
    if (typeof a.name !== 'string' || !NAME.test(a.name)) throw new Error(`${where}: name must match ${NAME.source}`);
    if (RESERVED.has(a.name)) throw new Error(`${where}: name "${a.name}" is reserved (${[...RESERVED].join(', ')})`);
    if (names.has(a.name)) throw new Error(`${where}: name "${a.name}" used twice`);
    names.add(a.name);
    checkDimensions(a.dimensions, `${where} (${a.name}): dimensions`);
    if (a.cardinalityLimit !== undefined && !(Number.isInteger(a.cardinalityLimit) && (a.cardinalityLimit as number) >= 2 && (a.cardinalityLimit as number) <= 10_000_000)) {
      throw new Error(`${where} (${a.name}): cardinalityLimit must be an integer from 2 to 10000000`);
    }
    if (a.prefixLength !== undefined) checkPrefixLength(a.prefixLength, `${where} (${a.name}): prefixLength`);
    if (a.overflowPolicy !== undefined && a.overflowPolicy !== 'rollup' && a.overflowPolicy !== 'overflow') {
      throw new Error(`${where} (${a.name}): overflowPolicy must be rollup or overflow, got ${JSON.stringify(a.overflowPolicy)}`);
    }
    if (a.idleTimeout !== undefined && !(Number.isInteger(a.idleTimeout) && (a.idleTimeout as number) >= 0 && (a.idleTimeout as number) <= 366 * 86400)) {
      throw new Error(`${where} (${a.name}): idleTimeout must be an integer number of seconds from 0 to 31622400`);
    }
  });
}

/** Validates a dimension list; `where` prefixes the message. */
export function checkDimensions(value: unknown, where: string): void {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${where} must be a non-empty list of: ${DIMENSIONS.join(', ')}`);
  for (const v of value) {
    if (v === ATTR_TRAFFIC_CLASS) throw new Error(`${where}: ${ATTR_TRAFFIC_CLASS} is exported by the ${ATTR_DIRECTION} dimension: list that instead`);
    if (!isDimension(v)) throw new Error(`${where}: unknown dimension ${JSON.stringify(v)} (allowed: ${DIMENSIONS.join(', ')})`);
  }
  if (new Set(value).size !== value.length) throw new Error(`${where}: lists a dimension twice`);
  const pair = value.filter((d) => PAIR_DIMENSIONS.includes(d));
  const local = value.filter((d) => LOCAL_DIMENSIONS.includes(d));
  if (pair.length > 0 && local.length > 0) {
    throw new Error(`${where}: mixes source/destination (${pair.join(', ')}) with local/remote (${local.join(', ')}) dimensions; use one orientation per aggregation`);
  }
  for (const side of ['source', 'destination', 'local', 'remote']) {
    const addr = side === 'source' || side === 'destination' ? `${side}.address` : `otelacct.${side}.address`;
    if (value.includes(addr) && value.includes(`otelacct.${side}.prefix`)) {
      throw new Error(`${where}: has both ${addr} and otelacct.${side}.prefix; pick one per side`);
    }
  }
}

function checkPrefixLength(value: unknown, where: string): void {
  if (value === null || typeof value !== 'object') throw new Error(`${where} must be a map {ipv4: 0..32, ipv6: 0..128}`);
  const p = value as Record<string, unknown>;
  for (const k of Object.keys(p)) if (k !== 'ipv4' && k !== 'ipv6') throw new Error(`${where}: unknown key ${JSON.stringify(k)} (allowed: ipv4, ipv6)`);
  if (p.ipv4 !== undefined && !(Number.isInteger(p.ipv4) && (p.ipv4 as number) >= 0 && (p.ipv4 as number) <= 32)) throw new Error(`${where}.ipv4 must be an integer from 0 to 32`);
  if (p.ipv6 !== undefined && !(Number.isInteger(p.ipv6) && (p.ipv6 as number) >= 0 && (p.ipv6 as number) <= 128)) throw new Error(`${where}.ipv6 must be an integer from 0 to 128`);
}

/** An aggregation with every default filled in. */
export interface ResolvedAggregation {
  name: string;
  dimensions: string[];
  cardinalityLimit: number;
  /** Roll-up lengths for unmatched addresses in *.prefix dimensions (32/128: none; 0: pmacct's 0.0.0.0/0). */
  prefixLength: { ipv4: number; ipv6: number };
  /** Seconds without traffic before a series leaves (0: never). */
  idleTimeout: number;
  /** What a new key past the limit becomes (series-store.ts). */
  overflowPolicy: 'rollup' | 'overflow';
}

/**
 * The aggregations in effect: `aggregations` if any, else one named "traffic" from
 * accounting.dimensions and export.cardinalityLimit. Unmatched addresses in *.prefix dimensions
 * become 0.0.0.0/0 and ::/0 (as pmacct's src_net/dst_net) unless prefixLength says otherwise.
 */
export function resolveAggregations(config: {
  aggregations: AggregationConfig[]; accounting: { dimensions: string[] };
  export: { cardinalityLimit: number; idleTimeout?: number; overflowPolicy?: 'rollup' | 'overflow' };
}): ResolvedAggregation[] {
  const list = config.aggregations.length > 0
    ? config.aggregations
    : [{ name: 'traffic', dimensions: config.accounting.dimensions }];
  return list.map((a) => ({
    name: a.name,
    dimensions: a.dimensions,
    cardinalityLimit: a.cardinalityLimit ?? config.export.cardinalityLimit,
    prefixLength: { ipv4: a.prefixLength?.ipv4 ?? 0, ipv6: a.prefixLength?.ipv6 ?? 0 },
    idleTimeout: a.idleTimeout ?? config.export.idleTimeout ?? 0,
    overflowPolicy: a.overflowPolicy ?? config.export.overflowPolicy ?? 'rollup',
  }));
}
