/** IANA protocol numbers to the lower-case names exported as network.transport. */
const NAMES: Record<number, string> = {
  1: 'icmp', 2: 'igmp', 4: 'ipip', 6: 'tcp', 17: 'udp', 33: 'dccp', 41: 'ipv6', 47: 'gre',
  50: 'esp', 51: 'ah', 58: 'icmpv6', 89: 'ospf', 103: 'pim', 112: 'vrrp', 132: 'sctp', 136: 'udplite',
};

/** The network.transport value for an IP protocol number: a name where known, else the number. */
export function protocolName(protocol: number): string {
  return NAMES[protocol] ?? String(protocol);
}
