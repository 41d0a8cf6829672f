import { SideMode, type AggregationSpec } from '../account/aggregation-spec.ts';
import { hashWords } from '../account/key-hash.ts';
import { KEY_WORDS, KeyWord, keyAPort, keyBNet, keyBPort, keyDirection, keyIpVersion, keyProtocol } from '../account/flow-key.ts';
import type { FlowTable } from '../account/flow-table.ts';
import type { NetworkTables } from '../account/network-tables.ts';
import { Direction } from '../account/packet-context.ts';
import { NO_SERVICE } from './address-sums.ts';
import type { EntrySink, LiveView } from './live-view.ts';
import { serviceCode, servicePort } from './service-names.ts';

/** What one aggregation's entries feed (LiveView decides). */
interface Feeds { hosts: boolean; pairs: boolean; remotes: boolean; services: boolean }

/**
 * Reads flow-table entries for the page (flush time only): formats no text and allocates nothing
 * per entry. One instance per LiveRates; not re-entrant.
 */
export class EntryReader {
  readonly #view: LiveView;
  readonly #specs: readonly AggregationSpec[];
  readonly #tables: NetworkTables;
  readonly #internalBoth: boolean;

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
    const v = this.#view;
    const f: Feeds = {
      hosts: aggregation === v.hostAggregation, pairs: aggregation === v.pairAggregation,
      remotes: aggregation === v.remoteAggregation, services: aggregation === v.serviceAggregation,
    };
    if (!f.hosts && !f.pairs && !f.remotes && !f.services) return;
    const spec = this.#specs[aggregation];
    const key = this.#key;
    for (let e = 0; e < table.size; e++) {
      const bytes = table.bytes[e];
      table.expand(e, key);
      if (spec.localSide) this.#localEntry(spec, key, bytes, f, sink);
      else this.#pairEntry(key, bytes, f, sink);
    }
  }

  /** A local/remote key: side A is the local host, B the remote side. */
  #localEntry(spec: AggregationSpec, keys: Uint32Array, bytes: number, f: Feeds, sink: EntrySink): void {
    // A local-to-local packet counted for both hosts is keyed INTERNAL (sender) and
    // INTERNAL_RECEIVE (receiver): read them as the transmit and receive they are for this page.
    const code = keyDirection(keys, 0);
    const dir = code === Direction.INTERNAL_RECEIVE ? Direction.RECEIVE : code === Direction.INTERNAL && this.#internalBoth ? Direction.TRANSMIT : code;
    const v6 = keyIpVersion(keys, 0) === 6;
    const aAt = KeyWord.A;
    const bAt = KeyWord.B;
    const bLocal = spec.bMode !== SideMode.NONE && this.#isLocal(keys, bAt, v6);
    // Under internalTraffic "both" a local-to-local packet is also in the receiver's entry:
    // services and pairs take it from the sender's only.
    const twice = dir === Direction.RECEIVE && this.#internalBoth && bLocal;
    const svc = f.services ? serviceCode(keyProtocol(keys, 0), servicePort(keyProtocol(keys, 0), keyAPort(keys, 0), keyBPort(keys, 0))) : NO_SERVICE;
    if (f.services && !twice) sink.service(svc, bytes);
    if (f.hosts) sink.direction(dir, bytes);
    if (dir === Direction.TRANSIT || dir === Direction.NONE) return;
    const inBytes = dir === Direction.RECEIVE ? bytes : 0;
    if (f.remotes && !bLocal && spec.bMode !== SideMode.NONE) this.#remote(spec, keys, bAt, v6, inBytes, bytes - inBytes, sink);
    if (spec.aMode !== SideMode.ADDRESS) return;
    const aId = addressId(keys, aAt, v6);
    if (f.hosts) sink.host(aId, keys, aAt, v6, inBytes, bytes - inBytes, svc);
    if (!f.pairs || spec.bMode !== SideMode.ADDRESS || twice) return;
    const id = pairId(aId, addressId(keys, bAt, v6));
    if (dir === Direction.RECEIVE) sink.pair(id, keys, bAt, aAt, v6, bytes, false, true, svc);
    else sink.pair(id, keys, aAt, bAt, v6, bytes, true, bLocal, svc);
  }

  /** A source/destination key: side A is the source, B the destination. */
  #pairEntry(keys: Uint32Array, bytes: number, f: Feeds, sink: EntrySink): void {
    const v6 = keyIpVersion(keys, 0) === 6;
    const proto = keyProtocol(keys, 0);
    const svc = f.services ? serviceCode(proto, servicePort(proto, keyAPort(keys, 0), keyBPort(keys, 0))) : NO_SERVICE;
    if (f.services) sink.service(svc, bytes);
    if (!f.hosts && !f.pairs && !f.remotes) return;
    const srcAt = KeyWord.A;
    const dstAt = KeyWord.B;
    const srcId = addressId(keys, srcAt, v6);
    const dstId = addressId(keys, dstAt, v6);
    const srcLocal = this.#isLocal(keys, srcAt, v6);
    const dstLocal = this.#isLocal(keys, dstAt, v6);
    if (f.pairs) sink.pair(pairId(srcId, dstId), keys, srcAt, dstAt, v6, bytes, srcLocal, dstLocal, svc);
    if (f.remotes && srcLocal !== dstLocal) {
      if (srcLocal) sink.remote(dstId, keys, dstAt, v6, 0, 0, bytes, -1);
      else sink.remote(srcId, keys, srcAt, v6, 0, bytes, 0, -1);
    }
    if (!f.hosts) return;
    const sides = this.#view.hostMode === 'sides';
    if (!sides) sink.direction(srcLocal ? (dstLocal ? Direction.INTERNAL : Direction.TRANSMIT) : dstLocal ? Direction.RECEIVE : Direction.TRANSIT, bytes);
    if (sides || srcLocal) sink.host(srcId, keys, srcAt, v6, 0, bytes, svc);
    if (sides || dstLocal) sink.host(dstId, keys, dstAt, v6, bytes, 0, svc);
  }

  /** The remote side B of a local/remote key: an address, or a prefix (its named network's, else the roll-up). */
  #remote(spec: AggregationSpec, keys: Uint32Array, at: number, v6: boolean, inBytes: number, outBytes: number, sink: EntrySink): void {
    const net = spec.bNet ? keyBNet(keys, 0) : -1;
    if (spec.bMode === SideMode.ADDRESS) {
      sink.remote(addressId(keys, at, v6), keys, at, v6, 0, inBytes, outBytes, net);
      return;
    }
    const len = net >= 0 ? this.#tables.named!.prefixLength(net) : v6 ? spec.prefix6 : spec.prefix4;
    const id = (addressId(keys, at, v6) ^ Math.imul(len + 1, 0x9e3779b1)) & 0x3fffffff;
    sink.remote(id, keys, at, v6, len, inBytes, outBytes, net);
  }

  #isLocal(keys: Uint32Array, at: number, v6: boolean): boolean {
    const t = this.#tables.local;
    if (t === undefined) return false;
    return (v6 ? t.lookup6(keys[at] | 0, keys[at + 1] | 0, keys[at + 2] | 0, keys[at + 3] | 0) : t.lookup4(keys[at] | 0)) >= 0;
  }
}

/** A 30-bit hash of an address (IP version included): a small integer, so sets of them do not allocate. */
function addressId(keys: Uint32Array, at: number, v6: boolean): number {
  return hashWords(keys, at, v6 ? 4 : 1, v6 ? 0x6b43a9b5 : 0x2f3c1d27) & 0x3fffffff;
}

/** A 30-bit hash of two address ids, the same whatever their order. */
function pairId(a: number, b: number): number {
  return (Math.imul(a ^ b, 0x2c1b3c6d) ^ (a + b)) & 0x3fffffff;
}
