import { readdirSync, readFileSync } from 'node:fs';

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

function readSys(name: string, file: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Interfaces the kernel knows (/sys/class/net), in ifindex order. */
export function systemInterfaces(): string[] {
  let names: string[];
  try {
    names = readdirSync('/sys/class/net');
  } catch {
    return [];
  }
  return names
    .map((n) => ({ n, i: Number(readSys(n, 'ifindex') ?? 1e9) }))
    .sort((a, b) => a.i - b.i)
    .map((x) => x.n);
}

/**
 * The interface otelacct captures on when none is configured: the first (lowest ifindex)
 * interface that is up and not a loopback. Undefined if there is none.
 */
export function defaultInterface(): string | undefined {
  for (const name of systemInterfaces()) {
    const flags = Number.parseInt(readSys(name, 'flags') ?? '0', 16);
    if ((flags & IFF_UP) !== 0 && (flags & IFF_LOOPBACK) === 0) return name;
  }
  return undefined;
}
