import { SideMode, type AggregationSpec } from '../account/aggregation-spec.ts';
import { hashWords } from '../account/key-hash.ts';
import { KEY_WORDS, KeyWord, keyAPort, keyBNet, keyBPort, keyDirection, keyIpVersion, keyProtocol } from '../account/flow-key.ts';
import type { FlowTable } from '../account/flow-table.ts';
import type { NetworkTables } from '../account/network-tables.ts';
import { Direction } from '../account/packet-context.ts';
import { formatIPv4, formatIPv6 } from '../decode/address-format.ts';
import { NO_SERVICE } from './address-sums.ts';
import type { EntrySink, LiveView } from './live-view.ts';
import { serviceCode, servicePort } from './service-names.ts';

/** What one aggregation's entries feed (LiveView decides). */
interface Feeds { hosts: boolean; pairs: boolean; remotes: boolean; services: boolean }

/**
 * Reads flow-table entries for the page (flush time only: this formats address strings, for
 * addresses the sink does not track yet). One instance per LiveRates; not re-entrant.
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
    let a: string | undefined;
    if (f.hosts && !sink.known(aId, keys, aAt, v6, inBytes, bytes - inBytes, svc)) {
      a = this.#text(keys, aAt, v6);
      sink.host(a, inBytes, bytes - inBytes, aId, keys, aAt, v6, svc);
    }
    if (!f.pairs || spec.bMode !== SideMode.ADDRESS || twice) return;
    const id = pairId(aId, addressId(keys, bAt, v6));
    if (dir === Direction.RECEIVE ? sink.knownPair(id, keys, bAt, aAt, v6, bytes, svc) : sink.knownPair(id, keys, aAt, bAt, v6, bytes, svc)) return;
    a ??= this.#text(keys, aAt, v6);
    const b = this.#text(keys, bAt, v6);
    if (dir === Direction.RECEIVE) orient(sink, b, a, bytes, false, true, id, keys, bAt, aAt, v6, svc);
    else orient(sink, a, b, bytes, true, bLocal, id, keys, aAt, bAt, v6, svc);
  }

  /** A source/destination key: side A is the source, B the destination. */
  #pairEntry(keys: Uint32Array, bytes: number, f: Feeds, sink: EntrySink): void {
    const v6 = keyIpVersion(keys, 0) === 6;
    const proto = keyProtocol(keys, 0);
    const svc = f.services ? serviceCode(proto, servicePort(proto, keyAPort(keys, 0), keyBPort(keys, 0))) : NO_SERVICE;
    if (f.services) sink.service(svc, bytes);
    if (!f.hosts && !f.pairs && !f.remotes) return;
    // Address text is formatted only for what the sink can still track (hashes decide first).
    const srcAt = KeyWord.A;
    const dstAt = KeyWord.B;
    const srcId = addressId(keys, srcAt, v6);
    const dstId = addressId(keys, dstAt, v6);
    const srcLocal = this.#isLocal(keys, srcAt, v6);
    const dstLocal = this.#isLocal(keys, dstAt, v6);
    if (f.pairs) {
      const id = pairId(srcId, dstId);
      if (!sink.knownPair(id, keys, srcAt, dstAt, v6, bytes, svc)) {
        orient(sink, this.#text(keys, srcAt, v6), this.#text(keys, dstAt, v6), bytes, srcLocal, dstLocal, id, keys, srcAt, dstAt, v6, svc);
      }
    }
    if (f.remotes && srcLocal !== dstLocal) {
      if (srcLocal) this.#remoteAddress(keys, dstAt, dstId, v6, 0, bytes, sink);
      else this.#remoteAddress(keys, srcAt, srcId, v6, bytes, 0, sink);
    }
    if (!f.hosts) return;
    if (this.#view.hostMode !== 'sides') {
      sink.direction(srcLocal ? (dstLocal ? Direction.INTERNAL : Direction.TRANSMIT) : dstLocal ? Direction.RECEIVE : Direction.TRANSIT, bytes);
    }
    const sides = this.#view.hostMode === 'sides';
    if ((sides || srcLocal) && !sink.known(srcId, keys, srcAt, v6, 0, bytes, svc)) sink.host(this.#text(keys, srcAt, v6), 0, bytes, srcId, keys, srcAt, v6, svc);
    if ((sides || dstLocal) && !sink.known(dstId, keys, dstAt, v6, bytes, 0, svc)) sink.host(this.#text(keys, dstAt, v6), bytes, 0, dstId, keys, dstAt, v6, svc);
  }

  /** The remote side B of a local/remote key: an address, or a prefix (its named network's, else the roll-up). */
  #remote(spec: AggregationSpec, keys: Uint32Array, at: number, v6: boolean, inBytes: number, outBytes: number, sink: EntrySink): void {
    const net = spec.bNet ? keyBNet(keys, 0) : -1;
    if (spec.bMode === SideMode.ADDRESS) {
      this.#remoteAddress(keys, at, addressId(keys, at, v6), v6, inBytes, outBytes, sink, net);
      return;
    }
    const len = net >= 0 ? this.#tables.named!.prefixLength(net) : v6 ? spec.prefix6 : spec.prefix4;
    const id = (addressId(keys, at, v6) ^ Math.imul(len + 1, 0x9e3779b1)) & 0x3fffffff;
    if (!sink.knownRemote(id, keys, at, v6, len, inBytes, outBytes)) sink.remote(`${this.#text(keys, at, v6)}/${len}`, inBytes, outBytes, id, keys, at, v6, len, net);
  }

  #remoteAddress(keys: Uint32Array, at: number, id: number, v6: boolean, inBytes: number, outBytes: number, sink: EntrySink, net = -1): void {
    if (!sink.knownRemote(id, keys, at, v6, 0, inBytes, outBytes)) sink.remote(this.#text(keys, at, v6), inBytes, outBytes, id, keys, at, v6, 0, net);
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
  keys: Uint32Array, fromAt: number, toAt: number, v6: boolean, service: number): void {
  const fromLeft = fromLocal !== toLocal ? fromLocal : from <= to;
  if (fromLeft) sink.pair(from, to, bytes, 0, id, keys, fromAt, toAt, v6, service);
  else sink.pair(to, from, 0, bytes, id, keys, toAt, fromAt, v6, service);
}

/** A 30-bit hash of an address (IP version included): a small integer, so sets of them do not allocate. */
function addressId(keys: Uint32Array, at: number, v6: boolean): number {
  return hashWords(keys, at, v6 ? 4 : 1, v6 ? 0x6b43a9b5 : 0x2f3c1d27) & 0x3fffffff;
}

/** A 30-bit hash of two address ids, the same whatever their order. */
function pairId(a: number, b: number): number {
  return (Math.imul(a ^ b, 0x2c1b3c6d) ^ (a + b)) & 0x3fffffff;
}
