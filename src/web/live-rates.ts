import type { Accountant } from '../account/accountant.ts';
import type { FlowTable } from '../account/flow-table.ts';
import type { NetworkTables } from '../account/network-tables.ts';
import { Direction } from '../account/packet-context.ts';
import type { Health } from './health.ts';
import { HostFilter } from './host-filter.ts';
import type { Address } from './address-sums.ts';
import { EntryReader } from './entry-reader.ts';
import { chooseView, type HostMode, type LiveView } from './live-view.ts';
import { SlotAccumulator, type DirectionSplit, type Slot } from './slot.ts';

/** Shortest interval a drain closes by itself when no page ticker runs (ms). */
const MIN_DRAIN_SLOT_MS = 1000;

export interface LiveRatesOptions {
  accountant: Accountant;
  tables: NetworkTables;
  internalTraffic: 'both' | 'once';
  /** Hosts and pairs kept per interval (web.topN). */
  topN: number;
  /** Seconds of intervals kept for sparklines (web.windowSeconds). */
  windowSeconds: number;
  /** Reads the meter's health; gets the flow-table overflow LiveRates counted. */
  health: (flowTableOverflow: number) => Health;
  /**
   * The reverse DNS name of an address if known now (ReverseDns.name, which also asks for it);
   * absent: no names (web.reverseDns off).
   */
  resolve?: (address: string) => string | undefined;
  /** Clock in ms since the epoch (tests). */
  now?: () => number;
}

/** A slot just closed: the page-wide one, and the same interval for any host filter. */
export interface ClosedSlot {
  slot: Slot;
  /** The interval's top hosts and pairs among those matching `filter` (valid during the callback only). */
  filtered(filter: HostFilter): Slot;
}

/** What the page needs to know besides the slots. */
export interface LiveMeta {
  topN: number;
  windowSeconds: number;
  hostMode: HostMode;
  note: string;
  remotesNote: string;
  servicesNote: string;
}

/**
 * Live per-host and per-pair rates for the web page, computed from the flow tables' deltas at
 * every flush (`drain`, registered with TrafficMetrics.onDrain): nothing on the packet path.
 *
 * Drained bytes accumulate in one interval; `closeSlot()` turns it into a Slot (rates over the
 * time since the previous close) keeping only the top N hosts and pairs, and starts the next.
 * The page's ticker flushes and closes every second while a page is open; otherwise a drain
 * closes the interval by itself once it is at least a second long (scrapes, OTLP pushes).
 * Memory: the open interval tracks at most MAX_TRACKED hosts, pairs and remote talkers (fewer
 * with a smaller maxFlows; the rest summed as "other") in typed arrays allocated once, ~6 MB at
 * 16,384, reused every interval; closed slots keep 3N hosts and N pairs each, for
 * `windowSeconds` (and at most 2 × windowSeconds slots). With no page open it still reads every
 * flush, so the window is complete when a page opens.
 */
/**
 * Most hosts (and pairs) one open interval tracks by name. During an address scan every packet
 * is a new host: past this, they are summed as "other" (a scan has no top talker to show), which
 * keeps the page's memory small whatever maxFlows is.
 */
export const MAX_TRACKED = 16384;

export class LiveRates {
  /** The aggregations read (chosen again if a reload adds or removes the local networks). */
  view: LiveView;
  meta: LiveMeta;
  /** Whether a drain may close the interval by itself (false while the page ticker runs). */
  closeOnDrain = true;
  readonly #o: LiveRatesOptions;
  readonly #now: () => number;
  readonly #acc: SlotAccumulator;
  #reader: EntryReader;
  readonly #ring: Slot[] = [];
  readonly #listeners = new Set<(closed: ClosedSlot) => void>();
  #lastClose: number;
  #lastDrain: number | undefined;
  #atClose = { bytes: 0, packets: 0, internal: 0 };
  #atDrain = { bytes: 0, packets: 0, internal: 0 };
  #overflowPackets = 0;

  constructor(o: LiveRatesOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.view = chooseView(o.accountant.aggregations, o.tables);
    this.meta = this.#metaOf(this.view);
    this.#reader = new EntryReader(this.view, o.accountant.aggregations, o.tables, o.internalTraffic);
    this.#acc = new SlotAccumulator(Math.min(MAX_TRACKED, Math.max(1024, o.accountant.flowTables[0]?.maxEntries ?? 0)), (r, net) => this.#networkName(r, net));
    this.#lastClose = this.#now();
    this.#atClose = this.#totals();
  }

