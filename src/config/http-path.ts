/**
 * Paths the live page answers on the /metrics server (src/web/live-page.ts `handle`): exact
 * paths, and prefixes ending in "/". prometheus.path may not take one of them.
 */
export const LIVE_PAGE_PATHS: readonly string[] = ['/', '/index.html', '/assets/', '/api/'];

/** One path segment: RFC 3986 pchar characters except "%" (requests are matched undecoded). */
const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

/**
 * convict format of prometheus.path: "/" then non-empty segments of plain URL characters (no
 * query, fragment, space or percent-encoding: a request for it could never match), no "." or
 * ".." segment (clients normalise them away), and no path of the live page.
 */
export function httpPath(value: unknown): void {
  if (typeof value !== 'string' || !value.startsWith('/')) throw new Error('must start with "/"');
  const segments = value.slice(1).split('/');
  for (const [i, s] of segments.entries()) {
    if (s === '' && i < segments.length - 1) throw new Error('must not have empty segments ("//")');
    if (s === '.' || s === '..') throw new Error('must not have "." or ".." segments');
    if (s !== '' && !SEGMENT.test(s)) throw new Error('must be a plain URL path: letters, digits and -._~!$&\'()*+,;=:@ between slashes (no query, fragment, space or %)');
  }
  const taken = LIVE_PAGE_PATHS.find((p) => (p.endsWith('/') && p !== '/' ? value.startsWith(p) : value === p));
  if (taken !== undefined) throw new Error(`is served by the live page (${LIVE_PAGE_PATHS.map((p) => (p.endsWith('/') && p !== '/' ? `${p}*` : p)).join(', ')}); pick another, e.g. /metrics`);
}
