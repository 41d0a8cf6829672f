import {
  ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_PORT, ATTR_NETWORK_INTERFACE_NAME, ATTR_NETWORK_TRANSPORT,
  ATTR_SOURCE_ADDRESS, ATTR_SOURCE_PORT, ATTR_VLAN_ID,
} from '../export/semconv.ts';
import { KeyField } from './flow-key.ts';

const FIELD_OF: Record<string, number> = {
  [ATTR_SOURCE_ADDRESS]: KeyField.SRC_ADDR,
  [ATTR_DESTINATION_ADDRESS]: KeyField.DST_ADDR,
  [ATTR_SOURCE_PORT]: KeyField.SRC_PORT,
  [ATTR_DESTINATION_PORT]: KeyField.DST_PORT,
  [ATTR_NETWORK_TRANSPORT]: KeyField.PROTOCOL,
  [ATTR_NETWORK_INTERFACE_NAME]: KeyField.INTERFACE,
  [ATTR_VLAN_ID]: KeyField.VLAN,
};

/**
 * The KeyField bit set that keeps exactly the given dimensions in flow keys. network.type needs
 * no bit: the IP version is always part of the key.
 */
export function dimensionFields(dimensions: readonly string[]): number {
  let fields = 0;
  for (const d of dimensions) fields |= FIELD_OF[d] ?? 0;
  return fields;
}
