// otelacct live page: the rows of the hosts, pairs, remote talkers and services tables, over the
// slots of the window (oldest first). Each row: the newest slot's rates, iftop's 2 s / 10 s / 40 s
// averages and the peak (rates.js), and the bytes over the window.
import { averages } from './rates.js';

/** A slot's list `list` as a Map by `key` (cached on the slot). */
function slotMap(slot, list, key) {
  const cache = `_${list}`;
  if (!slot[cache]) slot[cache] = new Map((slot[list] ?? []).map((x) => [key(x), x]));
  return slot[cache];
}

const hostKey = (h) => h.host;
const pairKey = (p) => `${p.a} ${p.b}`;
const remoteKey = (r) => r.remote;
const serviceKey = (s) => `${s.service} ${s.transport}`;

/** Rows of `list` over `slots`: `make(item)` the row, `now(row, item)` the newest slot's rates, `bytes(item)` its bytes. */
function rows(slots, list, key, make, now, bytes) {
  const out = new Map();
  for (const s of slots) {
    for (const item of s[list] ?? []) {
      const k = key(item);
      let r = out.get(k);
      if (!r) out.set(k, (r = make(item)));
      r.win += bytes(item);
    }
  }
  const last = slots[slots.length - 1];
  for (const item of last ? last[list] ?? [] : []) now(out.get(key(item)), item);
  for (const [k, r] of out) {
    const a = averages(slots, (s) => { const x = slotMap(s, list, key).get(k); return x ? bytes(x) : 0; });
    [r.a2, r.a10, r.a40] = a.avg;
    r.peak = a.peak;
  }
  return [...out.values()];
}

/** Host rows: in, out, total (bit/s now), averages and peak of in + out, window bytes, services. */
export function hostRows(slots) {
  return rows(slots, 'hosts', hostKey,
    (h) => ({ host: h.host, in: 0, out: 0, total: 0, win: 0, services: [] }),
    (r, h) => Object.assign(r, { in: h.inBps, out: h.outBps, total: h.inBps + h.outBps, services: h.services ?? [] }),
    (h) => h.inBytes + h.outBytes);
}

/** Pair rows: a → b, b → a, total now; averages and peak of both ways; window bytes; services. */
export function pairRows(slots) {
  return rows(slots, 'pairs', pairKey,
    (p) => ({ a: p.a, b: p.b, ab: 0, ba: 0, total: 0, win: 0, services: [] }),
    (r, p) => Object.assign(r, { ab: p.abBps, ba: p.baBps, total: p.abBps + p.baBps, services: p.services ?? [] }),
    (p) => p.abBytes + p.baBytes);
}

/** Remote talker rows: in (from it), out (to it), total now; its network's name. */
export function remoteRows(slots) {
  return rows(slots, 'remotes', remoteKey,
    (r) => ({ remote: r.remote, network: r.network ?? '', in: 0, out: 0, total: 0, win: 0 }),
    (row, r) => Object.assign(row, { in: r.inBps, out: r.outBps, total: r.inBps + r.outBps, network: r.network ?? row.network }),
    (r) => r.inBytes + r.outBytes);
}

/** Service rows: bit/s now, averages, peak and window bytes. */
export function serviceRows(slots) {
  return rows(slots, 'services', serviceKey,
    (s) => ({ service: s.service, transport: s.transport, port: s.port, total: 0, win: 0 }),
    (r, s) => { r.total = s.bps; },
    (s) => s.bytes);
}

/** Sort key of an address: IPv4 octets zero-padded so that 10.0.0.9 < 10.0.0.10. */
export const addrKey = (a) => (/^\d+\.\d+\.\d+\.\d+/.test(a) ? a.replace(/\d+/g, (o) => o.padStart(3, '0')) : `~${a}`);

/** `rows` sorted by `sort` ({ key, dir }); ties by window bytes, then by `textKey`. First `n` kept. */
export function sorted(rows, sort, textKey, textKeys, n) {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const text = textKeys.includes(sort.key);
  const cmp = (x, y) => (addrKey(String(x)) < addrKey(String(y)) ? -1 : addrKey(String(x)) > addrKey(String(y)) ? 1 : 0);
  rows.sort((x, y) => sign * (text ? cmp(x[sort.key], y[sort.key]) : x[sort.key] - y[sort.key]) || y.win - x.win || cmp(x[textKey], y[textKey]));
  return rows.slice(0, n);
}
