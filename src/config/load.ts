import convict from 'convict';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { ATTR_DIRECTION } from '../export/semconv.ts';
import { resolveAggregations } from './aggregations.ts';
import { LOCAL_DIMENSIONS, NETWORK_DIMENSIONS } from './dimensions.ts';
import { readLimited } from './read-limited.ts';
import { schema, type Config } from './schema.ts';
import { leaves, type Leaf } from './schema-leaves.ts';

/**
 * Configuration problems: `problems` holds one line each, naming key, value and what is allowed,
 * with control characters escaped (a value cannot start a line of its own); `message` is them
 * joined by newlines.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[], options?: ErrorOptions) {
    const lines = (typeof problems === 'string' ? [problems] : problems).map(oneLine);
    super(lines.join('\n'), options);
    this.problems = lines;
  }
}

/** What the command line asked for, besides the configuration itself. */
export interface LoadedConfig {
  config: Config;
  /** --print-config: print the effective configuration and exit. */
  printConfig: boolean;
  /** --help / -h. */
  help: boolean;
  /** --version. */
  version: boolean;
  /** Where the file layer came from, if any. */
  configFile: string | undefined;
  /** Deprecated spellings used: one log line each (msg and fields), for the caller to write. */
  warnings: Array<{ msg: string; fields: Record<string, string> }>;
}

/** List keys whose items are numbers (flags and environment give strings). */
const NUMBER_LISTS = new Set(['accounting.ports', 'flow.netflow.ports']);

export const SHORT: Record<string, string> = { '-i': 'interface', '-r': 'read', '-f': 'filter', '-c': 'config', '-h': 'help' };

/** node_exporter's spellings, same meaning as ours: alias → our flag. */
export const ALIASES: Record<string, string> = { 'web.config.file': 'web-config-file' };

/**
 * Old spellings kept working (unit files have them), each with a deprecation line: old flag →
 * its new name and what it does, said plainly because the old name misled.
 */
export const DEPRECATED: Record<string, { use: string; note: string }> = {
  port: {
    use: 'keep-port',
    note: 'sets accounting.ports: only these ports are kept in the port dimensions, all others count as port 0; it is not the listen port of /metrics (that is --web.listen-address :9464 or --prometheus-port)',
  },
};