  /** TrafficMetrics.onDrain listener: reads aggregation `aggregation`'s table before it is emptied. */
  drain(aggregation: number, table: FlowTable): void {
    if (aggregation === 0) {
      this.#lastDrain = this.#now();
      this.#atDrain = this.#totals();
      const view = chooseView(this.#o.accountant.aggregations, this.#o.tables);
      if (view.hostMode !== this.view.hostMode) {
        this.view = view;
        this.meta = this.#metaOf(view);
        this.#reader = new EntryReader(view, this.#o.accountant.aggregations, this.#o.tables, this.#o.internalTraffic);
      }
    }
    this.#overflowPackets += table.overflowPackets;
    this.#reader.read(aggregation, table, this.#acc);
    const last = aggregation === this.#o.accountant.flowTables.length - 1;
    if (last && this.closeOnDrain && this.#lastDrain! - this.#lastClose >= MIN_DRAIN_SLOT_MS) this.closeSlot();
  }

  /**
   * Closes the interval accumulated up to the last drain (call right after a flush), notifies
   * subscribers and returns the slot; undefined when nothing was drained since the last close.
   */
  closeSlot(): Slot | undefined {
    const end = this.#lastDrain;
    if (end === undefined || end <= this.#lastClose) return undefined;
    const seconds = (end - this.#lastClose) / 1000;
    const d = this.#atDrain;
    const c = this.#atClose;
    const bytes = d.bytes - c.bytes;
    const packets = d.packets - c.packets;
    const base = {
      end, seconds, bytes, packets, bps: Math.round((bytes * 8) / seconds), pps: Math.round(packets / seconds),
      directions: this.#directions(d.internal - c.internal), health: this.#o.health(this.#overflowPackets),
    };
    const n = this.#o.topN;
    const services = this.view.serviceAggregation >= 0;
    const slot: Slot = this.#named({ ...base, ...this.#acc.select(new HostFilter(''), n, seconds, services), names: {} });
    this.#ring.push(slot);
    this.#prune(end);
    const cache = new Map<string, Slot>();
    const closed: ClosedSlot = {
      slot,
      filtered: (filter) => {
        if (filter.all) return slot;
        let s = cache.get(filter.text);
        if (s === undefined) cache.set(filter.text, (s = this.#named({ ...base, ...this.#acc.select(filter, n, seconds, services), names: {} })));
        return s;
      },
    };
    for (const listener of this.#listeners) listener(closed);
    this.#acc.clear();
    this.#lastClose = end;
    this.#lastDrain = undefined;
    this.#atClose = d;
    return slot;
  }

  /** Calls `listener` with every slot closed from now on; returns the unsubscribe function. */
  subscribe(listener: (closed: ClosedSlot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The slots of the last windowSeconds, oldest first. With a filter, each keeps the hosts and
   * pairs that match among those it kept (hosts below that second's top N are not known).
   */
  window(filter = new HostFilter('')): Slot[] {
    this.#prune(this.#now());
    if (filter.all) return [...this.#ring];
    return this.#ring.map((s) => {
      const hosts = s.hosts.filter((h) => filter.matches(h.host));
      const remotes = s.remotes.filter((r) => filter.matches(r.remote));
      let inBytes = 0;
      let outBytes = 0;
      for (const x of [...hosts, ...remotes]) { inBytes += x.inBytes; outBytes += x.outBytes; }
      const rate = (b: number) => Math.round((b * 8) / s.seconds);
      return {
        ...s, hosts, remotes, pairs: s.pairs.filter((p) => filter.matches(p.a) || filter.matches(p.b)),
        scope: { inBytes, outBytes, inBps: rate(inBytes), outBps: rate(outBytes) },
      };
    });
  }

  /** The health counters now. */
  health(): Health {
    return this.#o.health(this.#overflowPackets);
  }

  #metaOf(view: LiveView): LiveMeta {
    return {
      topN: this.#o.topN, windowSeconds: this.#o.windowSeconds, hostMode: view.hostMode, note: view.note,
      remotesNote: view.remotesNote, servicesNote: view.servicesNote,
    };
  }

  /** Fills `slot.names` with the reverse DNS names known now of the addresses it lists. */
  #named(slot: Slot): Slot {
    const resolve = this.#o.resolve;
    if (resolve === undefined) return slot;
    const name = (address: string) => {
      if (address in slot.names || address.includes('/')) return;
      const n = resolve(address);
      if (n !== undefined) slot.names[address] = n;
    };
    for (const h of slot.hosts) name(h.host);
    for (const p of slot.pairs) { name(p.a); name(p.b); }
    for (const r of slot.remotes) name(r.remote);
    return slot;
  }

  /** The networks-file name of a remote talker's network, if the file names one. */
  #networkName(w: Address, net: number): string | undefined {
    const t = this.#o.tables.named;
    if (t === undefined) return undefined;
    const i = net >= 0 && net < t.size ? net : w.v === 6 ? t.lookup6(w.w0 | 0, w.w1 | 0, w.w2 | 0, w.w3 | 0) : t.lookup4(w.w0 | 0);
    return i >= 0 ? t.name(i) : undefined;
  }

  #prune(now: number): void {
    const oldest = now - this.#o.windowSeconds * 1000;
    let drop = Math.max(0, this.#ring.length - 2 * this.#o.windowSeconds);
    while (drop < this.#ring.length && this.#ring[drop].end <= oldest) drop++;
    if (drop > 0) this.#ring.splice(0, drop);
  }

  #totals(): { bytes: number; packets: number; internal: number } {
    const a = this.#o.accountant;
    return { bytes: a.totalBytes, packets: a.totalPackets, internal: a.internalBytes };
  }

  /** The direction split of the open interval; `internal` is the accountant's local-to-local bytes. */
  #directions(internal: number): DirectionSplit | null {
    const mode = this.view.hostMode;
    if (mode !== 'local' && mode !== 'classified') return null;
    const d = this.#acc.directions;
    if (mode === 'classified' || this.#o.internalTraffic === 'once') {
      return { receive: d[Direction.RECEIVE], transmit: d[Direction.TRANSMIT], internal: d[Direction.INTERNAL], transit: d[Direction.TRANSIT] };
    }
    // internalTraffic "both": local-to-local bytes are in both the receive and the transmit entries.
    return {
      receive: Math.max(0, d[Direction.RECEIVE] - internal), transmit: Math.max(0, d[Direction.TRANSMIT] - internal),
      internal, transit: d[Direction.TRANSIT],
    };
  }
}
