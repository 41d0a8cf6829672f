import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { VERSION } from '../../src/version.ts';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { runOtelacct } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());
const GOLDEN = new URL('../fixtures/golden-exposition.txt', import.meta.url);

/**
 * The exposition of a fixed capture, compared line by line with a committed file (as
 * node_exporter's end-to-end test does): metric names, label names and order, HELP/TYPE/UNIT
 * lines and values are all part of the contract. The per-process values (service.instance.id,
 * host.name, the version) and the values of the process and runtime metrics are masked.
 * `OTELACCT_UPDATE_GOLDEN=1` rewrites the file.
 */
test('the exposition of a fixed capture matches the committed golden file', async () => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 6; i++) w.add(ethernetIPv4({ src: '192.0.2.10', dst: '198.51.100.20', proto: 6, srcPort: 443, dstPort: 50000 + i, payloadLength: 100 * i }));
  w.add(ethernetIPv4({ src: '198.51.100.20', dst: '192.0.2.10', proto: 17, srcPort: 53, dstPort: 5353, payloadLength: 40, vlan: [7] }));
  w.add(ethernetIPv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 58, payloadLength: 8 }));
  w.add(new Uint8Array(60)); // not IP: type 0x0000 is an 802.3 length, no SNAP
  const file = tmp.write('golden.pcap', w.toBuffer());
  const r = await runOtelacct(['--read', file]);
  assert.equal(r.code, 0, r.stderr);
  const masked = r.stdout
    .replace(/service_instance_id="[^"]*"/g, 'service_instance_id="<uuid>"')
    .replace(/host_name="[^"]*"/g, 'host_name="<host>"')
    .replaceAll(`"${VERSION}"`, '"<version>"')
    .replace(/^((?:process|v8js|nodejs)_[^ ]*) [^ \n]+$/gm, '$1 <value>');
  if (process.env.OTELACCT_UPDATE_GOLDEN) writeFileSync(GOLDEN, masked);
  assert.equal(masked, readFileSync(GOLDEN, 'utf8'));
});
