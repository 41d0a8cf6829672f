import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Absolute path of the repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a repository file. */
export function repoPath(relative: string): string {
  return `${ROOT}${relative.replace(/^\.\//, '')}`;
}

/** Text of a repository file. */
export function readRepo(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

/** A repository YAML file, parsed (throws on a syntax error, naming the file). */
export function readYaml<T = Record<string, unknown>>(relative: string): T {
  try {
    return parse(readRepo(relative)) as T;
  } catch (err) {
    throw new Error(`${relative}: ${(err as Error).message}`, { cause: err });
  }
}

/** Does a repository path exist? */
export function inRepo(relative: string): boolean {
  return existsSync(repoPath(relative));
}

/** The names recorded by the rules in prometheus/rules/otelacct.rules.yml. */
export function recordedNames(): Set<string> {
  const rules = readYaml<{ groups: Array<{ rules: Array<{ record?: string }> }> }>('prometheus/rules/otelacct.rules.yml');
  return new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
}
