/** Log levels in increasing verbosity. */
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LEVELS;

/** How long a repeating warning or error is held back after it was written, in ms. */
export const REPEAT_WINDOW_MS = 60_000;

/**
 * Structured logs: one JSON object per line on stderr, with time, level and msg, plus fields.
 * Problems that can repeat on their own (an unreachable collector, an interface that stays
 * missing) are logged with `repeating()`: the same level, msg and `interface` / `reason` fields
 * are written once per REPEAT_WINDOW_MS, and the next one written says how many were held back
 * (`repeated`). Per-packet problems are counted in self-telemetry, never logged.
 */
export class Logger {
  #max: number;
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  /** level+msg → [time last written, occurrences held back since]. */
  readonly #recent = new Map<string, [number, number]>();

  constructor(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l), now: () => number = Date.now) {
    this.#max = LEVELS[level];
    this.#write = write;
    this.#now = now;
  }

  setLevel(level: LogLevel): void {
    this.#max = LEVELS[level];
  }

  /** Writes one line (no rate limit). */
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] > this.#max) return;
    this.#emit(level, msg, fields, undefined);
  }

  /** Writes one line unless the same problem was written less than REPEAT_WINDOW_MS ago. */
  repeating(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] > this.#max) return;
    let repeated: number | undefined;
    {
      const key = `${level}\u0000${msg}\u0000${String(fields?.interface ?? '')}\u0000${String(fields?.reason ?? '')}`;
      const now = this.#now();
      const seen = this.#recent.get(key);
      if (seen && now - seen[0] < REPEAT_WINDOW_MS) {
        seen[1]++;
        return;
      }
      if (seen && seen[1] > 0) repeated = seen[1];
      if (this.#recent.size > 1000) this.#recent.clear();
      this.#recent.set(key, [now, 0]);
    }
    this.#emit(level, msg, fields, repeated);
  }

  #emit(level: LogLevel, msg: string, fields: Record<string, unknown> | undefined, repeated: number | undefined): void {
    const line = JSON.stringify({ time: new Date(this.#now()).toISOString(), level, msg, ...fields, ...(repeated ? { repeated } : {}) });
    this.#write(redactSecrets(line) + '\n');
  }

  error(msg: string, fields?: Record<string, unknown>): void { this.log('error', msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.log('warn', msg, fields); }
  info(msg: string, fields?: Record<string, unknown>): void { this.log('info', msg, fields); }
  debug(msg: string, fields?: Record<string, unknown>): void { this.log('debug', msg, fields); }
}

/** `scheme://user:password@` in any text: the user information, up to the "@". */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"\\]+@/gi;
/** A query parameter whose name says it holds a secret (token, key, secret, password, auth, sig...). */
const SECRET_PARAM = /([?&][^=&#\s"\\]*(?:token|key|secret|passw(?:or)?d|pwd|auth|sig|credential|session)[^=&#\s"\\]*=)[^&#\s"\\]*/gi;

/**
 * `text` with the credentials of every URL in it replaced by `***`: user information
 * (`https://***@collector/`) and the values of query parameters named like secrets
 * (`?api_key=***`). Applied to every log line, so a URL with credentials is never logged in
 * clear, whichever field or error message carries it.
 */
export function redactSecrets(text: string): string {
  return text.replace(USERINFO, '$1***@').replace(SECRET_PARAM, '$1***');
}
