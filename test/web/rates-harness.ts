import assert from 'node:assert/strict';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import type { PrefixEntry } from '../../src/account/prefix-trie.ts';
import type { Health } from '../../src/web/health.ts';
import { LiveRates } from '../../src/web/live-rates.ts';
import type { Slot } from '../../src/web/slot.ts';
import { TestAccounting } from '../support/accounting.ts';
import { ipv4Packet } from '../support/frames.ts';

/** IP bytes of a UDP packet with `payload` bytes. */
export const udpBytes = (payload: number) => 20 + 8 + payload;

/** LiveRates over a TestAccounting, with a clock the test moves and a flush that drains as TrafficMetrics does. */
export class Harness {
  readonly acc: TestAccounting;
  readonly rates: LiveRates;
  clock = 1_700_000_000_000;

  constructor(aggregations: AggregationConfig[], opts: { local?: string[]; named?: PrefixEntry[]; resolve?: (a: string) => string | undefined; topN?: number; windowSeconds?: number; internalTraffic?: 'both' | 'once'; maxFlows?: number } = {}) {
    this.acc = new TestAccounting(aggregations, { local: opts.local, named: opts.named, internalTraffic: opts.internalTraffic, maxFlows: opts.maxFlows });
    this.rates = new LiveRates({
      accountant: this.acc.accountant, tables: this.acc.accountant.tables, internalTraffic: opts.internalTraffic ?? 'both',
      topN: opts.topN ?? 20, windowSeconds: opts.windowSeconds ?? 300, now: () => this.clock, resolve: opts.resolve,
      health: (overflow) => ({ flowTableOverflow: overflow, bytes: this.acc.accountant.totalBytes } as unknown as Health),
    });
    this.rates.closeOnDrain = false;
  }

  udp(src: string, dst: string, payload: number, count = 1, srcPort = 1000, dstPort = 2000, proto = 17): void {
    const p = ipv4Packet({ src, dst, proto, srcPort, dstPort, payloadLength: payload });
    for (let i = 0; i < count; i++) this.acc.add(p);
  }

  /** What TrafficMetrics.flush does to the tables, with LiveRates listening. */
  flush(): void {
    this.acc.accountant.derive();
    this.acc.accountant.flowTables.forEach((t, i) => {
      this.rates.drain(i, t);
      t.clear();
    });
  }

  /** Moves the clock, flushes, closes the interval. */
  tick(ms: number): Slot {
    this.clock += ms;
    this.flush();
    const slot = this.rates.closeSlot();
    assert.ok(slot, 'a slot closed');
    return slot;
  }
}

