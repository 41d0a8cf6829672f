import type { AggregationSpec } from './aggregation-spec.ts';
import type { NetworkTables } from './network-tables.ts';
import { NamedSides } from './packet-context.ts';

/**
 * Keys in a flow table that call for a flush: ¾ of the table, but at most 16384. Small flushes
 * keep what the SDK and the garbage collector handle at once small during an address scan
 * (memory stays flat); the rest of the table absorbs what arrives until the flush runs.
 */
export function flushMark(maxFlows: number): number {
  return Math.max(1, Math.min(Math.floor(maxFlows * 0.75), 16384));
}

/**
 * Packets per entry below which a source table's derived aggregations are counted per packet in
 * the next flush interval instead of from its entries (Accountant.derive).
 */
export const DERIVE_MIN_PACKETS = 1.25;

/** How the Accountant counts; fixed for its lifetime. */
export interface AccountantOptions {
  aggregations: readonly AggregationSpec[];
  tables: NetworkTables;
  /** Distinct keys each aggregation's flow table holds between flushes. */
  maxFlows: number;
  /** Count 1 packet in N, scaled by N. */
  samplingRate: number;
  /** Ports kept in port dimensions; empty keeps all. */
  ports: readonly number[];
  /** Local-to-local packets in local/remote aggregations: for both hosts, or once (internal). */
  internalTraffic: 'both' | 'once';
  /**
   * Count aggregations derivable from another one's keys (AggregationSpec.derivableFrom) from its
   * flushed entries instead of per packet (default true; false counts every aggregation per packet).
   */
  derive?: boolean;
}

/** Named-network lookups (NamedSides bits) the aggregations `specs` need. */
export function namedSides(specs: readonly AggregationSpec[]): number {
  let named = 0;
  for (const a of specs) {
    if (!a.wantsNamed) continue;
    if (a.localSide) named |= (a.aNet ? NamedSides.LOCAL : 0) | (a.bNet ? NamedSides.REMOTE : 0);
    else named |= (a.aNet ? NamedSides.SOURCE : 0) | (a.bNet ? NamedSides.DESTINATION : 0);
  }
  return named;
}
