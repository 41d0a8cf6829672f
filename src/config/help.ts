import { schema } from './schema.ts';
import { leaves } from './schema-leaves.ts';

/** The --help text, generated from the schema: one entry per key with flag, env, default, doc. */
export function helpText(): string {
  const lines = [
    'usage: otelacct [flags]                 meter live traffic (root or CAP_NET_RAW+CAP_NET_ADMIN)',
    '       otelacct --read FILE [flags]     account a pcap/pcapng file, print the counters, exit',
    '',
    '  -c, --config FILE       YAML or JSON config file (env OTELACCT_CONFIG)',
    '      --print-config      print the effective configuration as JSON and exit',
    '  -h, --help              this text',
    '',
    'Every key (precedence: default < config file < environment < flag):',
  ];
  for (const l of leaves(schema)) {
    const flag = l.arg ? `--${l.arg}` : '(config file only)';
    const def = JSON.stringify(l.default);
    lines.push('', `  ${l.key}    ${flag}${l.env ? `    env ${l.env}` : ''}`);
    lines.push(`      ${l.doc}`);
    lines.push(`      default: ${def}${l.allowed ? `; allowed: ${l.allowed.join(', ')}` : ''}`);
  }
  lines.push('', 'Short flags: -i = --interface, -r = --read, -f = --filter.');
  return lines.join('\n') + '\n';
}
