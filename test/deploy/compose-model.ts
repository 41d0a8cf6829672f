import { parse } from 'yaml';
import { readRepo } from './repo.ts';

/** The compose files of the demo with a flow exporter, in `-f` order (docs/flow-collector.md). */
export const FLOW_DEMO_FILES: readonly string[] = ['docker-compose.yml', 'deploy/softflowd.compose.yml'];

/** A compose service as far as the tests read it. */
export interface ComposeService {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  network_mode?: string;
  cap_add?: string[];
  cap_drop?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  extra_hosts?: string[];
  depends_on?: string[];
  profiles?: string[];
}

/** A compose project: the merged, interpolated model `docker compose config` would print. */
export interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

/** Thrown where compose refuses the files: a required variable without a value. */
export class ComposeError extends Error {
  override name = 'ComposeError';
}

/**
 * Compose's interpolation of one value (compose-spec "Interpolation"): `$$` is a literal `$`;
 * `${VAR}` and `$VAR`; `${VAR:-default}` (unset or empty) and `${VAR-default}` (unset);
 * `${VAR:?message}` / `${VAR?message}` refuse the files; `${VAR:+other}` / `${VAR+other}`.
 * Nested expressions in defaults are not supported (the demo's files use none).
 */
export function interpolate(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)(?:(:?)([-?+])([^}]*))?\}|\$(\w+)/g, (all, braced: string | undefined, colon: string | undefined,
    op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (all === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = vars.get(name);
    const missing = colon ? !value : value === undefined;
    if (op === '-') return missing ? arg! : value!;
    if (op === '+') return missing ? '' : arg!;
    if (op === '?' && missing) throw new ComposeError(`required variable ${name} is missing a value: ${arg}`);
    return value ?? '';
  });
}

function interpolateAll(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars)]));
  }
  return value;
}

/** Keys whose later value replaces the earlier one whole (compose-spec "Merge": command, entrypoint). */
const REPLACED = new Set(['command', 'entrypoint', 'healthcheck']);

function merge(base: unknown, over: unknown, key = ''): unknown {
  if (REPLACED.has(key)) return over;
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over.filter((v) => !base.includes(v))];
  if (base !== null && over !== null && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v, k) : v;
    return out;
  }
  return over;
}

/**
 * The project compose builds from repository files `files` (in `-f` order), with the
 * environment `vars` (the shell's, for interpolation): each file interpolated, then merged in
 * order (maps key by key, sequences appended, command and entrypoint replaced). Throws
 * ComposeError where compose would refuse (a `${VAR:?}` without a value).
 */
export function composeModel(files: readonly string[], vars: ReadonlyMap<string, string> = new Map()): ComposeModel {
  let model: unknown = {};
  for (const file of files) model = merge(model, interpolateAll(parse(readRepo(file)), vars));
  return model as ComposeModel;
}

/** A service's command as the argv compose gives the entrypoint (exec form, or the shell form split on blanks). */
export function commandOf(service: ComposeService): string[] {
  const c = service.command ?? [];
  return Array.isArray(c) ? c.map(String) : c.split(/\s+/).filter(Boolean);
}

/** Bind mounts of a service: repo-relative source, container target. */
export function bindsOf(service: ComposeService): Array<{ source: string; target: string }> {
  return (service.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => {
    const [source, target] = v.split(':');
    return { source, target };
  });
}

/** The repository path mounted at container path `path` of `service` (the file, or below a mounted directory). */
export function hostPathIn(service: ComposeService, path: string): string | undefined {
  for (const b of bindsOf(service)) {
    if (path === b.target) return b.source;
    if (path.startsWith(`${b.target}/`)) return `${b.source.replace(/\/$/, '')}/${path.slice(b.target.length + 1)}`;
  }
  return undefined;
}

/** Docker's default capability set of a container (moby oci/caps/defaults.go). */
const DOCKER_DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
  'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];

/** The capabilities a service's processes hold: Docker's default set, minus cap_drop (ALL: every one), plus cap_add. */
export function capabilitiesOf(service: ComposeService): string[] {
  const drop = new Set((service.cap_drop ?? []).map((c) => c.toUpperCase().replace(/^CAP_/, '')));
  const kept = drop.has('ALL') ? [] : DOCKER_DEFAULT_CAPS.filter((c) => !drop.has(c));
  const added = (service.cap_add ?? []).map((c) => c.toUpperCase().replace(/^CAP_/, ''));
  return [...new Set([...kept, ...added])].sort();
}
