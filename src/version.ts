import { existsSync, readFileSync } from 'node:fs';

/** otelacct's version, from its package.json (src/ in a checkout, dist/src/ when packaged). */
export const VERSION: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    const url = new URL(rel, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'otelacct' && pkg.version) return pkg.version;
  }
  return '0.0.0';
})();
