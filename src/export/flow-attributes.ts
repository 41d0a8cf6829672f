import type { Attributes } from '@opentelemetry/api';
import type { AggregationSpec } from '../account/aggregation-spec.ts';
import {
  KeyWord, keyAPort, keyBPort, keyDirection, keyExporter, keyInterface, keyIpVersion, keyProtocol, keyVlan,
} from '../account/flow-key.ts';
import { interfaceNameText, type InterfaceNameTable } from '../flow/interface-names.ts';
import type { NetworkLabels } from '../account/network-labels.ts';
import { keyRollupLevel, ROLLUP_LENGTHS_V4, ROLLUP_LENGTHS_V6 } from '../account/series-store.ts';
import type { InterfaceRegistry } from '../capture/interface-registry.ts';
import { formatIPv4, formatIPv6 } from '../decode/address-format.ts';
import { protocolName } from './protocol-names.ts';
import {
  ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_NETWORK, ATTR_DESTINATION_PORT, ATTR_DESTINATION_PREFIX,
  ATTR_DIRECTION, ATTR_LOCAL_ADDRESS, ATTR_LOCAL_NETWORK, ATTR_LOCAL_PORT, ATTR_LOCAL_PREFIX,
  ATTR_NETWORK_INTERFACE_NAME, ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_TYPE, ATTR_REMOTE_ADDRESS,
  ATTR_REMOTE_NETWORK, ATTR_REMOTE_PORT, ATTR_REMOTE_PREFIX, ATTR_SOURCE_ADDRESS, ATTR_SOURCE_NETWORK,
  ATTR_SOURCE_PORT, ATTR_SOURCE_PREFIX, ATTR_TRAFFIC_CLASS, ATTR_VLAN_ID, NETWORK_IO_DIRECTION_VALUE_RECEIVE as RECEIVE,
  NETWORK_IO_DIRECTION_VALUE_TRANSMIT as TRANSMIT, TRAFFIC_CLASS_VALUE_INBOUND, TRAFFIC_CLASS_VALUE_INTERNAL,
  TRAFFIC_CLASS_VALUE_OUTBOUND, TRAFFIC_CLASS_VALUE_TRANSIT,
  ATTR_EXPORTER_ADDRESS, ATTR_INGRESS_INTERFACE_ID, ATTR_EGRESS_INTERFACE_ID, ATTR_INGRESS_INTERFACE_NAME, ATTR_EGRESS_INTERFACE_NAME,
} from './semconv.ts';

/** What the flow dimensions' attributes are made from (flow collector). */
export interface FlowNames {
  /** The exporter's address (ExporterRegistry.name). */
  exporter(id: number): string;
  /** Names from flow.interfaceNamesFile, by id. */
  interfaceNames: InterfaceNameTable;
}

/**
 * What a key's direction code (account/packet-context.ts Direction: NONE, RECEIVE, TRANSMIT,
 * INTERNAL, TRANSIT, INTERNAL_RECEIVE) is exported as. network.io.direction is always from the
 * local host's side, so only `receive` / `transmit`: in a local/remote key that host is side A
 * (INTERNAL is the sender's entry of a local-to-local packet: transmit); a source/destination key
 * has one only when exactly one side is local (a local-to-local packet is both, transit neither).
 * otelacct.traffic.class tells the four apart (docs/naming.md).
 */
const LOCAL_IO_DIRECTION: readonly (string | undefined)[] = [undefined, RECEIVE, TRANSMIT, TRANSMIT, undefined, RECEIVE];
const PAIR_IO_DIRECTION: readonly (string | undefined)[] = [undefined, RECEIVE, TRANSMIT, undefined, undefined, undefined];
const TRAFFIC_CLASS: readonly (string | undefined)[] = [
  undefined, TRAFFIC_CLASS_VALUE_INBOUND, TRAFFIC_CLASS_VALUE_OUTBOUND, TRAFFIC_CLASS_VALUE_INTERNAL, TRAFFIC_CLASS_VALUE_TRANSIT, TRAFFIC_CLASS_VALUE_INTERNAL,
];

/**
 * Turns one aggregation's series keys (full-width, as SeriesStore.expand writes them: named
 * networks as NetworkLabels) back into OpenTelemetry attributes, in the order of its dimensions
 * (export time only: this allocates). A key whose side B was rolled up (series-store.ts) carries
 * side B as its prefix attribute (destination.prefix / remote.prefix, e.g. "198.51.100.0/24")
 * instead of its address attribute.
 */
export class FlowAttributes {
  readonly #spec: AggregationSpec;
  readonly #interfaces: InterfaceRegistry;
  readonly #labels: NetworkLabels;
  readonly #fallback: string;
  readonly #addr = new Uint8Array(16);
  readonly #flow: FlowNames | undefined;

  constructor(spec: AggregationSpec, interfaces: InterfaceRegistry, labels: NetworkLabels, networkFallback: string, flow?: FlowNames) {
    this.#spec = spec;
    this.#flow = flow;
    this.#interfaces = interfaces;
    this.#labels = labels;
    this.#fallback = networkFallback;
  }

