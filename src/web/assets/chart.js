// otelacct live page: the in/out chart over the window (with its scale) and the row sparklines.
// SVG built as text; every value comes from the slots (numbers) or is escaped.
import { niceScale, si } from './rates.js';

const bits = (v) => si(v, 'bit/s');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ago = (s) => (s === 0 ? 'now' : s >= 120 && s % 60 === 0 ? `−${s / 60} min` : `−${Math.round(s)} s`);

/**
 * The chart of the total in (up from the middle line) and out (down) over the window: one
 * step per slot, a scale on the left (bit/s, round values) and the time below. `points`:
 * { from, to (ms), in, out (bit/s) } oldest first; `out` null draws a single total series.
 * `width`: the pixels the chart gets (drawn at that size, so the labels stay readable).
 */
export function totalChart(points, windowMs, width, label) {
  const W = Math.max(280, Math.round(width));
  const H = 168;
  const L = 72; // room for the scale
  const T = 8;
  const B = 22; // room for the time
  const single = points.length > 0 && points[0].out === null;
  const max = Math.max(0, ...points.map((p) => Math.max(p.in, p.out ?? 0)));
  const { top, step } = niceScale(max, 2);
  const mid = single ? H - B : T + (H - T - B) / 2;
  const half = single ? H - B - T : (H - T - B) / 2;
  const end = points.length > 0 ? points[points.length - 1].to : 0;
  const x = (ms) => (L + ((W - L - 4) * (windowMs - (end - ms))) / windowMs).toFixed(1);
  const y = (v, dir) => (mid - dir * (v / top) * half).toFixed(1);
  const area = (key, dir) => {
    let d = '';
    for (const p of points) {
      if (p.to <= end - windowMs) continue;
      const from = Math.max(p.from, end - windowMs);
      d += `M${x(from)} ${mid.toFixed(1)}V${y(p[key], dir)}H${x(p.to)}V${mid.toFixed(1)}Z`;
    }
    return d;
  };
  let grid = '';
  for (let v = 0; v <= top + step / 2; v += step) {
    for (const dir of single || v === 0 ? [1] : [1, -1]) {
      const yy = y(v, dir);
      grid += `<line class="grid" x1="${L}" x2="${W - 4}" y1="${yy}" y2="${yy}"/>`
        + `<text class="tick" x="${L - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(bits(v))}</text>`;
    }
  }
  // Time ticks: whole minutes (at most 6) for windows of 2 min or more, else round seconds.
  const secs = windowMs / 1000;
  const tick = secs >= 120 ? 60 * Math.ceil(secs / 60 / 5) : niceScale(secs, 4).step;
  for (let t = 0; t <= secs + 1e-9; t += tick) {
    const xx = (L + (W - L - 4) * (1 - t / secs)).toFixed(1);
    const anchor = t === 0 ? 'end' : t + tick > secs + 1e-9 && t === secs ? 'start' : 'middle';
    grid += `<line class="grid" x1="${xx}" x2="${xx}" y1="${T}" y2="${H - B}"/>`
      + `<text class="tick" x="${xx}" y="${H - 6}" text-anchor="${anchor}">${esc(ago(t))}</text>`;
  }
  const series = single
    ? `<path class="total" d="${area('in', 1)}"/>`
    : `<path class="in" d="${area('in', 1)}"/><path class="out" d="${area('out', -1)}"/>`
      + `<text class="axis-label in" x="${L + 6}" y="${T + 12}">in ↑</text><text class="axis-label out" x="${L + 6}" y="${H - B - 6}">out ↓</text>`;
  return `<svg class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}" data-top="${top}">`
    + `${grid}${series}<line class="axis" x1="${L}" x2="${W - 4}" y1="${mid.toFixed(1)}" y2="${mid.toFixed(1)}"/></svg>`;
}

/**
 * A row's sparkline: bit/s in (up) and out (down) per slot as steps over the window, so the
 * two never overlap; unknown slots (the row below that second's top N) are gaps.
 */
export function sparkline(points, start, span, label) {
  const W = 120;
  const H = 28;
  const mid = H / 2;
  const max = Math.max(1, ...points.map((p) => Math.max(p.in, p.out)));
  const path = (key, dir) => {
    let d = '';
    for (const p of points) {
      if (!p.known || p[key] <= 0) continue;
      const x0 = (((p.from - start) / span) * W).toFixed(1);
      const x1 = (((p.to - start) / span) * W).toFixed(1);
      const y = (mid - dir * Math.max(0.75, (p[key] / max) * (mid - 1))).toFixed(1);
      d += `M${x0} ${mid}V${y}H${x1}V${mid}Z`;
    }
    return d;
  };
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(label)}">`
    + `<line class="axis" x1="0" x2="${W}" y1="${mid}" y2="${mid}"/><path class="in" d="${path('in', 1)}"/><path class="out" d="${path('out', -1)}"/></svg>`;
}
