// otelacct live page: the numbers drawn from the slots (one per second, see src/web/slot.ts),
// apart from the page so that Node's tests run them too. Plain ES module, no dependencies.

/** iftop's averaging spans, seconds. */
export const SPANS = [2, 10, 40];

/**
 * Averages and peak of one row (a host, a pair, a remote, a service, a total) over the slots,
 * oldest first. `bytesOf(slot)` gives the row's bytes in a slot (0 or undefined when absent:
 * the row was below that second's top N, or silent). For each span T of `spans`, the bit rate
 * over the last T seconds before the newest slot's end (iftop's 2 s / 10 s / 40 s; over fewer
 * seconds while the page has not seen T yet): a slot partly inside counts for that part, at its
 * own rate. `peak`: the highest bit rate of a slot over all the slots given (the window); a
 * slot shorter than 0.9 s (the page's ticker restarted, a capture batch landed in it) is merged
 * with the one before it, so that one early batch does not read as a spike. Returns bit/s, rounded.
 */
export function averages(slots, bytesOf, spans = SPANS) {
  const out = { avg: spans.map(() => 0), peak: 0 };
  if (slots.length === 0) return out;
  const last = slots[slots.length - 1].end;
  const bytes = spans.map(() => 0);
  const seconds = spans.map(() => 0);
  let peakBytes = 0;
  let peakSeconds = 0;
  for (let i = slots.length - 1; i >= 0; i--) {
    const s = slots[i];
    if (!(s.seconds > 0)) continue;
    const b = bytesOf(s) || 0;
    peakBytes += b;
    peakSeconds += s.seconds;
    if (peakSeconds >= 0.9 || i === 0) {
      out.peak = Math.max(out.peak, (peakBytes * 8) / peakSeconds);
      peakBytes = 0;
      peakSeconds = 0;
    }
    const start = s.end - s.seconds * 1000;
    for (let k = 0; k < spans.length; k++) {
      const inside = s.end - Math.max(start, last - spans[k] * 1000);
      if (inside <= 0) continue;
      bytes[k] += (b * inside) / (s.seconds * 1000);
      seconds[k] += inside / 1000;
    }
  }
  out.avg = bytes.map((b, k) => (seconds[k] > 0 ? Math.round((b * 8) / seconds[k]) : 0));
  out.peak = Math.round(out.peak);
  return out;
}

/**
 * A chart scale for values up to `max`: a round top (1, 2, 2.5 or 5 × a power of ten) and
 * `ticks` equal steps from 0 to it, so that axis labels read 0, 250 k, 500 k, ...
 */
export function niceScale(max, ticks = 4) {
  if (!(max > 0)) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s * ticks >= max);
  return { top: step * ticks, step };
}

/** An SI-prefixed text: si(1964800, 'bit/s') → "1.96 Mbit/s". */
export function si(v, unit) {
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P'];
  let i = 0;
  while (Math.abs(v) >= 1000 && i < prefixes.length - 1) { v /= 1000; i++; }
  const n = i === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0);
  return `${n} ${prefixes[i]}${unit}`;
}

/** The otelacct dashboard (grafana/dashboards/otelacct.json): its uid, and the per-host panel. */
export const DASHBOARD_UID = 'otelacct';
export const DASHBOARD_SLUG = 'otelacct-traffic';
export const HOST_PANEL = 2;

/**
 * The link from a host to its graph in Grafana: the otelacct dashboard's per-host panel with
 * the `host` variable set, over the last hour. `base`: web.grafanaUrl ('' → no link).
 */
export function grafanaLink(base, host) {
  if (!base) return '';
  return `${base.replace(/\/+$/, '')}/d/${DASHBOARD_UID}/${DASHBOARD_SLUG}?var-host=${encodeURIComponent(host)}&viewPanel=${HOST_PANEL}&from=now-1h&to=now`;
}
