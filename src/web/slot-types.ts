import type { Health } from './health.ts';

/*
 * What the live page gets for each closed interval (the JSON of /api/live and /api/snapshot).
 * SlotAccumulator (slot.ts) builds them.
 */

/**
 * One local host in one interval: bytes and bits per second received (in) and sent (out);
 * `services`: its top services by bytes (when the host aggregation keeps ports and transport).
 */
export interface HostRate {
  host: string;
  inBytes: number;
  outBytes: number;
  inBps: number;
  outBps: number;
  services?: string[];
}

/** One pair of addresses in one interval: `ab` sent by a to b, `ba` by b to a. */
export interface PairRate {
  a: string;
  b: string;
  abBytes: number;
  baBytes: number;
  abBps: number;
  baBps: number;
  services?: string[];
}

/**
 * A remote talker in one interval: an address, or a prefix when the aggregation rolls remotes up
 * (`198.51.100.0/24`); in = what it sent us, out = what we sent it. `network`: the networks-file
 * name of its network (an AS, a customer), when there is one.
 */
export interface RemoteRate {
  remote: string;
  network?: string;
  inBytes: number;
  outBytes: number;
  inBps: number;
  outBps: number;
}

/** One service (transport and well-known port) in one interval, each packet once. */
export interface ServiceRate {
  /** `https`, `tcp/8123`, `icmp`; `other` for what hosts or pairs had past their MAX_SERVICES. */
  service: string;
  transport: string;
  port: number;
  bytes: number;
  bps: number;
}

/** IP bytes of one interval by network.io.direction (each packet once). */
export interface DirectionSplit {
  receive: number;
  transmit: number;
  internal: number;
  transit: number;
}

/** In and out of the hosts and remote talkers matching a filter, in one interval. */
export interface ScopeTotals {
  inBytes: number;
  outBytes: number;
  inBps: number;
  outBps: number;
}

/**
 * One closed interval of the live page (usually one second): what the page draws. Only the top
 * hosts, pairs, remote talkers and services are kept; the rest is summed in the `other*` fields.
 */
export interface Slot {
  /** End of the interval, ms since the epoch. */
  end: number;
  /** Length of the interval in seconds. */
  seconds: number;
  /** Everything counted in the interval (each packet once), and its rates: page-wide, whatever the filter. */
  bytes: number;
  packets: number;
  bps: number;
  pps: number;
  /** Null when the direction is unknown (no accounting.localNetworks, or no host aggregation). */
  directions: DirectionSplit | null;
  /**
   * With a filter: in and out of the matching local hosts plus those of the matching remote
   * talkers (tracked ones: the open interval's MAX_TRACKED), else null.
   */
  scope: ScopeTotals | null;
  /** Union of the top N hosts by in, by out and by in + out; sorted by in + out, descending. */
  hosts: HostRate[];
  /** Bytes of the hosts not listed (below the top N, or not matching the filter). */
  otherHosts: { inBytes: number; outBytes: number };
  /** The top N pairs by bytes both ways, descending. */
  pairs: PairRate[];
  otherPairs: number;
  /** The top N remote talkers by in + out (with a filter: the matching ones, and the peers of matching hosts). */
  remotes: RemoteRate[];
  otherRemotes: { inBytes: number; outBytes: number };
  /** The top N services by bytes; null when no aggregation keeps ports and transport. */
  services: ServiceRate[] | null;
  otherServices: number;
  /** Reverse DNS names known at the close for the addresses listed (web.reverseDns). */
  names: Record<string, string>;
  health: Health;
}
