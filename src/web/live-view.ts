import { SideMode, type AggregationSpec } from '../account/aggregation-spec.ts';
import { hashWords } from '../account/key-hash.ts';
import { KEY_WORDS, KeyWord, keyDirection, keyIpVersion } from '../account/flow-key.ts';
import type { FlowTable } from '../account/flow-table.ts';
import type { NetworkTables } from '../account/network-tables.ts';
import { Direction } from '../account/packet-context.ts';
import { formatIPv4, formatIPv6 } from '../decode/address-format.ts';

/**
 * How the live page finds local hosts in the flow tables:
 * - `local`: an aggregation keyed by otelacct.local.address and network.io.direction (a billing
 *   "host" aggregation): in = receive, out = transmit (and `internal` under internalTraffic once);
 * - `classified`: a source/destination aggregation, with accounting.localNetworks deciding which
 *   side is local (a local source sends: out; a local destination receives: in);
 * - `sides`: a source/destination aggregation without local networks: every source is counted
 *   as a sender (out) and every destination as a receiver (in);
 * - `none`: no aggregation keeps addresses: only totals.
 */
export type HostMode = 'local' | 'classified' | 'sides' | 'none';

/** Which aggregations feed the page, and what the page should say about it. */
export interface LiveView {
  hostMode: HostMode;
  /** Aggregation index the hosts come from, -1 for none. */
  hostAggregation: number;
  /** Aggregation index the pairs come from, -1 for none. */
  pairAggregation: number;
  /** One sentence for the page on how hosts and directions were derived. */
  note: string;
}

/** Picks the aggregations the page reads (see HostMode): the first that fits, in config order. */
export function chooseView(specs: readonly AggregationSpec[], tables: NetworkTables): LiveView {
  const hasLocal = tables.local !== undefined;
  const pairIndex = specs.findIndex((s) => !s.localSide && s.aMode === SideMode.ADDRESS && s.bMode === SideMode.ADDRESS);
  const localIndex = specs.findIndex((s) => s.localSide && s.aMode === SideMode.ADDRESS && s.direction);
  const localPairIndex = specs.findIndex((s) => s.localSide && s.aMode === SideMode.ADDRESS && s.bMode === SideMode.ADDRESS && s.direction);
  const pairAggregation = pairIndex >= 0 ? pairIndex : localPairIndex;
  const pairName = pairAggregation >= 0 ? specs[pairAggregation].name : '';
  if (localIndex >= 0 && hasLocal) {
    return {
      hostMode: 'local', hostAggregation: localIndex, pairAggregation,
      note: `Hosts from aggregation "${specs[localIndex].name}" (local address and direction)${pairName ? `, pairs from "${pairName}"` : ''}.`,
    };
  }
  if (pairIndex >= 0) {
    return hasLocal
      ? { hostMode: 'classified', hostAggregation: pairIndex, pairAggregation, note: `Hosts and pairs from aggregation "${pairName}"; local hosts are those in accounting.localNetworks.` }
      : {
        hostMode: 'sides', hostAggregation: pairIndex, pairAggregation,
        note: `No accounting.localNetworks: every source counts as a sender (out) and every destination as a receiver (in), from aggregation "${pairName}".`,
      };
  }
  return { hostMode: 'none', hostAggregation: -1, pairAggregation: -1, note: 'No aggregation keeps addresses (source.address and destination.address, or otelacct.local.address with network.io.direction): only totals are shown.' };
}

/** Receives what one drained flow-table entry means for hosts, pairs and the direction split. */
export interface EntrySink {
  /**
   * `bytes` received (in) or sent (out) by local host `host`, whose address is at `keys[at]`
   * (IPv6: 4 words) and hashes to `id`.
   */
  host(host: string, inBytes: number, outBytes: number, id: number, keys: Uint32Array, at: number, v6: boolean): void;
  /**
   * Bytes between `a` and `b`: `ab` sent by a to b, `ba` sent by b to a. `a` is the local side
   * when exactly one side is local, else the lesser text: the same pair always comes the same way.
   * `id` hashes the two addresses (whatever their order); `aAt`/`bAt` are where they are in `keys`.
   */
  pair(a: string, b: string, ab: number, ba: number, id: number, keys: Uint32Array, aAt: number, bAt: number, v6: boolean): void;
  /**
   * Takes the bytes of host `id` (address at `keys[at]`) without its text when it can: the host
   * is tracked already, or it cannot be (the sink is full: the bytes go to the untracked sums).
   * False: call host() with the text.
   */
  known(id: number, keys: Uint32Array, at: number, v6: boolean, inBytes: number, outBytes: number): boolean;
  /** The same for `bytes` sent from the address at `fromAt` to the one at `toAt`. */
  knownPair(id: number, keys: Uint32Array, fromAt: number, toAt: number, v6: boolean, bytes: number): boolean;
  /** IP bytes of a packet class (Direction code: RECEIVE, TRANSMIT, INTERNAL, TRANSIT). */
  direction(code: number, bytes: number): void;
}

