/** Log levels in increasing verbosity. */
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * Structured logs: one JSON object per line on stderr, with time, level and msg, plus fields.
 * Per-packet problems are counted in self-telemetry, never logged.
 */
export class Logger {
  #max: number;
  readonly #write: (line: string) => void;

  constructor(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)) {
    this.#max = LEVELS[level];
    this.#write = write;
  }

  setLevel(level: LogLevel): void {
    this.#max = LEVELS[level];
  }

  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] > this.#max) return;
    this.#write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
  }

  error(msg: string, fields?: Record<string, unknown>): void { this.log('error', msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.log('warn', msg, fields); }
  info(msg: string, fields?: Record<string, unknown>): void { this.log('info', msg, fields); }
  debug(msg: string, fields?: Record<string, unknown>): void { this.log('debug', msg, fields); }
}
