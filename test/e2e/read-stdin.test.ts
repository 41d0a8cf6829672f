import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { CLI, parseExposition } from '../support/run-otelacct.ts';

// `-r -` reads standard input, as tcpdump -r - does: a pipe (tcpdump -w - | otelacct -r -) or a
// redirected file.
const tmp = new TempDir();
after(() => tmp.dispose());

function packets(text: string): number {
  return [...parseExposition(text)].filter(([k]) => k.startsWith('otelacct_traffic_packets_total{')).reduce((n, [, v]) => n + v, 0);
}

test('otelacct -r - counts standard input, piped or redirected; an empty one is one line naming it', () => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 12; i++) w.add(ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1000, dstPort: 2000, payloadLength: 100 }));
  const file = tmp.write('in.pcap', w.toBuffer());
  const run = (shell: string) => spawnSync('sh', ['-c', shell, 'sh', process.execPath, CLI, file], { encoding: 'utf8', timeout: 60_000 });
  const piped = run('cat "$3" | exec "$1" "$2" -r -');
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(packets(piped.stdout), 12);
  const redirected = run('exec "$1" "$2" -r - < "$3"');
  assert.equal(redirected.status, 0, redirected.stderr);
  assert.equal(packets(redirected.stdout), 12);
  const empty = run('exec "$1" "$2" -r - --output none < /dev/null');
  assert.equal(empty.status, 1);
  assert.equal(empty.stderr, 'otelacct: /dev/stdin: empty file, not a pcap or pcapng file\n');
});
