/**
 * The accounting side of the fuzzers: an Accountant configured with several aggregations of both
 * orientations (local networks, named networks, prefix roll-ups, a ports roll-up, VLAN and
 * interface dimensions), and the checks that must hold whatever it was fed:
 *
 * - every aggregation's bytes, summed over its flow table, its overflow series and every earlier
 *   flush, equal the accountant's totalBytes, plus internalBytes for local/remote aggregations
 *   when internal traffic is counted for both hosts (and the same for packets where defined);
 * - decode errors + accounted packets (÷ the sampling rate) = frames sampled, and the frames seen
 *   per interface add up to the frames fed.
 */
import type { AccountantOptions } from '../../src/account/accountant.ts';
import type { FlowTable } from '../../src/account/flow-table.ts';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import { LOCAL_DIMENSIONS } from '../../src/config/dimensions.ts';
import { cidr, TestAccounting } from '../support/accounting.ts';

/** Aggregations of every fuzzed accountant: both orientations and every kind of dimension. */
export const FUZZ_AGGREGATIONS: AggregationConfig[] = [
  { name: 'traffic', dimensions: ['source.address', 'destination.address', 'network.type', 'network.transport', 'network.interface.name', 'otelacct.vlan.id'] },
  { name: 'ports', dimensions: ['source.port', 'destination.port', 'network.transport'] },
  { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction', 'otelacct.local.port'] },
  { name: 'site', dimensions: ['otelacct.local.network', 'otelacct.remote.network', 'network.io.direction'] },
  { name: 'peers', dimensions: ['otelacct.remote.prefix', 'network.io.direction'], prefixLength: { ipv4: 24, ipv6: 48 } },
  { name: 'nets', dimensions: ['otelacct.source.prefix', 'otelacct.destination.network', 'network.type'], prefixLength: { ipv4: 16, ipv6: 32 } },
];
/** accounting.localNetworks of the fuzzed accountants (the generator's address pools hit them). */
export const FUZZ_LOCAL = ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', 'fd00::/8'];
/** Named networks (networks file) of the fuzzed accountants: nested, both families. */
export const FUZZ_NAMED: readonly [string, string][] = [
  ['10.0.0.0/8', 'corp'], ['10.1.0.0/16', 'lab'], ['192.168.0.0/16', 'home'], ['203.0.113.0/24', 'customer'],
  ['128.0.0.0/1', 'upper-half'], ['2001:db8::/32', 'site6'], ['2001:db8:1::/48', 'lab6'], ['fe80::/10', 'link-local'],
];
/** accounting.ports of the fuzzed accountants. */
export const FUZZ_PORTS = [22, 53, 80, 443];
/** Interfaces registered on every fuzzed accountant (frames are spread over them). */
export const FUZZ_INTERFACES = ['eth0', 'eth1', 'any', 'lo'];

/** An invariant did not hold; the message says which, with the numbers. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

/** Options of one fuzzed accountant. */
export interface FuzzAccountingOptions {
  internalTraffic: AccountantOptions['internalTraffic'];
  samplingRate: number;
  maxFlows: number;
}

/** A TestAccounting plus the running sums of every flushed flow table. */
export class FuzzAccounting {
  readonly t: TestAccounting;
  readonly samplingRate: number;
  /** Bytes and packets of each aggregation, over every flush so far. */
  readonly flushedBytes: Float64Array;
  readonly flushedPackets: Float64Array;
  readonly #localSide: boolean[];
  readonly #both: boolean;

  constructor(o: FuzzAccountingOptions) {
    this.t = new TestAccounting(FUZZ_AGGREGATIONS, {
      local: FUZZ_LOCAL, named: FUZZ_NAMED.map(([c, n]) => cidr(c, n)), ports: FUZZ_PORTS,
      internalTraffic: o.internalTraffic, samplingRate: o.samplingRate, maxFlows: o.maxFlows,
    });
    for (const name of FUZZ_INTERFACES) this.t.interfaces.register(name);
    this.samplingRate = o.samplingRate;
    this.flushedBytes = new Float64Array(FUZZ_AGGREGATIONS.length);
    this.flushedPackets = new Float64Array(FUZZ_AGGREGATIONS.length);
    this.#localSide = FUZZ_AGGREGATIONS.map((a) => a.dimensions.some((d) => LOCAL_DIMENSIONS.includes(d)));
    this.#both = o.internalTraffic === 'both';
  }

  /** Accounted + not accounted frames, in frames (the accountant scales packets by the rate). */
  sampledFrames(): number {
    const a = this.t.accountant;
    return a.decodeErrors.reduce((x, y) => x + y, 0) + a.totalPackets / this.samplingRate;
  }

  /**
   * Checks the sums and frame counts after `fed` frames, then empties the flow tables (as an
   * export flush would). With `attributes`, also turns every key into attributes (the export
   * path) and checks that those rows sum to the same bytes.
   */
  checkAndFlush(fed: number, label: string, attributes: boolean): void {
    const a = this.t.accountant;
    const sampled = Math.ceil(fed / this.samplingRate);
    if (this.sampledFrames() !== sampled) {
      throw new FuzzFailure(`${label}: decode errors ${a.decodeErrors.join('/')} + accounted ${a.totalPackets}/${this.samplingRate} ≠ ${sampled} sampled frames (${fed} fed)`);
    }
    const seen = a.framesByInterface.reduce((x, y) => x + y, 0);
    if (seen !== fed) throw new FuzzFailure(`${label}: frames per interface add up to ${seen}, ${fed} fed`);
    a.derive();
    a.flowTables.forEach((table, i) => {
      if (attributes) {
        const rowBytes = this.t.sumBytes(i);
        const own = tableBytes(table);
        if (rowBytes !== own) throw new FuzzFailure(`${label}: aggregation ${FUZZ_AGGREGATIONS[i].name}: attribute rows sum to ${rowBytes} bytes, table holds ${own}`);
      }
      this.flushedBytes[i] += tableBytes(table);
      this.flushedPackets[i] += tablePackets(table);
      table.clear();
      const doubled = this.#localSide[i] && this.#both;
      const want = a.totalBytes + (doubled ? a.internalBytes : 0);
      if (this.flushedBytes[i] !== want) {
        throw new FuzzFailure(`${label}: aggregation ${FUZZ_AGGREGATIONS[i].name} sums to ${this.flushedBytes[i]} bytes, ` +
          `expected ${want} (totalBytes ${a.totalBytes}${doubled ? ` + internalBytes ${a.internalBytes}` : ''})`);
      }
      if (!doubled && this.flushedPackets[i] !== a.totalPackets) {
        throw new FuzzFailure(`${label}: aggregation ${FUZZ_AGGREGATIONS[i].name} sums to ${this.flushedPackets[i]} packets, expected ${a.totalPackets}`);
      }
    });
    a.tableFlushed();
  }

  /** True when some flow table is at least half full (time to flush). */
  filling(): boolean {
    return this.t.accountant.flowTables.some((table) => table.size * 2 >= table.maxEntries);
  }
}

function tableBytes(table: FlowTable): number {
  let sum = table.overflowBytes;
  for (let e = 0; e < table.size; e++) sum += table.bytes[e];
  return sum;
}

function tablePackets(table: FlowTable): number {
  let sum = table.overflowPackets;
  for (let e = 0; e < table.size; e++) sum += table.packets[e];
  return sum;
}
