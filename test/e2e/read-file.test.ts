import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4, ethernetIPv6, ipv4Packet } from '../support/frames.ts';
import { PcapNgWriter, PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { CLI, parseExposition, runOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

const BYTES = 'otelacct_traffic_bytes_total';
const PACKETS = 'otelacct_traffic_packets_total';
const PAIR = ['source_address', 'destination_address'];

/** An ARP request frame (not IP). */
function arpFrame(): Uint8Array {
  const f = new Uint8Array(42);
  f.fill(0xff, 0, 6);
  f[12] = 0x08; f[13] = 0x06;
  return f;
}

/** A known capture: 10.0.0.1→10.0.0.2 TCP, the reverse UDP, IPv6 ICMPv6, one ARP, one truncated-by-snaplen frame. */
function knownCapture(): { frames: Array<{ frame: Uint8Array; wire?: number }>; want: Map<string, [number, number]> } {
  const frames: Array<{ frame: Uint8Array; wire?: number }> = [];
  const want = new Map<string, [number, number]>();
  const count = (k: string, bytes: number) => {
    const [b, p] = want.get(k) ?? [0, 0];
    want.set(k, [b + bytes, p + 1]);
  };
  for (let i = 0; i < 10; i++) {
    frames.push({ frame: ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 40000, dstPort: 80, payloadLength: 100 * i }) });
    count('10.0.0.1,10.0.0.2', 20 + 20 + 100 * i);
  }
  for (let i = 0; i < 5; i++) {
    frames.push({ frame: ethernetIPv4({ src: '10.0.0.2', dst: '10.0.0.1', proto: 17, srcPort: 53, dstPort: 5353, payloadLength: 30, vlan: [42] }) });
    count('10.0.0.2,10.0.0.1', 20 + 8 + 30);
  }
  frames.push({ frame: ethernetIPv6({ src: '2001:db8::1', dst: '2001:db8:0:0:1::2', proto: 58, payloadLength: 56 }) });
  count('2001:db8::1,2001:db8::1:0:0:2', 40 + 8 + 56);
  // Snaplen truncation: only 60 bytes kept of a 1514-byte frame; the IP total length still counts.
  const big = ethernetIPv4({ src: '192.0.2.7', dst: '198.51.100.9', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 1460 });
  frames.push({ frame: big.subarray(0, 60), wire: big.length });
  count('192.0.2.7,198.51.100.9', 1500);
  frames.push({ frame: arpFrame() });
  return { frames, want };
}

function assertTotals(stdout: string, want: Map<string, [number, number]>): void {
  const expo = parseExposition(stdout);
  const bytes = sumBy(expo, BYTES, PAIR);
  const packets = sumBy(expo, PACKETS, PAIR);
  assert.deepEqual(new Map([...bytes].sort()), new Map([...want].map(([k, [b]]) => [k, b] as [string, number]).sort()));
  assert.deepEqual(new Map([...packets].sort()), new Map([...want].map(([k, [, p]]) => [k, p] as [string, number]).sort()));
}