/**
 * Reads flow-table entries for the page (flush time only: this formats address strings). One
 * instance per LiveRates; not re-entrant.
 */
export class EntryReader {
  readonly #view: LiveView;
  readonly #specs: readonly AggregationSpec[];
  readonly #tables: NetworkTables;
  readonly #internalBoth: boolean;
  readonly #addr = new Uint8Array(16);

  /** Full-width copy of the entry being read. */
  readonly #key = new Uint32Array(KEY_WORDS);

  constructor(view: LiveView, specs: readonly AggregationSpec[], tables: NetworkTables, internalTraffic: 'both' | 'once') {
    this.#view = view;
    this.#specs = specs;
    this.#tables = tables;
    this.#internalBoth = internalTraffic === 'both';
  }

  /** Feeds every entry of aggregation `aggregation`'s drained `table` to `sink`. */
  read(aggregation: number, table: FlowTable, sink: EntrySink): void {
    const hosts = aggregation === this.#view.hostAggregation;
    const pairs = aggregation === this.#view.pairAggregation;
    if (!hosts && !pairs) return;
    const local = this.#specs[aggregation].localSide;
    const key = this.#key;
    for (let e = 0; e < table.size; e++) {
      const bytes = table.bytes[e];
      table.expand(e, key);
      if (local) this.#localEntry(key, 0, bytes, hosts, pairs, sink);
      else this.#pairEntry(key, 0, bytes, hosts, pairs, sink);
    }
  }

