import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** otelacct's own addon (src/native/packet_stats.c, built from binding.gyp by `npm ci`). */
export interface PacketStatsAddon {
  /** getsockopt(PACKET_STATISTICS) of a packet socket: [packets, drops] since the last call, or -errno. */
  packetStats(fd: number): [number, number] | number;
  /** fcntl(F_SETPIPE_SZ): the pipe's capacity after asking for at least `bytes` (never shrunk), or -errno. Absent from a build older than it. */
  pipeSize?(fd: number, bytes: number): number;
}

let loaded: PacketStatsAddon | string | undefined;

/** The addon (loaded once), or the reason it cannot be used. */
export function packetStatsAddon(): PacketStatsAddon | string {
  if (loaded !== undefined) return loaded;
  for (const rel of ['../../build/Release/packet_stats.node', '../../../build/Release/packet_stats.node']) {
    try {
      return (loaded = require(rel) as PacketStatsAddon);
    } catch {
      // try the next location (src/ in a checkout, dist/src/ when packaged)
    }
  }
  return (loaded = 'the packet_stats addon is not built (npm ci builds it from binding.gyp)');
}