test('--read on classic pcap prints per-pair totals equal to the IP lengths written', async () => {
  const { frames, want } = knownCapture();
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (const f of frames) w.add(f.frame, { wireLength: f.wire });
  const file = tmp.write('known.pcap', w.toBuffer());
  const r = await runOtelacct(['--read', file]);
  assert.equal(r.code, 0, r.stderr);
  assertTotals(r.stdout, want);
  const expo = parseExposition(r.stdout);
  assert.equal(sumBy(expo, 'otelacct_decode_errors_total', ['error_type']).get('not_ip'), 1);
  assert.equal(sumBy(expo, 'otelacct_capture_packets_total', ['network_interface_name']).get('known.pcap'), frames.length);
  assert.match(r.stdout, /otelacct_traffic_bytes_total\{source_address="10\.0\.0\.1",destination_address="10\.0\.0\.2",network_type="ipv4",network_transport="tcp",network_interface_name="known\.pcap"/);
  assert.match(r.stdout, /network_transport="icmpv6"/);
});

test('--read on pcapng with two interfaces and both byte orders gives the same totals, per interface', async () => {
  const { frames, want } = knownCapture();
  const w = new PcapNgWriter({ bigEndian: true });
  const a = w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth-a' });
  frames.forEach((f, i) => { if (i % 2 === 0) w.addEnhancedPacket(a, f.frame, { wireLength: f.wire }); });
  w.addSection({ bigEndian: false });
  const b = w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth-b' });
  frames.forEach((f, i) => { if (i % 2 === 1) w.addEnhancedPacket(b, f.frame, { wireLength: f.wire }); });
  const file = tmp.write('known.pcapng', w.toBuffer());
  const r = await runOtelacct(['--read', file]);
  assert.equal(r.code, 0, r.stderr);
  assertTotals(r.stdout, want);
  const perIf = sumBy(parseExposition(r.stdout), PACKETS, ['network_interface_name']);
  assert.deepEqual([...perIf.keys()].sort(), ['eth-a', 'eth-b']);
});

test('--read on raw-IP link type and --output json', async () => {
  const w = new PcapWriter({ linkType: LinkType.RAW });
  for (let i = 0; i < 3; i++) w.add(ipv4Packet({ src: '10.1.1.1', dst: '10.1.1.2', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 72 }));
  const file = tmp.write('raw.pcap', w.toBuffer());
  const r = await runOtelacct(['--read', file, '--output', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { resource: Record<string, string>; metrics: Array<{ name: string; unit: string; dataPoints: Array<{ attributes: Record<string, unknown>; value: number }> }> };
  assert.equal(doc.resource['service.name'], 'otelacct');
  const bytes = doc.metrics.find((m) => m.name === 'otelacct.traffic.bytes');
  assert.equal(bytes?.unit, 'By');
  assert.deepEqual(bytes?.dataPoints.map((d) => [d.attributes['source.address'], d.attributes['destination.address'], d.value]), [['10.1.1.1', '10.1.1.2', 300]]);
});

test('a truncated file: one error line, non-zero exit, and the packets before the cut are printed', async () => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 4; i++) w.add(ethernetIPv4({ src: '10.9.0.1', dst: '10.9.0.2', proto: 6, srcPort: 1, dstPort: 2, payloadLength: 60 }));
  const whole = w.toBuffer();
  const file = tmp.write('cut.pcap', whole.subarray(0, whole.length - 30));
  const r = await runOtelacct(['--read', file]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^otelacct: .*cut\.pcap.*truncated/);
  assert.equal(sumBy(parseExposition(r.stdout), BYTES, PAIR).get('10.9.0.1,10.9.0.2'), 3 * 100);
});

test('not a capture file, and a missing file: one clear line each', async () => {
  const junk = tmp.write('junk.pcap', Buffer.from('hello, this is not a capture file\n'));
  let r = await runOtelacct(['--read', junk, '--output', 'none']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^otelacct: .*junk\.pcap.*not a pcap or pcapng file/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  r = await runOtelacct(['--read', `${tmp.path}/nope.pcap`, '--output', 'none']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^otelacct: .*nope\.pcap.*(ENOENT|cannot open)/);
});

test('--dimensions narrows the series: per source address only', async () => {
  const { frames } = knownCapture();
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (const f of frames) w.add(f.frame, { wireLength: f.wire });
  const file = tmp.write('dims.pcap', w.toBuffer());
  const r = await runOtelacct(['--read', file, '--dimensions', 'source.address']);
  assert.equal(r.code, 0, r.stderr);
  const series = [...parseExposition(r.stdout).keys()].filter((k) => k.startsWith(BYTES));
  assert.equal(series.length, 4);
  for (const s of series) assert.doesNotMatch(s, /destination_address|network_transport/);
});

test('past the cardinality limit, keys land in one otel_metric_overflow="true" series and the sum is kept', async () => {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  let total = 0;
  for (let i = 0; i < 400; i++) {
    const len = 40 + (i % 50);
    w.add(ethernetIPv4({ src: `10.50.${i % 40}.1`, dst: '10.50.255.1', proto: 6, srcPort: 1, dstPort: 2, payloadLength: len - 40 }));
    total += len;
  }
  const file = tmp.write('limit.pcap', w.toBuffer());
  const r = await runOtelacct(['--read', file, '--cardinality-limit', '10']);
  assert.equal(r.code, 0, r.stderr);
  const series = [...parseExposition(r.stdout)].filter(([k]) => k.startsWith(`${BYTES}{`));
  assert.equal(series.length, 10, 'limit counts the overflow series');
  const overflow = series.filter(([k]) => k.includes('otel_metric_overflow="true"'));
  assert.equal(overflow.length, 1);
  assert.ok(overflow[0][1] > 0);
  assert.equal(series.reduce((a, [, v]) => a + v, 0), total);
  const warning = r.stderr.split('\n').find((l) => l.includes('cardinality limit reached'));
  assert.ok(warning, `a warning names the metric: ${r.stderr}`);
  assert.equal((JSON.parse(warning) as { metric: string }).metric, 'otelacct.traffic.bytes');
});

test('progress on a terminal, nothing when stderr is not one', async (t) => {
  if (!skipUnless(t, { tools: ['script'] })) return;
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 3000; i++) w.add(ethernetIPv4({ src: '10.3.0.1', dst: '10.3.0.2', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 500 }));
  const file = tmp.write('progress.pcap', w.toBuffer());
  const quiet = await runOtelacct(['--read', file, '--output', 'none']);
  assert.equal(quiet.code, 0);
  assert.equal(quiet.stderr, '', 'no progress when stderr is a pipe');
  // script(1) gives the command a pseudo-terminal.
  const tty = spawnSync('script', ['-qec', `${process.execPath} ${CLI} --read ${file} --output none`, '/dev/null'], { encoding: 'utf8' });
  assert.equal(tty.status, 0, tty.stderr);
  assert.match(tty.stdout, /reading \d+\.\d% +[\d.]+ MB\/s/);
});
