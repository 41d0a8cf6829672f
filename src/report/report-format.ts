import type { BillingRow } from './billing.ts';
import { formatInstant } from './time-values.ts';

/** How the rows are labelled: the key column's name, the percentile asked for and the period. */
export interface ReportLayout {
  column: string;
  percentile: number;
  /** The period asked for (ms) and the end of what was billed (< toMs: partial). */
  period: { fromMs: number; toMs: number; billedToMs: number };
}

/** `partial period: billed ... to ... of ... to ... (the rest has not happened yet)`. */
export function partialNote(period: ReportLayout['period']): string {
  return `partial period: billed ${formatInstant(period.fromMs)} to ${formatInstant(period.billedToMs)} of ${formatInstant(period.fromMs)} to ${formatInstant(period.toMs)} (the rest has not happened yet)`;
}

/** Bit/s to Mbit/s, to 6 decimals (1 bit/s). */
function mbps(bits: number): number {
  return Math.round(bits) / 1e6;
}

function columns(layout: ReportLayout): string[] {
  const p = `p${layout.percentile}`;
  return [layout.column, `in_${p}_mbps`, `out_${p}_mbps`, 'in_bytes', 'out_bytes'];
}

/**
 * JSON array of objects keyed like the CSV header (rates in Mbit/s, totals in bytes), each with
 * the period billed: `from`, `to` (the end billed) and `partial` (true when the period asked for
 * has not ended and `to` is before its end).
 */
export function formatJson(rows: BillingRow[], layout: ReportLayout): string {
  const names = columns(layout);
  const { fromMs, toMs, billedToMs } = layout.period;
  const period = { from: formatInstant(fromMs), to: formatInstant(billedToMs), partial: billedToMs < toMs };
  const objects = rows.map((r) => ({ ...Object.fromEntries([r.key, mbps(r.inBits), mbps(r.outBits), r.inBytes, r.outBytes].map((v, i) => [names[i], v])), ...period }));
  return JSON.stringify(objects, null, 2) + '\n';
}

/** CSV (RFC 4180) with a header line; rates in Mbit/s, totals in bytes. */
export function formatCsv(rows: BillingRow[], layout: ReportLayout): string {
  const lines = [columns(layout).join(',')];
  for (const r of rows) lines.push([csvField(r.key), mbps(r.inBits), mbps(r.outBits), r.inBytes, r.outBytes].join(','));
  return lines.join('\n') + '\n';
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * An aligned table for people: key left-aligned, numbers right-aligned, rates in Mbit/s to 2
 * decimals, totals in SI bytes (1 GB = 10^9 B, as traffic is billed).
 */
export function formatTable(rows: BillingRow[], layout: ReportLayout): string {
  const p = `p${layout.percentile}`;
  const header = [layout.column, `in ${p} Mbit/s`, `out ${p} Mbit/s`, 'in', 'out'];
  const body = rows.map((r) => [r.key === '' ? '(none)' : r.key, (Math.round(r.inBits) / 1e6).toFixed(2),
    (Math.round(r.outBits) / 1e6).toFixed(2), siBytes(r.inBytes), siBytes(r.outBytes)]);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const note = layout.period.billedToMs < layout.period.toMs ? `${partialNote(layout.period)}\n` : '';
  return note + all.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n') + '\n';
}

const SI_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** `123 B`, `1.50 kB`, `12.35 GB`. */
export function siBytes(bytes: number): string {
  let unit = 0;
  let value = bytes;
  while (value >= 1000 && unit < SI_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(2)} ${SI_UNITS[unit]}`;
}