/**
 * Builds the effective configuration: schema defaults < file (`--config` / OTELACCT_CONFIG,
 * YAML or JSON) < environment (each key's `env`) < command-line flags (each key's `arg`).
 * Throws ConfigError for unknown flags or keys and invalid values.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  try {
    return load(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // A shape no check foresaw must still be one line, never a crash (or a dead meter on SIGHUP).
    throw new ConfigError(`configuration: cannot load (${(err as Error)?.message ?? String(err)})`, { cause: err });
  }
}

function load(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  const all = leaves(schema);
  const byArg = new Map(all.filter((l) => l.arg).map((l) => [l.arg!, l]));
  const flags: Array<[Leaf, string, string]> = []; // leaf, raw value, flag as written
  let configFile = env.OTELACCT_CONFIG || undefined;
  let printConfig = false;
  let help = false;
  let version = false;
  const warnings: LoadedConfig['warnings'] = [];
  // Words that are no flag and no flag's value: a BPF expression, as tcpdump and pmacctd take it.
  const expression: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '--') { // the rest is the expression, even words that look like flags
      expression.push(...argv.slice(i + 1));
      break;
    }
    const short = SHORT[arg] ? arg : undefined;
    if (short) arg = `--${SHORT[arg]}`;
    if (!arg.startsWith('--')) {
      if (/^-[A-Za-z]/.test(arg)) throw new ConfigError(`unknown flag ${arg} (short flags: ${Object.keys(SHORT).join(', ')}; see --help)`);
      expression.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name === 'help') { help = true; continue; }
    if (name === 'version') { version = true; continue; }
    if (name === 'print-config') { printConfig = true; continue; }
    const written = short ?? `--${name}`;
    const next = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new ConfigError(`${written}: missing value`);
      return argv[++i];
    };
    if (name === 'config') { configFile = next(); continue; }
    if (name === 'web.listen-address') {
      const raw = next();
      const { host, port } = listenAddress(raw);
      flags.push([byArg.get('prometheus-host')!, host, '--web.listen-address'], [byArg.get('prometheus-port')!, port, '--web.listen-address']);
      continue;
    }
    if (ALIASES[name]) name = ALIASES[name];
    const deprecated = DEPRECATED[name];
    if (deprecated) {
      warnings.push({ msg: `deprecated flag --${name}: use --${deprecated.use}`, fields: { flag: `--${name}`, use: `--${deprecated.use}`, note: deprecated.note } });
      name = deprecated.use;
    }
    let leaf = byArg.get(name);
    if (!leaf && name.startsWith('no-')) {
      const positive = byArg.get(name.slice(3));
      if (positive && typeof positive.default === 'boolean') { leaf = positive; name = name.slice(3); inline = 'false'; }
    }
    if (!leaf) throw new ConfigError(`unknown flag --${name} (see --help)`);
    const raw = typeof leaf.default === 'boolean' && inline === undefined ? 'true' : next();
    if (short === '-f') notAFile(raw);
    flags.push([leaf, raw, written]);
  }
  if (expression.length > 0) {
    const given = flags.find(([leaf]) => leaf.key === 'capture.filter');
    if (given) {
      throw new ConfigError(`capture.filter given twice: ${given[2]} ${JSON.stringify(given[1])} and the trailing expression ${JSON.stringify(expression.join(' '))}; give one of them`);
    }
    flags.push([byArg.get('filter')!, expression.join(' '), 'filter expression']);
  }

  const conf = convict(schema, { env: {}, args: [] });
  // Maps whose keys may contain dots (resource attribute names like service.instance.id, header
  // names): convict would read the dots as nesting, so they bypass it and are checked here.
  const maps: Array<[string, string, unknown]> = [];
  if (configFile) {
    const doc = readConfigFile(configFile) as Record<string, Record<string, unknown> | undefined>;
    checkShape(doc, configFile);
    for (const [section, key] of [['resource', 'attributes'], ['otlp', 'headers']] as const) {
      const sec = doc[section];
      if (sec && typeof sec === 'object' && key in sec) {
        maps.push([section, key, sec[key]]);
        delete sec[key];
      }
    }
    conf.load(doc);
  }
  for (const leaf of all) {
    if (leaf.env && env[leaf.env] !== undefined && env[leaf.env] !== '') {
      conf.set(leaf.key, coerce(leaf, env[leaf.env]!, `${leaf.env}`, undefined));
    }
  }
  const arrays = new Map<string, string[]>();
  for (const [leaf, raw, written] of flags) {
    if (Array.isArray(leaf.default)) {
      // Repeatable: --interface a --interface b, or --interface a,b.
      const list = arrays.get(leaf.key) ?? [];
      list.push(...(coerce(leaf, raw, written, undefined) as string[]));
      arrays.set(leaf.key, list);
      conf.set(leaf.key, list);
    } else {
      conf.set(leaf.key, coerce(leaf, raw, written, undefined));
    }
  }
  try {
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(rephrase((err as Error).message, configFile));
  }
  const config = conf.getProperties() as Config;
  for (const [section, key, value] of maps) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) {
      throw new ConfigError(`${section}.${key}=${JSON.stringify(value)}: must be a map of names to strings${configFile ? ` (in ${configFile})` : ''}`);
    }
    (config as unknown as Record<string, Record<string, unknown>>)[section][key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  }
  checkHeaders(config.otlp.headers, env, configFile);
  checkCrossKeys(config);
  return { config, printConfig, help, version, configFile, warnings };
}

/**
 * `--web.listen-address` as node_exporter takes it: `host:port`, `[ipv6]:port` or `:port` (all
 * interfaces). The port is checked as prometheus.port is.
 */
function listenAddress(raw: string): { host: string; port: string } {
  const m = /^\[([0-9A-Za-z:.%_-]+)\]:(\d+)$/.exec(raw) ?? /^([^:[\]\s]*):(\d+)$/.exec(raw);
  if (!m) throw new ConfigError(`--web.listen-address=${JSON.stringify(raw)}: must be host:port, [ipv6]:port or :port (e.g. :9464)`);
  return { host: m[1], port: m[2] };
}

/**
 * `-f` is the BPF filter here (as `--filter`), but pmacctd's config file: a value naming an
 * existing file was meant as pmacctd's, so it is refused rather than compiled as a filter.
 */
