import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

/** One .dockerignore line: a path pattern, or an exception (`!pattern`) that lets paths back in. */
export interface IgnorePattern {
  readonly text: string;
  readonly exception: boolean;
  readonly regex: RegExp;
}

/**
 * Compiles a pattern the way Docker does (moby/patternmatcher): `*` any run of non-`/`, `?` one
 * non-`/`, `**` any number of directories (also none), `[...]` a class, `\` escapes; the pattern
 * matches the whole path, cleaned, without a leading `/`.
 */
function compile(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        re += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\') {
      i++;
      if (i < pattern.length) re += pattern[i].replace(/[.+()|{}$^[\]*?\\]/g, '\\$&');
    } else if ('.+()|{}$^'.includes(ch)) {
      re += `\\${ch}`;
    } else {
      re += ch;
    }
  }
  return new RegExp(`${re}$`);
}

/** Parses a .dockerignore file as Docker reads it: `#` comments, blank lines and surrounding spaces dropped. */
export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exception = line.startsWith('!');
    if (exception) line = line.slice(1).trim();
    let cleaned = posix.normalize(line);
    if (cleaned.length > 1 && cleaned.startsWith('/')) cleaned = cleaned.slice(1);
    if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
    out.push({ text: raw.trim(), exception, regex: compile(cleaned) });
  }
  return out;
}

/**
 * Is `path` (relative to the context, `/`-separated) left out of the build context? As Docker's
 * MatchesOrParentMatches: every pattern in order that matches the path or one of its parent
 * directories decides, the last one wins (an exception lets the path back in).
 */
export function isIgnored(patterns: readonly IgnorePattern[], path: string): boolean {
  const parts = path.split('/');
  let ignored = false;
  for (const p of patterns) {
    let match = p.regex.test(path);
    for (let i = 1; !match && i < parts.length; i++) match = p.regex.test(parts.slice(0, i).join('/'));
    if (match) ignored = !p.exception;
  }
  return ignored;
}

/**
 * Copies the build context `root` into `dest` as `docker build` would send it: every file and
 * symbolic link (as a link) that .dockerignore does not exclude. Returns the relative paths copied.
 */
export function buildContext(root: string, patterns: readonly IgnorePattern[], dest: string): string[] {
  const copied: string[] = [];
  const mayReinclude = patterns.some((p) => p.exception);
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(join(root, path));
      const ignored = isIgnored(patterns, path);
      if (stat.isDirectory()) {
        if (!ignored || mayReinclude) walk(path);
        continue;
      }
      if (ignored) continue;
      mkdirSync(dirname(join(dest, path)), { recursive: true });
      if (stat.isSymbolicLink()) symlinkSync(readlinkSync(join(root, path)), join(dest, path));
      else copyFileSync(join(root, path), join(dest, path));
      copied.push(path);
    }
  };
  walk('');
  return copied;
}
