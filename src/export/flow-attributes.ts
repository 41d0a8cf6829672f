import type { Attributes } from '@opentelemetry/api';
import type { InterfaceRegistry } from '../capture/interface-registry.ts';
import {
  keyDstPort, keyInterface, keyIpVersion, keyProtocol, keySrcPort, keyVlan,
} from '../account/flow-key.ts';
import { formatIPv4, formatIPv6 } from '../decode/address-format.ts';
import { protocolName } from './protocol-names.ts';
import {
  ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_PORT, ATTR_NETWORK_INTERFACE_NAME, ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE, ATTR_SOURCE_ADDRESS, ATTR_SOURCE_PORT, ATTR_VLAN_ID,
} from './semconv.ts';

/**
 * Turns flow keys back into OpenTelemetry attributes (export time only: this allocates).
 * `dimensions` is the ordered list of attribute names to emit.
 */
export class FlowAttributes {
  readonly #dimensions: readonly string[];
  readonly #interfaces: InterfaceRegistry;
  readonly #addr = new Uint8Array(16);

  constructor(dimensions: readonly string[], interfaces: InterfaceRegistry) {
    this.#dimensions = dimensions;
    this.#interfaces = interfaces;
  }

  /** Attributes of the key stored at word offset `base` of `keys`. */
  of(keys: Uint32Array, base: number): Attributes {
    const out: Attributes = {};
    const v = keyIpVersion(keys, base);
    for (const dim of this.#dimensions) {
      switch (dim) {
        case ATTR_SOURCE_ADDRESS: out[dim] = this.#address(keys, base, v); break;
        case ATTR_DESTINATION_ADDRESS: out[dim] = this.#address(keys, base + 4, v); break;
        case ATTR_SOURCE_PORT: out[dim] = keySrcPort(keys, base); break;
        case ATTR_DESTINATION_PORT: out[dim] = keyDstPort(keys, base); break;
        case ATTR_NETWORK_TYPE: out[dim] = v === 6 ? 'ipv6' : 'ipv4'; break;
        case ATTR_NETWORK_TRANSPORT: out[dim] = protocolName(keyProtocol(keys, base)); break;
        case ATTR_NETWORK_INTERFACE_NAME: out[dim] = this.#interfaces.name(keyInterface(keys, base)); break;
        case ATTR_VLAN_ID: out[dim] = keyVlan(keys, base); break;
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
}