function notAFile(value: string): void {
  let file = false;
  try {
    file = /[/.]/.test(value) && statSync(value).isFile();
  } catch {
    file = false;
  }
  if (file) {
    throw new ConfigError(`-f ${JSON.stringify(value)}: -f is the BPF filter (--filter) in otelacct, not the config file as in pmacctd; for a config file use -c or --config`);
  }
}

/**
 * The file's sections must be maps and its keys values of their type: convict would otherwise
 * report a scalar section as one "missing" line per key and crash when a flag or the environment
 * then sets a key inside it, and would coerce strings itself (`enabled: "no"` to true). One line
 * per problem.
 */
function checkShape(doc: Record<string, unknown>, configFile: string): void {
  const problems: string[] = [];
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const checkSection = (section: string, node: Record<string, unknown>, value: unknown) => {
    if (!isMap(value)) {
      problems.push(`${section}=${show(value)}: must be a map of keys (${Object.keys(node).join(', ')}) (in ${configFile})`);
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      const leaf = node[key] as { default: unknown } | undefined;
      if (leaf !== undefined && !('doc' in leaf)) { // a subsection (flow.sflow)
        checkSection(`${section}.${key}`, leaf as Record<string, unknown>, v);
        continue;
      }
      if (leaf === undefined || isMap(leaf.default)) continue;
      // convict would coerce a string itself: "no" to true, "100abc" to 100, "a,b" through JSON.parse.
      if (typeof v === 'string' && typeof leaf.default !== 'string') problems.push(`${section}.${key}=${show(v)}: must be ${kind(leaf.default)}, not a string (in ${configFile})`);
      if (isMap(v)) problems.push(`${section}.${key}=${show(v)}: must be ${kind(leaf.default)}, not a map (in ${configFile})`);
    }
  };
  for (const [section, value] of Object.entries(doc)) {
    const node = (schema as Record<string, unknown>)[section] as Record<string, unknown> | undefined;
    if (node === undefined) continue; // unknown section: convict names it
    if ('doc' in node) { // a top-level key (aggregations): convict would merge a map into the list
      if (Array.isArray(node.default) && !Array.isArray(value) && value !== null) problems.push(`${section}=${show(value)}: must be a list (in ${configFile})`);
      continue;
    }
    checkSection(section, node, value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** What a key's default says its values are, for messages. */
function kind(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return 'an integer';
  if (typeof value === 'boolean') return 'true or false';
  return 'a string';
}

/** A value from a file, as JSON on one line, cut at 80 characters. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Text for an error line: control characters (line breaks above all) escaped as JSON does. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Characters a header value cannot hold: controls other than tab (CR and LF above all). */
const HEADER_VALUE_BAD = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * OTLP headers, from otlp.headers and from OTEL_EXPORTER_OTLP_[METRICS_]HEADERS (comma-separated
 * name=value, values URL-decoded as the exporter does): a name that is not a token or a value
 * with CR, LF or another control character would fail every push, so it stops the start (or the
 * reload) with one line instead.
 */
function checkHeaders(headers: Record<string, string>, env: NodeJS.ProcessEnv, configFile: string | undefined): void {
  const problems: string[] = [];
  const check = (name: string, value: string, where: string) => {
    if (!HEADER_NAME.test(name)) problems.push(`${where}: header name ${JSON.stringify(name)} is not valid (letters, digits and !#$%&'*+-.^_\`|~ only)`);
    else if (HEADER_VALUE_BAD.test(value)) problems.push(`${where}: value of header ${JSON.stringify(name)} holds a control character (CR, LF, ...); not shown, it may be a secret`);
  };
  for (const [name, value] of Object.entries(headers)) check(name, value, `otlp.headers${configFile ? ` (in ${configFile})` : ''}`);
  for (const variable of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS']) {
    for (const pair of (env[variable] ?? '').split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      const decode = (t: string) => {
        try {
          return decodeURIComponent(t.trim());
        } catch {
          return t.trim();
        }
      };
      check(decode(eq < 0 ? pair : pair.slice(0, eq)), eq < 0 ? '' : decode(pair.slice(eq + 1)), variable);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Keys that only make sense together: one line per problem. */
function checkCrossKeys(config: Config): void {
  const problems: string[] = [];
  for (const agg of resolveAggregations(config)) {
    const where = config.aggregations.length > 0 ? `aggregations (${agg.name})` : 'accounting.dimensions';
    const local = agg.dimensions.filter((d) => LOCAL_DIMENSIONS.includes(d) || d === ATTR_DIRECTION);
    if (local.length > 0 && config.accounting.localNetworks.length === 0) {
      problems.push(`${where}: ${local.join(', ')} need accounting.localNetworks (your networks, e.g. [10.0.0.0/8])`);
    }
    const named = agg.dimensions.filter((d) => NETWORK_DIMENSIONS.includes(d));
    if (named.length > 0 && config.accounting.networksFile === '') {
      problems.push(`${where}: ${named.join(', ')} need accounting.networksFile`);
    }
  }
  if (config.export.serve && config.capture.read === '') problems.push('export.serve: only applies with --read (live capture always serves)');
  const flow = config.flow;
  if ((flow.sflow.enabled || flow.netflow.enabled) && config.capture.read !== '') {
    problems.push(`flow: the ${flow.sflow.enabled ? 'sflow' : 'netflow'} listener runs alone or beside live capture, not with --read (capture.read=${JSON.stringify(config.capture.read)})`);
  }
  if (flow.sflow.enabled && flow.netflow.enabled && flow.netflow.ports.includes(flow.sflow.port)) {
    problems.push(`flow.sflow.port=${flow.sflow.port}: also in flow.netflow.ports (${flow.netflow.ports.join(', ')}); give each listener its own port`);
  }
  if (new Set(flow.netflow.ports).size !== flow.netflow.ports.length) problems.push(`flow.netflow.ports=${JSON.stringify(flow.netflow.ports)}: lists a port twice`);
  if (flow.netflow.enabled && flow.netflow.ports.length === 0) problems.push('flow.netflow.ports: empty while flow.netflow.enabled is true (default: 2055, 4739)');
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Converts a string from the environment or a flag to the type of the key's default. */
function coerce(leaf: Leaf, raw: string, source: string, _unused: undefined): unknown {
  const d = leaf.default;
  if (typeof d === 'number') {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${source}=${JSON.stringify(raw)}: ${leaf.key} must be an integer`);
    return Number(raw);
  }
  if (typeof d === 'boolean') {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    throw new ConfigError(`${source}=${JSON.stringify(raw)}: ${leaf.key} must be true or false`);
  }
  if (Array.isArray(d)) {
    const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (!NUMBER_LISTS.has(leaf.key)) return items;
    const bad = items.find((s) => !/^\d+$/.test(s));
    if (bad !== undefined) throw new ConfigError(`${source}=${JSON.stringify(raw)}: ${leaf.key} must be a list of numbers`);
    return items.map(Number);
  }
  if (d !== null && typeof d === 'object') {
    throw new ConfigError(`${source}: ${leaf.key} can only be set in a config file`);
  }
  return raw;
}

/** Largest configuration file read: 1 MiB (a /dev/zero or a stray capture is refused, not read). */
export const MAX_CONFIG_BYTES = 1 << 20;

function readConfigFile(path: string): object {
  let text: string;
  try {
    text = readLimited(path, MAX_CONFIG_BYTES).toString('utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  // The YAML parser (72 modules, ~20 ms) is loaded only when a config file is read.
  const { parse: parseYaml, YAMLParseError } = createRequire(import.meta.url)('yaml') as typeof Yaml;
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const line = err.linePos?.[0]?.line;
      const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(`config file ${path}${line ? `: line ${line}` : ''}: ${what}`, { cause: err });
    }
    throw new ConfigError(`config file ${path}: ${String(err)}`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${path}: top level must be a map of sections (capture, accounting, export, flow, prometheus, otlp, resource, log)`);
  }
  return doc as object;
}

/** Turns convict's validation report into one line per problem. */
function rephrase(message: string, configFile: string | undefined): string[] {
  const where = configFile ? ` in ${configFile}` : '';
  return message
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const unknown = /configuration param '([^']+)' not declared in the schema/.exec(l);
      if (unknown) return `${unknown[1]}: unknown key${where} (see --help for the keys)`;
      return l.replace(/^(\S+): (.*?): value was (.*)$/, (_m, key, why, value) => `${key}=${value}: ${why}`);
    });
}
