import { protocolName } from '../export/protocol-names.ts';

/**
 * Well-known service names of common ports, as IANA's service name registry spells them
 * (https://www.iana.org/assignments/service-names-port-numbers), for TCP, UDP and SCTP alike
 * unless a port is registered for one transport only. A fixed table, not /etc/services: the page
 * shows the same names on every machine (a container image often has no /etc/services), and the
 * table is small enough to read in full. Ports not listed show as `tcp/8123`.
 */
const BOTH: Record<number, string> = {
  20: 'ftp-data', 21: 'ftp', 22: 'ssh', 23: 'telnet', 25: 'smtp', 43: 'nicname', 53: 'domain', 67: 'bootps',
  68: 'bootpc', 69: 'tftp', 80: 'http', 88: 'kerberos', 110: 'pop3', 111: 'sunrpc', 119: 'nntp', 123: 'ntp',
  135: 'epmap', 137: 'netbios-ns', 138: 'netbios-dgm', 139: 'netbios-ssn', 143: 'imap', 161: 'snmp',
  162: 'snmptrap', 179: 'bgp', 389: 'ldap', 443: 'https', 445: 'microsoft-ds', 465: 'submissions',
  500: 'isakmp', 515: 'printer', 546: 'dhcpv6-client', 547: 'dhcpv6-server', 554: 'rtsp', 587: 'submission',
  636: 'ldaps', 853: 'domain-s', 873: 'rsync', 989: 'ftps-data', 990: 'ftps', 993: 'imaps', 995: 'pop3s',
  1194: 'openvpn', 1433: 'ms-sql-s', 1701: 'l2tp', 1812: 'radius', 1813: 'radius-acct', 1883: 'mqtt',
  2049: 'nfs', 3260: 'iscsi-target', 3306: 'mysql', 3389: 'ms-wbt-server', 3478: 'stun', 4500: 'ipsec-nat-t',
  4789: 'vxlan', 5060: 'sip', 5061: 'sips', 5353: 'mdns', 5432: 'postgresql', 5671: 'amqps', 5672: 'amqp',
  5900: 'rfb', 6379: 'redis', 6514: 'syslog-tls', 8080: 'http-alt', 8883: 'secure-mqtt', 9418: 'git',
  11211: 'memcache', 27017: 'mongodb',
};
/** Ports registered for UDP only, or under another name for UDP than for TCP (tcp/514 is "shell"). */
const UDP: Record<number, string> = { 514: 'syslog', 4739: 'ipfix', 6343: 'sflow' };

/** Protocols whose flow keys carry ports (otelacct's decoder: TCP, UDP, DCCP, SCTP, UDP-Lite). */
const PORTED = new Set([6, 17, 33, 132, 136]);

/** The well-known name of `port` for IP protocol `protocol`, or undefined. */
export function serviceName(protocol: number, port: number): string | undefined {
  if (!PORTED.has(protocol) || port === 0) return undefined;
  return (protocol === 17 || protocol === 136 ? UDP[port] : undefined) ?? BOTH[port];
}

/**
 * Which of two ports names the service of a conversation: the one with a well-known name; if
 * both or neither have one, the lower (servers listen on low ports, clients use ephemeral ones,
 * as iftop and ntopng guess). 0 (no port kept) loses to any port.
 */
export function servicePort(protocol: number, a: number, b: number): number {
  if (a === 0 || b === 0) return a | b;
  const na = serviceName(protocol, a) !== undefined;
  const nb = serviceName(protocol, b) !== undefined;
  if (na !== nb) return na ? a : b;
  return Math.min(a, b);
}

/** A service as one number: protocol << 16 | port (port 0: the protocol without ports, e.g. icmp). */
export const serviceCode = (protocol: number, port: number): number => protocol * 65536 + port;

/** The page's label of a service code: `https` (tcp/443), `tcp/8123`, `icmp`. */
export function serviceLabel(code: number): { name: string; transport: string; port: number } {
  const protocol = Math.floor(code / 65536);
  const port = code % 65536;
  const transport = protocolName(protocol);
  return { name: serviceName(protocol, port) ?? (port === 0 ? transport : `${transport}/${port}`), transport, port };
}
