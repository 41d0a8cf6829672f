/**
 * Dates and durations as `otelacct report` accepts them on the command line. Pure functions;
 * each returns undefined for text it does not accept, and the caller names the flag.
 */

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w|y)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/**
 * Milliseconds since the epoch of `YYYY-MM-DD` (midnight UTC) or an RFC 3339 date-time with a
 * zone (`2026-10-01T00:00:00Z`, `2026-10-01T02:00:00+02:00`). Rejects impossible dates such as
 * 2026-02-30 instead of rolling them over.
 */
export function parseDate(text: string): number | undefined {
  const dateOnly = DATE_ONLY.exec(text);
  const m = dateOnly ?? DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const midnight = Date.UTC(year, month - 1, day);
  const check = new Date(midnight);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  if (dateOnly) return midnight;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Milliseconds of a Prometheus-style duration (`5m`, `1h30m`, `90s`, `250ms`); > 0 or undefined. */
export function parseDuration(text: string): number | undefined {
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(DURATION_PART)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed += m[0].length;
  }
  return consumed === text.length && total > 0 ? total : undefined;
}

/** A duration in milliseconds as PromQL text: whole seconds as `Ns`, anything else as `Nms`. */
export function promDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** `2026-10-01T00:00:00Z` (seconds precision, UTC). */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The calendar month before the one containing `nowMs`, in UTC: [first day, first day of next). */
export function previousMonth(nowMs: number): { from: number; to: number } {
  const now = new Date(nowMs);
  const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  return { from, to };
}
