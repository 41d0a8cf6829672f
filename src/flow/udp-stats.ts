import { readFileSync } from 'node:fs';
import { socketFds } from '../capture/kernel-stats.ts';

/** One UDP socket of /proc/net/udp or /proc/net/udp6. */
export interface UdpSocketRow {
  localPort: number;
  inode: number;
  /** Datagrams the kernel dropped for this socket (receive buffer full, and other errors). */
  drops: number;
}

/**
 * Parses /proc/net/udp or /proc/net/udp6 text (header line, then `sl local rem st tx:rx tr:tm
 * retrnsmt uid timeout inode ref pointer drops`). Lines that do not fit are skipped.
 */
export function parseProcNetUdp(text: string): UdpSocketRow[] {
  const out: UdpSocketRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 13) continue;
    const colon = cols[1].lastIndexOf(':');
    const localPort = parseInt(cols[1].slice(colon + 1), 16);
    const inode = Number(cols[9]);
    const drops = Number(cols[12]);
    if (colon < 0 || !Number.isFinite(localPort) || !Number.isFinite(inode) || !Number.isFinite(drops)) continue;
    out.push({ localPort, inode, drops });
  }
  return out;
}

/**
 * Host-wide (network namespace) UDP receive-buffer errors: RcvbufErrors of the `Udp:` lines of
 * /proc/net/snmp plus Udp6RcvbufErrors of /proc/net/snmp6. Undefined when neither parses.
 */
export function parseRcvbufErrors(snmp: string, snmp6: string): number | undefined {
  let total: number | undefined;
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length >= 2) {
    const names = lines[0].trim().split(/\s+/);
    const values = lines[1].trim().split(/\s+/);
    const i = names.indexOf('RcvbufErrors');
    if (i > 0 && Number.isFinite(Number(values[i]))) total = Number(values[i]);
  }
  const m = /^Udp6RcvbufErrors\s+(\d+)/m.exec(snmp6);
  if (m) total = (total ?? 0) + Number(m[1]);
  return total;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** RcvbufErrors of this network namespace now (parseRcvbufErrors on the live files). */
export function rcvbufErrors(): number | undefined {
  return parseRcvbufErrors(read('/proc/net/snmp'), read('/proc/net/snmp6'));
}

/**
 * Kernel drop counts of this process's UDP sockets bound to `ports`: the `drops` column of
 * /proc/net/udp and /proc/net/udp6 for rows whose inode is one of this process's sockets (so
 * another process's socket on the same port, SO_REUSEPORT, is not counted). By port.
 */
export function udpSocketDrops(ports: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  const own = new Set(socketFds().values());
  for (const path of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const row of parseProcNetUdp(read(path))) {
      if (!ports.includes(row.localPort) || !own.has(row.inode)) continue;
      out.set(row.localPort, (out.get(row.localPort) ?? 0) + row.drops);
    }
  }
  return out;
}
