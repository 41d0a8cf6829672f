import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { packetStatsAddon, type PacketStatsAddon } from './native-addon.ts';

/** fd → socket inode, for this process's open sockets. */
export function socketFds(): Map<number, number> {
  const out = new Map<number, number>();
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.set(Number(fd), Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Inodes of the packet sockets in this network namespace (/proc/net/packet). */
function packetSocketInodes(): Set<number> {
  const out = new Set<number>();
  try {
    for (const line of readFileSync('/proc/net/packet', 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 9) out.add(Number(cols[8]));
    }
  } catch {
    // not Linux
  }
  return out;
}

/**
 * Kernel drop counters of live captures. `cap` has no pcap_stats, so otelacct finds the packet
 * socket libpcap opened for each interface (the new packet socket among this process's fds after
 * the open) and reads getsockopt(PACKET_STATISTICS) on it through a small native addon, as
 * pcap_stats would. The kernel resets the counters on every read; they are accumulated here.
 */
export class KernelStats {
  readonly #native: PacketStatsAddon | undefined;
  /** Why drop counts are unavailable, if they are. */
  readonly unavailable: string | undefined;
  readonly #fds = new Map<number, number>(); // interface index → fd
  readonly #drops = new Map<number, number>();
  readonly #received = new Map<number, number>();

  constructor() {
    const n = packetStatsAddon();
    if (typeof n === 'string') this.unavailable = n;
    else this.#native = n;
  }

  /**
   * Call with socketFds() taken just before opening the capture of `interfaceIndex`; returns
   * false (and drops stay unknown for it) when no new packet socket can be found.
   */
  track(interfaceIndex: number, before: Map<number, number>): boolean {
    const packets = packetSocketInodes();
    for (const [fd, inode] of socketFds()) {
      if (!before.has(fd) && packets.has(inode)) {
        this.#fds.set(interfaceIndex, fd);
        this.#drops.set(interfaceIndex, 0);
        this.#received.set(interfaceIndex, 0);
        return true;
      }
    }
    return false;
  }

  /** Stops reading `interfaceIndex` (its capture was closed; the fd may be reused). */
  untrack(interfaceIndex: number): void {
    this.#fds.delete(interfaceIndex);
  }

  /** Reads the kernel counters of every tracked socket and adds them up. */
  poll(): void {
    if (!this.#native) return;
    for (const [index, fd] of this.#fds) {
      const r = this.#native.packetStats(fd);
      if (typeof r === 'number') continue;
      this.#received.set(index, (this.#received.get(index) ?? 0) + r[0]);
      this.#drops.set(index, (this.#drops.get(index) ?? 0) + r[1]);
    }
  }

  /** Interface index → packets the kernel dropped (ring buffer full), since start. */
  drops(): ReadonlyMap<number, number> {
    return this.#drops;
  }

  /** Interface index → packets the kernel's filter accepted (including dropped ones), since start. */
  received(): ReadonlyMap<number, number> {
    return this.#received;
  }
}