  /** A local/remote key: side A is the local host. */
  #localEntry(keys: Uint32Array, base: number, bytes: number, hosts: boolean, pairs: boolean, sink: EntrySink): void {
    // A local-to-local packet counted for both hosts is keyed INTERNAL (sender) and
    // INTERNAL_RECEIVE (receiver): read them as the transmit and receive they are for this page.
    const code = keyDirection(keys, base);
    const dir = code === Direction.INTERNAL_RECEIVE ? Direction.RECEIVE : code === Direction.INTERNAL && this.#internalBoth ? Direction.TRANSMIT : code;
    if (hosts) sink.direction(dir, bytes);
    if (dir === Direction.TRANSIT || dir === Direction.NONE) return;
    const v6 = keyIpVersion(keys, base) === 6;
    const aId = addressId(keys, base + KeyWord.A, v6);
    const inBytes = dir === Direction.RECEIVE ? bytes : 0;
    let a: string | undefined;
    if (hosts && !sink.known(aId, keys, base + KeyWord.A, v6, inBytes, bytes - inBytes)) {
      a = this.#text(keys, base + KeyWord.A, v6);
      sink.host(a, inBytes, bytes - inBytes, aId, keys, base + KeyWord.A, v6);
    }
    if (!pairs || this.#specs[this.#view.pairAggregation].bMode !== SideMode.ADDRESS) return;
    // Under internalTraffic "both" a local-to-local packet is also in the receiver's entry:
    // take it from the sender's only.
    const bLocal = this.#isLocal(keys, base + KeyWord.B, v6);
    if (dir === Direction.RECEIVE && this.#internalBoth && bLocal) return;
    const id = pairId(aId, addressId(keys, base + KeyWord.B, v6));
    const aAt = base + KeyWord.A;
    const bAt = base + KeyWord.B;
    if (dir === Direction.RECEIVE ? sink.knownPair(id, keys, bAt, aAt, v6, bytes) : sink.knownPair(id, keys, aAt, bAt, v6, bytes)) return;
    a ??= this.#text(keys, aAt, v6);
    const b = this.#text(keys, bAt, v6);
    if (dir === Direction.RECEIVE) orient(sink, b, a, bytes, false, true, id, keys, bAt, aAt, v6);
    else orient(sink, a, b, bytes, true, bLocal, id, keys, aAt, bAt, v6);
  }

  /** A source/destination key: side A is the source, B the destination. */
  #pairEntry(keys: Uint32Array, base: number, bytes: number, hosts: boolean, pairs: boolean, sink: EntrySink): void {
    const v6 = keyIpVersion(keys, base) === 6;
    // Address text is formatted only for what the sink can still track (hashes decide first).
    const srcId = addressId(keys, base + KeyWord.A, v6);
    const dstId = addressId(keys, base + KeyWord.B, v6);
    const srcLocal = this.#isLocal(keys, base + KeyWord.A, v6);
    const dstLocal = this.#isLocal(keys, base + KeyWord.B, v6);
    const srcAt = base + KeyWord.A;
    const dstAt = base + KeyWord.B;
    if (pairs) {
      const id = pairId(srcId, dstId);
      if (!sink.knownPair(id, keys, srcAt, dstAt, v6, bytes)) {
        orient(sink, this.#text(keys, srcAt, v6), this.#text(keys, dstAt, v6), bytes, srcLocal, dstLocal, id, keys, srcAt, dstAt, v6);
      }
    }
    if (!hosts) return;
    if (this.#view.hostMode !== 'sides') {
      sink.direction(srcLocal ? (dstLocal ? Direction.INTERNAL : Direction.TRANSMIT) : dstLocal ? Direction.RECEIVE : Direction.TRANSIT, bytes);
    }
    const sides = this.#view.hostMode === 'sides';
    if ((sides || srcLocal) && !sink.known(srcId, keys, srcAt, v6, 0, bytes)) sink.host(this.#text(keys, srcAt, v6), 0, bytes, srcId, keys, srcAt, v6);
    if ((sides || dstLocal) && !sink.known(dstId, keys, dstAt, v6, bytes, 0)) sink.host(this.#text(keys, dstAt, v6), bytes, 0, dstId, keys, dstAt, v6);
  }

  #isLocal(keys: Uint32Array, at: number, v6: boolean): boolean {
    const t = this.#tables.local;
    if (t === undefined) return false;
    return (v6 ? t.lookup6(keys[at] | 0, keys[at + 1] | 0, keys[at + 2] | 0, keys[at + 3] | 0) : t.lookup4(keys[at] | 0)) >= 0;
  }

  #text(keys: Uint32Array, at: number, v6: boolean): string {
    const a = this.#addr;
    const n = v6 ? 4 : 1;
    for (let i = 0; i < n; i++) {
      const w = keys[at + i];
      a[i * 4] = w >>> 24; a[i * 4 + 1] = (w >>> 16) & 0xff; a[i * 4 + 2] = (w >>> 8) & 0xff; a[i * 4 + 3] = w & 0xff;
    }
    return v6 ? formatIPv6(a, 0) : formatIPv4(a, 0);
  }
}

/** Passes `bytes` sent from `from` to `to` on as a pair in its canonical orientation. */
function orient(sink: EntrySink, from: string, to: string, bytes: number, fromLocal: boolean, toLocal: boolean, id: number,
  keys: Uint32Array, fromAt: number, toAt: number, v6: boolean): void {
  const fromLeft = fromLocal !== toLocal ? fromLocal : from <= to;
  if (fromLeft) sink.pair(from, to, bytes, 0, id, keys, fromAt, toAt, v6);
  else sink.pair(to, from, 0, bytes, id, keys, toAt, fromAt, v6);
}

/** A 30-bit hash of an address (IP version included): a small integer, so sets of them do not allocate. */
function addressId(keys: Uint32Array, at: number, v6: boolean): number {
  return hashWords(keys, at, v6 ? 4 : 1, v6 ? 0x6b43a9b5 : 0x2f3c1d27) & 0x3fffffff;
}

/** A 30-bit hash of two address ids, the same whatever their order. */
function pairId(a: number, b: number): number {
  return (Math.imul(a ^ b, 0x2c1b3c6d) ^ (a + b)) & 0x3fffffff;
}