  /** Attributes of the key stored at word offset `base` of `keys`. */
  of(keys: Uint32Array, base: number): Attributes {
    const out: Attributes = {};
    const v = keyIpVersion(keys, base);
    const direction = keyDirection(keys, base);
    // A local/remote key with no sides is transit traffic: it has no local or remote values.
    const sides = !this.#spec.localSide || direction !== 4;
    const level = keyRollupLevel(keys, base);
    for (const dim of this.#spec.dimensions) {
      switch (dim) {
        case ATTR_SOURCE_ADDRESS: case ATTR_LOCAL_ADDRESS: if (sides) out[dim] = this.#address(keys, base + KeyWord.A, v); break;
        case ATTR_DESTINATION_ADDRESS: case ATTR_REMOTE_ADDRESS:
          if (sides && level === 0) out[dim] = this.#address(keys, base + KeyWord.B, v);
          else if (sides) out[dim === ATTR_REMOTE_ADDRESS ? ATTR_REMOTE_PREFIX : ATTR_DESTINATION_PREFIX] = `${this.#address(keys, base + KeyWord.B, v)}/${v === 6 ? ROLLUP_LENGTHS_V6[level] : ROLLUP_LENGTHS_V4[level]}`;
          break;
        case ATTR_SOURCE_PREFIX: case ATTR_LOCAL_PREFIX: if (sides) out[dim] = this.#prefix(keys, base + KeyWord.A, keys[base + KeyWord.A_NET], v); break;
        case ATTR_DESTINATION_PREFIX: case ATTR_REMOTE_PREFIX: if (sides) out[dim] = this.#prefix(keys, base + KeyWord.B, keys[base + KeyWord.B_NET], v); break;
        case ATTR_SOURCE_NETWORK: case ATTR_LOCAL_NETWORK: if (sides) out[dim] = this.#network(keys[base + KeyWord.A_NET]); break;
        case ATTR_DESTINATION_NETWORK: case ATTR_REMOTE_NETWORK: if (sides) out[dim] = this.#network(keys[base + KeyWord.B_NET]); break;
        case ATTR_SOURCE_PORT: case ATTR_LOCAL_PORT: if (sides) out[dim] = keyAPort(keys, base); break;
        case ATTR_DESTINATION_PORT: case ATTR_REMOTE_PORT: if (sides) out[dim] = keyBPort(keys, base); break;
        case ATTR_DIRECTION: {
          // The direction dimension exports both attributes: the code determines the pair.
          const io = (this.#spec.localSide ? LOCAL_IO_DIRECTION : PAIR_IO_DIRECTION)[direction];
          if (io !== undefined) out[ATTR_DIRECTION] = io;
          const cls = TRAFFIC_CLASS[direction];
          if (cls !== undefined) out[ATTR_TRAFFIC_CLASS] = cls;
          break;
        }
        case ATTR_NETWORK_TYPE: out[dim] = v === 6 ? 'ipv6' : 'ipv4'; break;
        case ATTR_NETWORK_TRANSPORT: out[dim] = protocolName(keyProtocol(keys, base)); break;
        case ATTR_NETWORK_INTERFACE_NAME: out[dim] = this.#interfaces.name(keyInterface(keys, base)); break;
        case ATTR_VLAN_ID: out[dim] = keyVlan(keys, base); break;
        // Captured packets have no exporter (no attribute) and interfaces 0 (names left out).
        case ATTR_EXPORTER_ADDRESS: { const e = keyExporter(keys, base); if (e >= 0) out[dim] = this.#flow?.exporter(e) ?? `exporter${e}`; break; }
        case ATTR_INGRESS_INTERFACE_ID: out[dim] = keys[base + KeyWord.IN_IF]; break;
        case ATTR_EGRESS_INTERFACE_ID: out[dim] = keys[base + KeyWord.OUT_IF]; break;
        case ATTR_INGRESS_INTERFACE_NAME: case ATTR_EGRESS_INTERFACE_NAME: {
          const w = keys[base + (dim === ATTR_INGRESS_INTERFACE_NAME ? KeyWord.IN_NAME : KeyWord.OUT_NAME)];
          if (w !== 0 && this.#flow) out[dim] = interfaceNameText(this.#flow.interfaceNames, w);
          else if (w !== 0) out[dim] = String(w & 0x7fffffff);
          break;
        }
      }
    }
    return out;
  }

  #address(keys: Uint32Array, at: number, version: number): string {
    const a = this.#addr;
    const n = version === 6 ? 4 : 1;
    for (let i = 0; i < n; i++) {
      const w = keys[at + i];
      a[i * 4] = w >>> 24; a[i * 4 + 1] = (w >>> 16) & 0xff; a[i * 4 + 2] = (w >>> 8) & 0xff; a[i * 4 + 3] = w & 0xff;
    }
    return version === 6 ? formatIPv6(a, 0) : formatIPv4(a, 0);
  }

  #prefix(keys: Uint32Array, at: number, label: number, version: number): string {
    const len = label !== 0 ? label & 0xff : version === 6 ? this.#spec.prefix6 : this.#spec.prefix4;
    return `${this.#address(keys, at, version)}/${len}`;
  }

  #network(label: number): string {
    return label !== 0 ? this.#labels.name(label) : this.#fallback;
  }
}

