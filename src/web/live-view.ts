import { SideMode, type AggregationSpec } from '../account/aggregation-spec.ts';
import type { NetworkTables } from '../account/network-tables.ts';
import {
  ATTR_DESTINATION_PORT, ATTR_DIRECTION, ATTR_LOCAL_PORT, ATTR_NETWORK_TRANSPORT, ATTR_REMOTE_ADDRESS, ATTR_REMOTE_PORT,
  ATTR_REMOTE_PREFIX, ATTR_SOURCE_PORT,
} from '../export/semconv.ts';

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
  /** Aggregation index the remote talkers come from, -1 for none. */
  remoteAggregation: number;
  /** Aggregation index the services (ports and transport) come from, -1 for none. */
  serviceAggregation: number;
  /** One sentence for the page on how hosts and directions were derived. */
  note: string;
  /** The same for the remote talkers, and for the services. */
  remotesNote: string;
  servicesNote: string;
}

/** Picks the aggregations the page reads (see HostMode): the first that fits, in config order. */
export function chooseView(specs: readonly AggregationSpec[], tables: NetworkTables): LiveView {
  const hosts = chooseHosts(specs, tables);
  return { ...hosts, ...chooseRemotes(specs, tables, hosts), ...chooseServices(specs, hosts) };
}

/**
 * Remote talkers: from an aggregation with the remote prefix and the direction (rolled up), else
 * the remote address and the direction, else the non-local side of a source/destination pair
 * aggregation (local networks needed in all cases: "remote" means outside them).
 */
function chooseRemotes(specs: readonly AggregationSpec[], tables: NetworkTables, hosts: HostsView): Pick<LiveView, 'remoteAggregation' | 'remotesNote'> {
  const prefix = specs.findIndex((s) => s.localSide && s.bMode === SideMode.PREFIX && s.direction);
  const address = specs.findIndex((s) => s.localSide && s.bMode === SideMode.ADDRESS && s.direction);
  const pairs = hosts.hostMode === 'classified' ? hosts.pairAggregation : -1;
  if (tables.local === undefined) {
    return { remoteAggregation: -1, remotesNote: 'No accounting.localNetworks: every address could be local, so there are no remote talkers.' };
  }
  if (prefix >= 0) return { remoteAggregation: prefix, remotesNote: `Remote talkers rolled up by prefix, from aggregation "${specs[prefix].name}" (${ATTR_REMOTE_PREFIX}).` };
  if (address >= 0) return { remoteAggregation: address, remotesNote: `Remote talkers from aggregation "${specs[address].name}" (${ATTR_REMOTE_ADDRESS}).` };
  if (pairs >= 0) return { remoteAggregation: pairs, remotesNote: `Remote talkers: the side outside accounting.localNetworks of aggregation "${specs[pairs].name}".` };
  return {
    remoteAggregation: -1,
    remotesNote: `No aggregation keeps remote addresses (${ATTR_REMOTE_PREFIX} or ${ATTR_REMOTE_ADDRESS} with ${ATTR_DIRECTION}, or source and destination addresses).`,
  };
}

/** Services: an aggregation keeping the transport and a port; the hosts' or the pairs' own if it does. */
function chooseServices(specs: readonly AggregationSpec[], hosts: HostsView): Pick<LiveView, 'serviceAggregation' | 'servicesNote'> {
  const fits = (i: number) => i >= 0 && specs[i].protocol && (specs[i].aPort || specs[i].bPort);
  const i = fits(hosts.hostAggregation) ? hosts.hostAggregation : fits(hosts.pairAggregation) ? hosts.pairAggregation : specs.findIndex((_, j) => fits(j));
  if (i < 0) {
    return {
      serviceAggregation: -1,
      servicesNote: `No aggregation keeps ports and transport (${ATTR_NETWORK_TRANSPORT} with ${ATTR_SOURCE_PORT} / ${ATTR_DESTINATION_PORT}, or ${ATTR_LOCAL_PORT} / ${ATTR_REMOTE_PORT}): no services to show.`,
    };
  }
  const per = [i === hosts.hostAggregation ? 'host' : '', i === hosts.pairAggregation ? 'pair' : ''].filter(Boolean).join(' and ');
  return {
    serviceAggregation: i,
    servicesNote: `Services from aggregation "${specs[i].name}": the port with a well-known name, else the lower one${per ? `; per ${per} too` : ' (not per host or pair: their aggregations keep no ports)'}.`,
  };
}

type HostsView = Pick<LiveView, 'hostMode' | 'hostAggregation' | 'pairAggregation' | 'note'>;

function chooseHosts(specs: readonly AggregationSpec[], tables: NetworkTables): HostsView {
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

/**
 * Receives what one drained flow-table entry means for hosts, pairs, remote talkers, services and
 * the direction split. Addresses are given where they are in the entry's `keys` (IPv6: 4 words)
 * with a 30-bit hash `id`: no text, so a sink can add an entry without allocating.
 */
export interface EntrySink {
  /** `inBytes` received and `outBytes` sent by local host at `keys[at]`; `service`: the entry's service code (NO_SERVICE: none). */
  host(id: number, keys: Uint32Array, at: number, v6: boolean, inBytes: number, outBytes: number, service: number): void;
  /**
   * `bytes` sent from the address at `keys[fromAt]` to the one at `keys[toAt]`, with whether each
   * is local; `id` hashes the two addresses (the same whatever their order).
   */
  pair(id: number, keys: Uint32Array, fromAt: number, toAt: number, v6: boolean, bytes: number, fromLocal: boolean, toLocal: boolean, service: number): void;
  /** A remote talker: an address (`len` 0) or a prefix of `len` bits; `inBytes` came from it; `net`: its networks-file entry (-1: none known). */
  remote(id: number, keys: Uint32Array, at: number, v6: boolean, len: number, inBytes: number, outBytes: number, net: number): void;
  /** `bytes` of service `code` (service-names.ts serviceCode), each packet once. */
  service(code: number, bytes: number): void;
  /** IP bytes of a packet class (Direction code: RECEIVE, TRANSMIT, INTERNAL, TRANSIT). */
  direction(code: number, bytes: number): void;
}
