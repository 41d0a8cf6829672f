import { isIP } from 'node:net';
import { aggregationList, checkDimensions, type AggregationConfig } from './aggregations.ts';
import { DEFAULT_DIMENSIONS, DIMENSIONS } from './dimensions.ts';
import { httpPath } from './http-path.ts';
import { canonicalAddress, canonicalPrefix, networkText } from './ip-address.ts';

/**
 * The configuration schema (convict). Every key has a doc string, a default and a format; most
 * have an environment variable (OTELACCT_*) and a command-line flag. Precedence:
 * default < config file < environment < flags. `--help` is generated from this table.
 */

function dimensionList(value: unknown): void {
  try {
    checkDimensions(value, '');
  } catch (err) {
    throw new Error((err as Error).message.replace(/^: ?/, ''));
  }
}

function cidrList(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of CIDR prefixes like 10.0.0.0/8 or 2001:db8::/32');
  for (const v of value) {
    if (typeof v !== 'string' || !/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(v)) throw new Error(`${JSON.stringify(v)} is not a CIDR prefix like 10.0.0.0/8 or 2001:db8::/32`);
  }
}

/** capture.interfaces: names Linux or libpcap could have (no whitespace, control character or "/"). */
function interfaceList(value: unknown): void {
  stringList(value);
  const bad = (value as string[]).find((v) => /[\s\u0000-\u001f\u007f/]/.test(v));
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is not an interface name (no spaces, control characters or "/")`);
}

function portList(value: unknown): void {
  if (!Array.isArray(value) || value.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new Error('must be a list of port numbers from 1 to 65535');
  }
}

function stringList(value: unknown): void {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new Error('must be a list of non-empty strings');
  }
}

function stringMap(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('must be a map of names to strings');
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`value of ${JSON.stringify(k)} must be a string`);
  }
}

function intIn(min: number, max: number) {
  return (value: unknown): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`must be an integer from ${min} to ${max}`);
    }
  };
}

function urlOrEmpty(value: unknown): void {
  if (typeof value !== 'string') throw new Error('must be a string');
  if (value === '') return;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error('must be an http:// or https:// URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('must be an http:// or https:// URL');
}

/**
 * flow.samplingRates: `EXPORTER=N` or `*=N` (any exporter without its own entry); one entry per
 * exporter: two spellings of one address (`::ffff:192.0.2.1` and `192.0.2.1`, `2001:DB8::1` and
 * `2001:db8:0::1`) are the same exporter (canonicalAddress), and a second entry is rejected
 * rather than one silently winning.
 */
function samplingRateList(value: unknown): void {
  stringList(value);
  const seen = new Map<string, string>();
  for (const v of value as string[]) {
    const m = /^([^=\s]+)=(\d+)$/.exec(v);
    const who = m === null ? undefined : m[1] === '*' ? '*' : canonicalAddress(m[1]);
    if (!m || who === undefined || Number(m[2]) < 1 || Number(m[2]) > 1e9) {
      throw new Error(`${JSON.stringify(v)} is not EXPORTER=N (EXPORTER an IP address or *, N from 1 to 1000000000), e.g. 192.0.2.1=1000`);
    }
    const first = seen.get(who);
    if (first !== undefined) throw new Error(`${JSON.stringify(v)} repeats exporter ${who} (already ${JSON.stringify(first)}): one rate per exporter`);
    seen.set(who, v);
  }
}

/**
 * flow.allowedExporters: CIDR prefixes, IPv4 /0-32 or IPv6 /0-128 (no leading zero in the
 * length, no host bits set: as the networks file); each prefix once, in whatever spelling
 * (canonicalPrefix: `::ffff:192.0.2.0/120` is `192.0.2.0/24`).
 */
function prefixList(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of CIDR prefixes like 192.0.2.0/24 or 2001:db8::/32');
  const seen = new Map<string, string>();
  for (const v of value) {
    const p = typeof v === 'string' ? canonicalPrefix(v) : undefined;
    if (p === undefined) {
      const zero = typeof v === 'string' && /\/0\d/.test(v) ? ' (no leading zero in the length)' : '';
      throw new Error(`${JSON.stringify(v)} is not a CIDR prefix like 192.0.2.0/24 or 2001:db8::/32${zero}`);
    }
    const net = networkText(p);
    if (net !== p.address) throw new Error(`${JSON.stringify(v)} has host bits set (did you mean ${net}/${p.length}?)`);
    const key = `${p.address}/${p.length}`;
    const first = seen.get(key);
    if (first !== undefined) throw new Error(`${JSON.stringify(v)} repeats prefix ${key} (already ${JSON.stringify(first)})`);
    seen.set(key, v as string);
  }
}

/** A listen address: empty (all interfaces) or an IP address. */
function hostOrEmpty(value: unknown): void {
  if (typeof value !== 'string' || (value !== '' && isIP(value) === 0)) throw new Error('must be an IP address (e.g. 0.0.0.0, ::, 192.0.2.10), or empty for all interfaces');
}

/**
 * web.reverseDnsServers: addresses with an optional port (`192.0.2.53`, `192.0.2.53:5353`,
 * `[2001:db8::53]:53`), port 1-65535; not an address no server answers from (unspecified,
 * multicast, IPv4 broadcast); each server once.
 */
function dnsServerList(value: unknown): void {
  stringList(value);
  const seen = new Set<string>();
  for (const v of value as string[]) {
    const m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(v) ?? /^([0-9.]+)(?::(\d{1,5}))?$/.exec(v) ?? /^([0-9a-fA-F:.]+)()$/.exec(v);
    if (m === null || isIP(m[1]) === 0 || (m[2] !== undefined && m[2] !== '' && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
      throw new Error(`${JSON.stringify(v)} is not a DNS server address (an IP address, optionally :port from 1 to 65535; IPv6 with a port in brackets)`);
    }
    const ip = canonicalAddress(m[1]) ?? m[1];
    const family = isIP(ip);
    const unusable = family === 4
      ? ip === '0.0.0.0' || ip === '255.255.255.255' || (Number(ip.split('.')[0]) >= 224 && Number(ip.split('.')[0]) <= 239)
      : ip === '::' || /^ff[0-9a-f]{2}:/.test(ip);
    if (unusable) throw new Error(`${JSON.stringify(v)} is not a DNS server address (unspecified, multicast or broadcast)`);
    const key = `${ip} ${m[2] || '53'}`;
    if (seen.has(key)) throw new Error(`${JSON.stringify(v)} is listed twice`);
    seen.add(key);
  }
}

export const schema = {
  capture: {
    interfaces: {
      doc: 'Interfaces to capture on (repeat the flag for several). Empty: the first up, non-loopback interface.',
      format: interfaceList, default: [] as string[], env: 'OTELACCT_CAPTURE_INTERFACES', arg: 'interface',
    },
    filter: {
      doc: 'BPF filter (tcpdump syntax), e.g. "tcp or udp" (BPF matches the untagged header: add "or (vlan and (...))" for 802.1Q-tagged traffic): applied in the kernel live, and with --read to each packet by libpcap as tcpdump -r does.',
      format: String, default: '', env: 'OTELACCT_CAPTURE_FILTER', arg: 'filter',
    },
    bufferSize: {
      doc: 'Kernel capture buffer per interface, in bytes (pcap_set_buffer_size): a TPACKET_V3 ring, resident (in RSS) from the start. 64 MiB holds ~1.4 s of small-packet traffic at 230 kpps (~200 ring bytes a packet at snaplen 256): what otelacct can fall behind (a busy or shared host) without a kernel drop.',
      format: intIn(65536, 2 ** 31 - 1), default: 64 * 1024 * 1024, env: 'OTELACCT_CAPTURE_BUFFER_SIZE', arg: 'buffer-size',
    },
    snaplen: {
      doc: 'Bytes kept of each live packet. Byte counts come from the IP header, so 256 (stacked VLAN tags, IPv6 extension headers, ports) is plenty.',
      format: intIn(64, 65535), default: 256, env: 'OTELACCT_CAPTURE_SNAPLEN', arg: 'snaplen',
    },
    read: {
      doc: 'Read packets from this pcap/pcapng file instead of capturing live ("-": standard input, as tcpdump -r -).',
      format: String, default: '', env: 'OTELACCT_CAPTURE_READ', arg: 'read',
    },
  },
  accounting: {
    dimensions: {
      doc: `Attributes traffic is counted by (comma-separated). Allowed: ${DIMENSIONS.join(', ')}.`,
      format: dimensionList, default: DEFAULT_DIMENSIONS, env: 'OTELACCT_ACCOUNTING_DIMENSIONS', arg: 'dimensions',
    },
    maxFlows: {
      doc: 'Distinct keys each aggregation\'s flow table holds between two flushes; past it, new keys are counted in the overflow series.',
      format: intIn(16, 1 << 24), default: 1 << 17, env: 'OTELACCT_ACCOUNTING_MAX_FLOWS', arg: 'max-flows',
    },
    localNetworks: {
      doc: 'Your networks (CIDR, IPv4 and IPv6): they decide network.io.direction (with otelacct.traffic.class) and the local/remote dimensions.',
      format: cidrList, default: [] as string[], env: 'OTELACCT_ACCOUNTING_LOCAL_NETWORKS', arg: 'local-network',
    },
    networksFile: {
      doc: 'Networks file (pmacct networks_file format, plus "<prefix> <name>" lines): longest-prefix match gives the *.network and *.prefix dimensions. Reloaded on SIGHUP.',
      format: String, default: '', env: 'OTELACCT_ACCOUNTING_NETWORKS_FILE', arg: 'networks-file',
    },
    networkFallback: {
      doc: 'The *.network value of addresses that no networks-file entry matches.',
      format: String, default: 'unknown', env: 'OTELACCT_ACCOUNTING_NETWORK_FALLBACK', arg: 'network-fallback',
    },
    internalTraffic: {
      doc: 'Local-to-local packets in local/remote aggregations: "both" counts them for each host (transmit for the sender, receive for the receiver, as pmacct\'s in/out idiom), "once" for the sender only (transmit); either way with otelacct.traffic.class internal.',
      format: ['both', 'once'], default: 'both', env: 'OTELACCT_ACCOUNTING_INTERNAL_TRAFFIC', arg: 'internal-traffic',
    },
    ports: {
      doc: 'Ports kept in port dimensions (like pmacct ports_file); others become 0. Empty: every port is kept. (Formerly --port, still accepted with a deprecation line.)',
      format: portList, default: [] as number[], env: 'OTELACCT_ACCOUNTING_PORTS', arg: 'keep-port',
    },
    samplingRate: {
      doc: 'Count 1 packet in N and scale its bytes and packets by N (pmacct sampling_rate + renormalize). 1: every packet.',
      format: intIn(1, 1_000_000), default: 1, env: 'OTELACCT_ACCOUNTING_SAMPLING_RATE', arg: 'sampling-rate',
    },
  },
  aggregations: {
    doc: 'Named aggregations, each exported as otelacct.<name>.bytes/.packets: a list of {name, dimensions, cardinalityLimit?, prefixLength?: {ipv4, ipv6}}. Empty: one aggregation "traffic" with accounting.dimensions and export.cardinalityLimit.',
    format: aggregationList, default: [] as AggregationConfig[],
  },
  export: {
    cardinalityLimit: {
      doc: 'Series per traffic metric (OTel view aggregationCardinalityLimit). Keys past it go to one series with otel.metric.overflow=true.',
      format: intIn(2, 10_000_000), default: 10_000, env: 'OTELACCT_EXPORT_CARDINALITY_LIMIT', arg: 'cardinality-limit',
    },
    overflowPolicy: {
      doc: 'A new key past the cardinality limit: rollup keeps side A (local host or source) exact and rolls side B\'s address up to /24, /16, /0 (IPv6 /48, /32, /0) before the overflow series; overflow puts it straight into the otel.metric.overflow=true series.',
      format: ['rollup', 'overflow'], default: 'rollup', env: 'OTELACCT_EXPORT_OVERFLOW_POLICY', arg: 'overflow-policy',
    },
    idleTimeout: {
      doc: 'Seconds without traffic after which a series is dropped from /metrics and OTLP (0: never).',
      format: intIn(0, 366 * 86400), default: 3600, env: 'OTELACCT_EXPORT_IDLE_TIMEOUT', arg: 'idle-timeout',
    },
    output: {
      doc: 'With --read: how the final counters are printed to stdout.',
      format: ['prometheus', 'json', 'none'], default: 'prometheus', env: 'OTELACCT_EXPORT_OUTPUT', arg: 'output',
    },
    serve: {
      doc: 'With --read: keep serving /metrics (and exporting OTLP) after the file ends, until SIGINT/SIGTERM. /metrics answers during the read too (the counts so far); the log line "file read; serving until SIGINT or SIGTERM" marks the final totals.',
      format: Boolean, default: false, env: 'OTELACCT_EXPORT_SERVE', arg: 'serve',
    },
  },
  flow: {
    sflow: {
      enabled: {
        doc: 'Listen for sFlow v5 datagrams (UDP). With a flow listener on, live capture runs only when capture.interfaces is set.',
        format: Boolean, default: false, env: 'OTELACCT_FLOW_SFLOW_ENABLED', arg: 'sflow',
      },
      host: {
        doc: 'sFlow listen address; empty: all interfaces, IPv4 and IPv6.',
        format: hostOrEmpty, default: '', env: 'OTELACCT_FLOW_SFLOW_HOST', arg: 'sflow-host',
      },
      port: {
        doc: 'sFlow UDP port.',
        format: intIn(1, 65535), default: 6343, env: 'OTELACCT_FLOW_SFLOW_PORT', arg: 'sflow-port',
      },
    },
    netflow: {
      enabled: {
        doc: 'Listen for NetFlow v5, v9 and IPFIX datagrams (UDP); one decoder serves every port, each datagram is decoded by its version.',
        format: Boolean, default: false, env: 'OTELACCT_FLOW_NETFLOW_ENABLED', arg: 'netflow',
      },
      host: {
        doc: 'NetFlow/IPFIX listen address; empty: all interfaces, IPv4 and IPv6.',
        format: hostOrEmpty, default: '', env: 'OTELACCT_FLOW_NETFLOW_HOST', arg: 'netflow-host',
      },
      ports: {
        doc: 'NetFlow/IPFIX UDP ports (2055: NetFlow, 4739: IPFIX\'s IANA port); repeat the flag or comma-separate.',
        format: portList, default: [2055, 4739] as number[], env: 'OTELACCT_FLOW_NETFLOW_PORTS', arg: 'netflow-port',
      },
    },
    receiveBufferSize: {
      doc: 'Socket receive buffer per flow listener socket, in bytes (SO_RCVBUF; the kernel caps it at net.core.rmem_max, the granted size is logged). Datagrams arriving while it is full are dropped by the kernel and counted in otelacct.flow.socket.dropped.',
      format: intIn(4096, 2 ** 31 - 1), default: 16 * 1024 * 1024, env: 'OTELACCT_FLOW_RECEIVE_BUFFER_SIZE', arg: 'flow-receive-buffer-size',
    },
    templateTimeout: {
      doc: 'Seconds a NetFlow v9 / IPFIX template is kept without being refreshed by its exporter.',
      format: intIn(1, 86400), default: 1800, env: 'OTELACCT_FLOW_TEMPLATE_TIMEOUT', arg: 'flow-template-timeout',
    },
    samplingRates: {
      doc: 'Sampling rate per exporter where its datagrams say none (NetFlow v5 without a sampling interval, v9/IPFIX without sampler options): EXPORTER=N or *=N, e.g. 192.0.2.1=1000. Counts are multiplied by N (pmacct renormalize).',
      format: samplingRateList, default: [] as string[], env: 'OTELACCT_FLOW_SAMPLING_RATES', arg: 'flow-sampling-rate',
    },
    maxExporters: {
      doc: 'Most exporters (source addresses) accepted; datagrams from more are dropped and counted in otelacct.flow.exporters.refused.',
      format: intIn(1, 65536), default: 4096, env: 'OTELACCT_FLOW_MAX_EXPORTERS', arg: 'flow-max-exporters',
    },
    allowedExporters: {
      doc: 'Exporters (datagram source addresses) accepted, as CIDR prefixes (e.g. 192.0.2.0/24; repeat the flag or comma-separate), as pmacct\'s nfacctd_allow_file; datagrams from other sources are dropped before anything is kept for them and counted in otelacct.flow.exporters.refused. Empty: any source. Set it where sources can be spoofed: a flood from spoofed addresses can otherwise take every one of flow.maxExporters.',
      format: prefixList, default: [] as string[], env: 'OTELACCT_FLOW_ALLOWED_EXPORTERS', arg: 'flow-allowed-exporter',
    },
    interfaceNamesFile: {
      doc: 'Interface names of exporters ("EXPORTER IFINDEX NAME" lines, EXPORTER an IP address or *; pmacct-style "ip=... ifindex=... name=..." too) for the otelacct.ingress/egress.interface.name dimensions. Reloaded on SIGHUP.',
      format: String, default: '', env: 'OTELACCT_FLOW_INTERFACE_NAMES_FILE', arg: 'flow-interface-names-file',
    },
  },
  prometheus: {
    enabled: {
      doc: 'Serve the Prometheus text exposition over HTTP.',
      format: Boolean, default: true, env: 'OTELACCT_PROMETHEUS_ENABLED', arg: 'prometheus',
    },
    host: {
      doc: 'Listen address for /metrics; empty: all interfaces (IPv4 and IPv6).',
      format: String, default: '', env: 'OTELACCT_PROMETHEUS_HOST', arg: 'prometheus-host',
    },
    port: {
      doc: 'Listen port for /metrics (0: any free port, logged at start).',
      format: intIn(0, 65535), default: 9464, env: 'OTELACCT_PROMETHEUS_PORT', arg: 'prometheus-port',
    },
    webConfigFile: {
      doc: 'TLS and basic auth for the HTTP endpoint (every path): a Prometheus exporter-toolkit web config file with tls_server_config (cert_file, key_file) and basic_auth_users (bcrypt hashes).',
      format: String, default: '', env: 'OTELACCT_PROMETHEUS_WEB_CONFIG_FILE', arg: 'web-config-file',
    },
    path: {
      doc: 'HTTP path of the exposition: plain URL characters (no query, space or %), not a path of the live page (/, /index.html, /assets/*, /api/*).',
      format: httpPath,
      default: '/metrics', env: 'OTELACCT_PROMETHEUS_PATH', arg: 'prometheus-path',
    },
  },
  web: {
    enabled: {
      doc: 'Serve the live top-talkers page at / and its API at /api/live and /api/snapshot, on the /metrics server (same TLS and basic auth). Off: / is a plain index and /api/* is 404.',
      format: Boolean, default: true, env: 'OTELACCT_WEB_ENABLED', arg: 'web',
    },
    topN: {
      doc: 'Hosts and pairs the live page keeps per second (the top N by in, by out and by total).',
      format: intIn(1, 200), default: 20, env: 'OTELACCT_WEB_TOP_N', arg: 'web-top-n',
    },
    windowSeconds: {
      doc: 'Seconds of history the live page keeps for its sparklines.',
      format: intIn(10, 3600), default: 300, env: 'OTELACCT_WEB_WINDOW_SECONDS', arg: 'web-window-seconds',
    },
    reverseDns: {
      doc: 'Show reverse DNS names of the addresses the live page lists: PTR lookups in the background (cached, at most web.reverseDnsRate a second), never on the packet path. Off by default: lookups leak the addresses seen to the DNS servers.',
      format: Boolean, default: false, env: 'OTELACCT_WEB_REVERSE_DNS', arg: 'web-reverse-dns',
    },
    reverseDnsServers: {
      doc: 'DNS servers for web.reverseDns (IP address, optionally :port; repeat the flag for several). Empty: the system\'s (/etc/resolv.conf).',
      format: dnsServerList, default: [] as string[], env: 'OTELACCT_WEB_REVERSE_DNS_SERVERS', arg: 'web-reverse-dns-server',
    },
    reverseDnsRate: {
      doc: 'Most reverse DNS lookups web.reverseDns starts per second.',
      format: intIn(1, 1000), default: 10, env: 'OTELACCT_WEB_REVERSE_DNS_RATE', arg: 'web-reverse-dns-rate',
    },
    grafanaUrl: {
      doc: 'Grafana base URL (http://grafana:3000): the live page links each host to its panel of the otelacct dashboard (grafana/dashboards/otelacct.json, uid otelacct). Empty: no links.',
      format: urlOrEmpty, default: '', env: 'OTELACCT_WEB_GRAFANA_URL', arg: 'web-grafana-url',
    },
  },
  otlp: {
    endpoint: {
      doc: 'OTLP metrics endpoint: the full URL for HTTP (http://collector:4318/v1/metrics), http(s)://host:port for gRPC (http://collector:4317). Empty: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT (+/v1/metrics for HTTP) if set, else OTLP is off.',
      format: urlOrEmpty, default: '', env: 'OTELACCT_OTLP_ENDPOINT', arg: 'otlp-endpoint',
    },
    headers: {
      doc: 'Extra HTTP headers for OTLP requests (map; env OTEL_EXPORTER_OTLP_HEADERS also applies).',
      format: stringMap, default: {} as Record<string, string>,
    },
    interval: {
      doc: 'Milliseconds between OTLP exports (default: OTEL_METRIC_EXPORT_INTERVAL, else 60000).',
      format: intIn(100, 86_400_000), default: 60_000, env: 'OTEL_METRIC_EXPORT_INTERVAL', arg: 'otlp-interval',
    },
    timeout: {
      doc: 'Milliseconds one OTLP request may take, retries included (default: OTEL_METRIC_EXPORT_TIMEOUT, else 30000).',
      format: intIn(100, 600_000), default: 30_000, env: 'OTEL_METRIC_EXPORT_TIMEOUT', arg: 'otlp-timeout',
    },
    compression: {
      doc: 'OTLP request compression (default: OTEL_EXPORTER_OTLP_COMPRESSION, else none).',
      format: ['none', 'gzip'], default: 'none', env: 'OTEL_EXPORTER_OTLP_COMPRESSION', arg: 'otlp-compression',
    },
    protocol: {
      doc: 'OTLP transport: http/protobuf, http/json or grpc. Empty: OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf (the OTLP default).',
      format: (v: unknown) => { if (!['', 'http/protobuf', 'http/json', 'grpc'].includes(v as string)) throw new Error('must be http/protobuf, http/json or grpc'); },
      default: '', env: 'OTELACCT_OTLP_PROTOCOL', arg: 'otlp-protocol',
    },
    temporality: {
      doc: 'OTLP temporality preference: cumulative, delta (counters as changes since the last accepted push) or lowmemory (traffic counters delta, self-telemetry cumulative). Empty: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, else cumulative. /metrics is always cumulative.',
      format: (v: unknown) => { if (!['', 'cumulative', 'delta', 'lowmemory'].includes(v as string)) throw new Error('must be cumulative, delta or lowmemory'); },
      default: '', env: 'OTELACCT_OTLP_TEMPORALITY', arg: 'otlp-temporality',
    },
    maxDataPoints: {
      doc: 'Most traffic data points in one OTLP request (the first also carries the self-telemetry): a bigger push is split into several requests, each sent (and, over HTTP, retried) on its own (5000 points stay under gRPC\'s 4 MiB default message limit even with wide IPv6 keys).',
      format: intIn(2, 10_000_000), default: 5000, env: 'OTELACCT_OTLP_MAX_DATA_POINTS', arg: 'otlp-max-data-points',
    },
  },
  resource: {
    attributes: {
      doc: 'Resource attributes added to everything exported, e.g. {site: dc1}. OTEL_RESOURCE_ATTRIBUTES is merged (config wins).',
      format: stringMap, default: {} as Record<string, string>,
    },
  },
  log: {
    level: {
      doc: 'Log level on stderr.',
      format: ['error', 'warn', 'info', 'debug'], default: 'info', env: 'OTELACCT_LOG_LEVEL', arg: 'log-level',
    },
  },
};

/** The validated configuration, as the rest of otelacct sees it. */
export interface Config {
  capture: { interfaces: string[]; filter: string; bufferSize: number; snaplen: number; read: string };
  accounting: {
    dimensions: string[]; maxFlows: number; localNetworks: string[]; networksFile: string; networkFallback: string;
    internalTraffic: 'both' | 'once'; ports: number[]; samplingRate: number;
  };
  aggregations: AggregationConfig[];
  export: { cardinalityLimit: number; overflowPolicy: 'rollup' | 'overflow'; idleTimeout: number; output: 'prometheus' | 'json' | 'none'; serve: boolean };
  flow: {
    sflow: { enabled: boolean; host: string; port: number };
    netflow: { enabled: boolean; host: string; ports: number[] };
    receiveBufferSize: number; templateTimeout: number; samplingRates: string[]; maxExporters: number; allowedExporters: string[];
    interfaceNamesFile: string;
  };
  prometheus: { enabled: boolean; host: string; port: number; path: string; webConfigFile: string };
  web: { enabled: boolean; topN: number; windowSeconds: number; reverseDns: boolean; reverseDnsServers: string[]; reverseDnsRate: number; grafanaUrl: string };
  otlp: { endpoint: string; headers: Record<string, string>; interval: number; timeout: number; compression: 'none' | 'gzip'; protocol: '' | 'http/protobuf' | 'http/json' | 'grpc'; temporality: '' | 'cumulative' | 'delta' | 'lowmemory'; maxDataPoints: number };
  resource: { attributes: Record<string, string> };
  log: { level: 'error' | 'warn' | 'info' | 'debug' };
}
