import { ALIASES, DEPRECATED, SHORT } from './load.ts';
import { schema } from './schema.ts';
import { leaves } from './schema-leaves.ts';

/** Section headings of --help, in schema order. */
const TOPICS: Record<string, string> = {
  capture: 'Capture (what is read)',
  accounting: 'Accounting (what traffic is counted by)',
  aggregations: 'Aggregations',
  export: 'Export (series, limits, --read output)',
  flow: 'Flow collector (sFlow, NetFlow, IPFIX listeners)',
  prometheus: 'Prometheus endpoint (/metrics)',
  web: 'Live page (/, /api/*)',
  otlp: 'OTLP push',
  resource: 'Resource',
  log: 'Log',
};

/** The --help text, generated from the schema: keys grouped by topic, with flag, env, default, doc. */
export function helpText(): string {
  const lines = [
    'usage: otelacct [flags] [BPF expression]  meter live traffic (root or CAP_NET_RAW+CAP_NET_ADMIN)',
    '       otelacct --read FILE [flags] [EXPR] account a pcap/pcapng file, print the counters, exit',
    '       otelacct report [flags]             billing report from Prometheus (otelacct report --help)',
    '',
    '  -c, --config FILE       YAML or JSON config file (env OTELACCT_CONFIG)',
    '      --print-config      print the effective configuration as JSON and exit',
    '      --version           print "otelacct <version>" and exit',
    '  -h, --help              this text',
    '',
    'A trailing BPF expression, as with tcpdump and pmacctd (otelacct -i eth0 tcp port 443), sets',
    'capture.filter; give it or --filter, not both (after --, every word is the expression). -f is',
    '--filter (pmacctd\'s -f, the config file, is -c here).',
    '',
    'Every key (precedence: default < config file < environment < flag), by topic:',
  ];
  const byKey = new Map<string, string[]>();
  const shortOf = new Map(Object.entries(SHORT).map(([s, long]) => [long, s]));
  for (const [alias, flag] of Object.entries(ALIASES)) byKey.set(flag, [...(byKey.get(flag) ?? []), `--${alias}`]);
  for (const [old, { use }] of Object.entries(DEPRECATED)) byKey.set(use, [...(byKey.get(use) ?? []), `--${old} (deprecated)`]);
  let topic = '';
  for (const l of leaves(schema)) {
    const section = l.key.split('.')[0];
    if (section !== topic) {
      topic = section;
      lines.push('', `${TOPICS[section] ?? section}:`);
      if (section === 'prometheus') lines.push('', '  --web.listen-address HOST:PORT    prometheus.host and prometheus.port together, as node_exporter', '      takes it: 127.0.0.1:9464, [::1]:9464, :9464 (all interfaces)');
    }
    const flags = l.arg ? [shortOf.get(l.arg), `--${l.arg}`, ...(byKey.get(l.arg) ?? [])].filter(Boolean).join(', ') : '(config file only)';
    lines.push('', `  ${l.key}    ${flags}${l.env ? `    env ${l.env}` : ''}`);
    lines.push(`      ${l.doc}`);
    lines.push(`      default: ${JSON.stringify(l.default)}${l.allowed ? `; allowed: ${l.allowed.join(', ')}` : ''}`);
  }
  lines.push('', 'Short flags: -i = --interface, -r = --read, -f = --filter, -c = --config, -h = --help.');
  return lines.join('\n') + '\n';
}
