/** One Dockerfile instruction: keyword (upper case), flags (`--from=build`), and its arguments. */
export interface Instruction {
  readonly keyword: string;
  readonly flags: ReadonlyMap<string, string>;
  /** Exec form (JSON array) as given, or the shell form's text. */
  readonly args: string[] | string;
  /** 1-based line of the instruction's first line. */
  readonly line: number;
}

/** A build stage: FROM's image (global ARGs substituted), its name, and its instructions. */
export interface Stage {
  readonly base: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

const KEYWORDS = new Set(['FROM', 'ARG', 'ENV', 'RUN', 'COPY', 'ADD', 'WORKDIR', 'USER', 'EXPOSE', 'HEALTHCHECK',
  'ENTRYPOINT', 'CMD', 'LABEL', 'SHELL', 'VOLUME', 'STOPSIGNAL', 'ONBUILD']);

/** Substitutes `$NAME` and `${NAME}` (also `${NAME:-default}`) from `vars`. */
export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (_, braced: string | undefined, dflt: string | undefined, bare: string | undefined) =>
    vars.get((braced ?? bare)!) || (dflt ?? ''));
}

/** Splits `--name=value` flags off the front of an instruction's text. */
function takeFlags(text: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = text;
  for (let m = /^--([\w-]+)=(\S+)\s+/.exec(rest); m; m = /^--([\w-]+)=(\S+)\s+/.exec(rest)) {
    flags.set(m[1], m[2]);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function execOrShell(text: string): string[] | string {
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed as string[];
    } catch {
      // not JSON: shell form, as Docker treats it
    }
  }
  return text;
}

/**
 * Parses a Dockerfile (default escape character `\`): comment lines (also inside continued
 * instructions) dropped, continuation lines joined, global ARGs substituted into FROM, one Stage
 * per FROM. Throws on an unknown instruction, naming its line.
 */
export function parseDockerfile(text: string): Stage[] {
  const lines = text.split('\n');
  const globals = new Map<string, string>();
  const stages: Array<{ base: string; name: string | undefined; instructions: Instruction[] }> = [];
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = '';
    let line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    while (line.endsWith('\\')) {
      logical += `${line.slice(0, -1)} `;
      do line = (lines[++i] ?? '').trim(); while (line.startsWith('#') && i < lines.length);
    }
    logical = (logical + line).trim();
    const m = /^(\w+)\s*(.*)$/.exec(logical)!;
    const keyword = m[1].toUpperCase();
    if (!KEYWORDS.has(keyword)) throw new Error(`Dockerfile line ${first}: unknown instruction ${m[1]}`);
    const { flags, rest } = takeFlags(m[2]);
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      globals.set(name.trim(), value.trim());
      continue;
    }
    if (keyword === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!f) throw new Error(`Dockerfile line ${first}: FROM ${rest}: expected "image [AS name]"`);
      stages.push({ base: substitute(f[1], globals), name: f[2], instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`Dockerfile line ${first}: ${keyword} before the first FROM`);
    const args = ['RUN', 'CMD', 'ENTRYPOINT', 'COPY', 'ADD'].includes(keyword) ? execOrShell(rest) : rest;
    stages[stages.length - 1].instructions.push({ keyword, flags, args, line: first });
  }
  return stages;
}

/** `ENV a=1 b="two words"` or `ENV a 1` → pairs. */
export function envPairs(text: string): Array<[string, string]> {
  const legacy = /^(\w+)\s+([^=]*)$/.exec(text);
  if (legacy && !text.includes('=')) return [[legacy[1], legacy[2].trim()]];
  const out: Array<[string, string]> = [];
  const re = /(\w+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = m[2];
    out.push([m[1], v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v.startsWith("'") ? v.slice(1, -1) : v]);
  }
  return out;
}

/** The words of a shell-form argument list (COPY sources and destination): split on spaces. */
export function words(args: string[] | string): string[] {
  return typeof args === 'string' ? args.split(/\s+/).filter(Boolean) : args;
}

/** HEALTHCHECK's options and command: `[--interval=30s ...] CMD ["node", "x"]`, or NONE. */
export function healthcheck(i: Instruction): { options: ReadonlyMap<string, string>; command: string[] | string } | 'NONE' {
  const text = i.args as string;
  if (/^NONE$/i.test(text.trim())) return 'NONE';
  const m = /^CMD\s+(.*)$/i.exec(text);
  if (!m) throw new Error(`Dockerfile line ${i.line}: HEALTHCHECK ${text}: expected CMD or NONE`);
  return { options: i.flags, command: execOrShell(m[1]) };
}
