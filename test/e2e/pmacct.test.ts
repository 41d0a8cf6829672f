import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { ethernetIPv4, ethernetIPv6, ipv4Packet, ipv6Packet, type PacketSpec } from '../support/frames.ts';
import { PcapNgWriter, PcapWriter } from '../support/pcap-writer.ts';
import { findPmacctd, pmacctdVersion, runPmacctd, type PmacctCounters } from '../support/pmacct.ts';
import {
  asIPv4Fragment, ethernetDot1Q, sllFrame, withIPv4Options, withIPv6Extension,
} from '../support/oracle-frames.ts';
import { prng } from '../support/prng.ts';
import { TempDir } from '../support/read-capture.ts';
import { runOtelacct } from '../support/run-otelacct.ts';

/**
 * pmacctd (pmacct 1.7.x, libpcap based) as an oracle: the same synthetic captures are accounted by
 * otelacct (`--dimensions source.address,destination.address --output json`) and by pmacctd
 * (`aggregate: src_host,dst_host`, print plugin, CSV); bytes and packets must agree exactly for
 * every host pair, and the address texts must agree (pmacct formats with glibc inet_ntop).
 * The generator's own totals are a third opinion that tells an oracle failure from an otelacct one.
 * Requires pmacctd (env PMACCTD may name the binary); skipped without it, except under CI (env CI
 * set), where that is a failure. Runs pmacctd four times, ~4–5 s each (see test/support/pmacct.ts).
 */

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;
const SNAP = 96;

const pmacctd = findPmacctd();
const noPmacctd = pmacctd === undefined ? 'pmacctd not installed (apt-get install pmacct)' : undefined;
if (noPmacctd !== undefined && process.env.CI) {
  throw new Error(`pmacct oracle test: CI must run it but ${noPmacctd}`);
}

const dir = new TempDir();
after(() => dir.dispose());

/** One generated packet: the IP packet, how it is framed and how much of it is captured. */
interface Packet {
  v6: boolean;
  spec: PacketSpec;
  /** The IP packet. */
  ip: Uint8Array;
  /** The whole link-layer frame as on the wire (Ethernet, maybe padded to 60 bytes). */
  frame: Uint8Array;
  /** Bytes written to the file (SNAP for snaplen-truncated packets). */
  captured: number;
  /** IPv4 total length / IPv6 40 + payload length: what both tools must count. */
  ipLength: number;
}

/** IPv6 texts chosen for inet_ntop's corner cases (compression, embedded IPv4, single zero group). */
const IPV6_EDGE = [
  '2001:db8::1',
  '2001:db8:0:1:1:1:1:1', // a single zero group is not compressed
  '2001:db8:0:0:1:0:0:1', // two equal runs: the first one is compressed
  '2001:0:0:1:0:0:0:1', // the longer, later run is compressed
  'fe80::1',
  '::1',
  '::ffff:192.0.2.33', // IPv4-mapped: dotted tail
  '::192.0.2.44', // IPv4-compatible: dotted tail
  '::ffff:0:192.0.2.55', // not mapped (::ffff:0:a.b.c.d): hex tail
  '64:ff9b::192.0.2.66', // NAT64 prefix: hex tail
  '2001:db8:abcd:12:ff00:0:0:0', // trailing run
  '0:0:0:1:2:3:4:5', // leading run of 3
  'ff02::1:ff00:1',
  '2001:db8:1:2:3:4:5:6',
];

function randomIPv4(rand: () => number): string {
  const first = [10, 172, 192, 198, 100, 203][Math.floor(rand() * 6)];
  return `${first}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
}

function randomIPv6(rand: () => number): string {
  if (rand() < 0.3) return IPV6_EDGE[Math.floor(rand() * IPV6_EDGE.length)];
  const groups = [0x2001, 0xdb8];
  for (let i = 2; i < 8; i++) {
    const r = rand();
    groups.push(r < 0.45 ? 0 : r < 0.7 ? Math.floor(rand() * 16) : Math.floor(rand() * 0x10000));
  }
  return groups.map((g) => g.toString(16)).join(':');
}

/** IPv4 protocols / IPv6 next headers without an L4 header in frames.ts: GRE, ESP, OSPF. */
const OTHER_PROTOCOLS = [47, 50, 89];

/**
 * `count` packets over `pairCount` host pairs: IPv4 and IPv6, TCP/UDP/ICMP(v6), payloads 0..1400,
 * ~12% 802.1Q-tagged, ~10% with IPv4 options / IPv6 hop-by-hop, fragments (first, middle, last;
 * IPv4 and IPv6), GRE/ESP/OSPF, some of those with two stacked 802.1Q tags; short frames padded
 * to the Ethernet minimum; ~15% snaplen-truncated to 96 bytes (wire length kept).
 * Not included: 802.1ad (TPID 0x88a8) outer tags, which pmacctd 1.7.7 does not decode at all.
 */
function buildMix(seed: number, count: number, pairCount: number): Packet[] {
  const rand = prng(seed);
  const pairs: Array<{ v6: boolean; src: string; dst: string }> = [];
  const seen = new Set<string>();
  while (pairs.length < pairCount) {
    const v6 = rand() < 0.4;
    const src = v6 ? randomIPv6(rand) : randomIPv4(rand);
    const dst = v6 ? randomIPv6(rand) : randomIPv4(rand);
    const key = `${src} ${dst}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ v6, src, dst });
  }
  const packets: Packet[] = [];
  for (let i = 0; i < count; i++) {
    // Skewed pair choice: some pairs are heavy, some see a handful of packets.
    const pair = pairs[Math.floor(pairCount * rand() ** 1.6)];
    const r = rand();
    const proto = r < 0.5 ? 6 : r < 0.85 ? 17 : pair.v6 ? 58 : 1;
    const spec: PacketSpec = {
      src: pair.src,
      dst: pair.dst,
      proto,
      srcPort: 1024 + Math.floor(rand() * 64000),
      dstPort: [80, 443, 53, 123, 8080][Math.floor(rand() * 5)],
      payloadLength: rand() < 0.1 ? 0 : Math.floor(rand() * 1401),
      vlan: rand() < 0.12 ? [1 + Math.floor(rand() * 4094)] : undefined,
    };
    // ~10% of packets get an IP-level variation that the plain builders do not produce.
    const variant = rand();
    let ip = pair.v6 ? ipv6Packet(spec) : ipv4Packet(spec);
    let frame: Uint8Array;
    if (variant < 0.9) {
      frame = pair.v6 ? ethernetIPv6(spec) : ethernetIPv4(spec);
    } else {
      if (variant < 0.92) {
        spec.proto = OTHER_PROTOCOLS[Math.floor(rand() * OTHER_PROTOCOLS.length)];
        ip = pair.v6 ? ipv6Packet(spec) : ipv4Packet(spec);
      } else if (variant < 0.95) {
        ip = pair.v6 ? withIPv6Extension(ip, 'hop-by-hop') : withIPv4Options(ip);
      } else {
        // First fragments, middle ones, and last ones (without ever having seen the first).
        const offset = rand() < 0.4 ? 0 : 1 + Math.floor(rand() * 1000);
        ip = pair.v6 ? withIPv6Extension(ip, 'fragment', offset) : asIPv4Fragment(ip, offset, offset === 0 || rand() < 0.5);
      }
      // Some of these also get two stacked 802.1Q tags.
      const vlans = rand() < 0.3 ? [100 + Math.floor(rand() * 100), 1 + Math.floor(rand() * 4000)] : spec.vlan ?? [];
      spec.vlan = vlans.length === 0 ? undefined : vlans;
      frame = ethernetDot1Q(ip, pair.v6, vlans);
    }
    if (frame.length < 60 && rand() < 0.7) {
      // What a NIC captures of a short frame: padding after the IP packet, not counted.
      const padded = new Uint8Array(60);
      padded.set(frame);
      frame = padded;
    }
    const captured = rand() < 0.15 ? Math.min(SNAP, frame.length) : frame.length;
    packets.push({ v6: pair.v6, spec, ip, frame, captured, ipLength: ip.length });
  }
  return packets;
}

function writePcap(name: string, linkType: number, packets: Packet[]): string {
  const writer = new PcapWriter({ linkType });
  for (const p of packets) writer.add(p.frame.subarray(0, p.captured), { wireLength: p.frame.length });
  return dir.write(name, writer.toBuffer());
}

/** The same packets as pcapng: two Ethernet interfaces, enhanced packet blocks. */
function writePcapNg(name: string, packets: Packet[]): string {
  const writer = new PcapNgWriter();
  writer.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'eth0' });
  writer.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'eth1' });
  packets.forEach((p, i) =>
    writer.addEnhancedPacket(i % 3 === 0 ? 1 : 0, p.frame.subarray(0, p.captured), {
      wireLength: p.frame.length,
      timestamp: 1_700_000_000_000_000 + i,
    }));
  return dir.write(name, writer.toBuffer());
}

/** Totals of the generated packets: what both tools must add up to. */
function truth(packets: Packet[]): { packets: number; bytes: number } {
  return { packets: packets.length, bytes: packets.reduce((sum, p) => sum + p.ipLength, 0) };
}

interface JsonOutput {
  metrics: Array<{ name: string; dataPoints: Array<{ attributes: Record<string, unknown>; value: number }> }>;
}

/** otelacct's final counters per 'source,destination'; also asserts it decoded every frame. */
async function otelacctPairs(file: string): Promise<Map<string, PmacctCounters>> {
  const run = await runOtelacct(
    ['--read', file, '--dimensions', 'source.address,destination.address', '--output', 'json', '--log-level', 'warn'],
    { timeoutMs: 25_000 },
  );
  assert.equal(run.code, 0, `otelacct --read ${file} exited ${run.code} (${run.signal}); stderr:\n${run.stderr}`);
  let json: JsonOutput;
  try {
    json = JSON.parse(run.stdout) as JsonOutput;
  } catch (err) {
    throw new Error(`otelacct --output json printed no JSON (${String(err)}):\n${run.stdout.slice(0, 2000)}\n${run.stderr}`);
  }
  const errors = json.metrics.find((m) => m.name === 'otelacct.decode.errors');
  const nonZero = (errors?.dataPoints ?? []).filter((d) => d.value !== 0);
  assert.deepEqual(nonZero, [], `otelacct reported decode errors for ${file}`);
  const out = new Map<string, PmacctCounters>();
  for (const [metric, field] of [['otelacct.traffic.bytes', 'bytes'], ['otelacct.traffic.packets', 'packets']] as const) {
    const m = json.metrics.find((x) => x.name === metric);
    assert.ok(m, `otelacct JSON has no ${metric} metric`);
    for (const dp of m.dataPoints) {
      const key = `${String(dp.attributes['source.address'])},${String(dp.attributes['destination.address'])}`;
      const entry = out.get(key) ?? { bytes: 0, packets: 0 };
      entry[field] += dp.value;
      out.set(key, entry);
    }
  }
  return out;
}

function totals(map: Map<string, PmacctCounters>): { packets: number; bytes: number } {
  let packets = 0;
  let bytes = 0;
  for (const c of map.values()) {
    packets += c.packets;
    bytes += c.bytes;
  }
  return { packets, bytes };
}

/** Asserts both maps hold the same pairs with the same counters; lists the differences if not. */
function assertSamePairs(actual: Map<string, PmacctCounters>, expected: Map<string, PmacctCounters>,
  names: [string, string]): void {
  const problems: string[] = [];
  for (const [key, a] of actual) {
    const e = expected.get(key);
    if (e === undefined) problems.push(`${key}: only in ${names[0]} (${a.packets} packets, ${a.bytes} bytes)`);
    else if (a.bytes !== e.bytes || a.packets !== e.packets) {
      problems.push(`${key}: ${names[0]} ${a.packets} packets ${a.bytes} bytes, ${names[1]} ${e.packets} packets ` +
        `${e.bytes} bytes`);
    }
  }
  for (const [key, e] of expected) {
    if (!actual.has(key)) problems.push(`${key}: only in ${names[1]} (${e.packets} packets, ${e.bytes} bytes)`);
  }
  if (problems.length > 0) {
    assert.fail(`${problems.length} host pairs differ between ${names[0]} (${actual.size} pairs) and ${names[1]} ` +
      `(${expected.size} pairs):\n${problems.slice(0, 30).join('\n')}${problems.length > 30 ? '\n…' : ''}`);
  }
}

function skipWithout(t: TestContext): boolean {
  if (noPmacctd !== undefined) t.skip(noPmacctd);
  return noPmacctd === undefined;
}

/** Runs pmacctd (checked against the generator's packet count) and otelacct on `file` at once. */
async function both(file: string, expected: { packets: number; bytes: number }) {
  const [pm, ours] = await Promise.all([
    runPmacctd(file, { pmacctd, expectedPackets: expected.packets, timeoutMs: 25_000 }),
    otelacctPairs(file),
  ]);
  assert.deepEqual({ packets: pm.packets, bytes: pm.bytes }, expected,
    `pmacctd's totals differ from the generator's for ${file} (oracle problem?)`);
  return { pm: pm.counters, ours };
}

describe('pmacctd oracle', { timeout: 120_000 }, () => {
  const mix = buildMix(0x5eed_0ace, 20_000, 300);
  const mixTruth = truth(mix);
  let pcapResult: Map<string, PmacctCounters> | undefined;

  it('the generated mix covers what it should', () => {
    assert.ok(mix.some((p) => p.v6) && mix.some((p) => !p.v6));
    for (const proto of [1, 6, 17, 58]) assert.ok(mix.some((p) => p.spec.proto === proto), `proto ${proto}`);
    assert.ok(mix.filter((p) => p.spec.vlan !== undefined).length > 1000, 'VLAN-tagged frames');
    assert.ok(mix.filter((p) => p.captured < p.frame.length).length > 1000, 'snaplen-truncated frames');
    assert.ok(mix.some((p) => p.frame.length === 60 && p.frame.length > 14 + p.ipLength), 'padded frames');
    assert.ok(mix.some((p) => p.ipLength > 1400), 'large packets');
    assert.ok(mix.filter((p) => (p.spec.vlan?.length ?? 0) === 2).length > 100, 'stacked 802.1Q tags');
    assert.ok(mix.filter((p) => !p.v6 && (p.ip[0] & 0x0f) === 6).length > 50, 'IPv4 options');
    assert.ok(mix.filter((p) => !p.v6 && ((p.ip[6] & 0x3f) | p.ip[7]) !== 0).length > 100, 'IPv4 fragments');
    assert.ok(mix.filter((p) => p.v6 && p.ip[6] === 0).length > 50, 'IPv6 hop-by-hop');
    assert.ok(mix.filter((p) => p.v6 && p.ip[6] === 44).length > 50, 'IPv6 fragments');
    assert.ok(mix.filter((p) => OTHER_PROTOCOLS.includes(p.spec.proto)).length > 50, 'GRE/ESP/OSPF');
    assert.ok(mix.some((p) => p.v6 && p.ipLength === 40 && p.frame.length === 60), 'padded IPv6 payload length 0');
    for (const edge of ['::ffff:192.0.2.33', '::192.0.2.44', '2001:db8:0:1:1:1:1:1']) {
      assert.ok(mix.some((p) => p.spec.src === edge || p.spec.dst === edge), `IPv6 edge address ${edge}`);
    }
  });

  it('classic pcap (Ethernet, 802.1Q, snaplen-truncated): same bytes and packets per host pair', async (t) => {
    if (!skipWithout(t)) return;
    t.diagnostic(pmacctdVersion(pmacctd!));
    const file = writePcap('mix.pcap', LINKTYPE_ETHERNET, mix);
    const { pm, ours } = await both(file, mixTruth);
    assert.ok(pm.size > 250, `only ${pm.size} pairs`);
    assertSamePairs(ours, pm, ['otelacct', 'pmacctd']);
    assert.deepEqual(totals(ours), mixTruth);
    pcapResult = ours;
  });

  it('pcapng (two interfaces, enhanced packet blocks): same bytes and packets per host pair', async (t) => {
    if (!skipWithout(t)) return;
    const file = writePcapNg('mix.pcapng', mix);
    const { pm, ours } = await both(file, mixTruth);
    assertSamePairs(ours, pm, ['otelacct', 'pmacctd']);
    if (pcapResult !== undefined) assertSamePairs(ours, pcapResult, ['otelacct pcapng', 'otelacct pcap']);
  });

  it('Linux cooked capture (SLL, linktype 113): same bytes and packets per host pair', async (t) => {
    if (!skipWithout(t)) return;
    const rand = prng(0x511);
    const packets = buildMix(0x0c00_4ed, 4000, 80).map((p, i): Packet => {
      const frame = sllFrame(p.ip, p.v6, [0, 4, 1, 2, 3][i % 5]);
      const captured = rand() < 0.2 ? Math.min(SNAP, frame.length) : frame.length;
      return { ...p, frame, captured };
    });
    const file = writePcap('cooked.pcap', LINKTYPE_LINUX_SLL, packets);
    const { pm, ours } = await both(file, truth(packets));
    assertSamePairs(ours, pm, ['otelacct', 'pmacctd']);
  });

  // Regression: otelacct once took any IPv6 payload length 0 as a jumbogram sized by the wire,
  // counting the Ethernet padding of a short frame (46 bytes where pmacctd and tshark say 40).
  it('IPv6 with payload length 0 in a padded Ethernet frame counts 40 bytes, not the padding', async (t) => {
    if (!skipWithout(t)) return;
    const packets: Packet[] = [];
    const add = (spec: PacketSpec, pad: boolean): void => {
      const ip = ipv6Packet(spec);
      let frame = ethernetIPv6(spec);
      if (pad && frame.length < 60) {
        const padded = new Uint8Array(60);
        padded.set(frame);
        frame = padded;
      }
      packets.push({ v6: true, spec, ip, frame, captured: frame.length, ipLength: ip.length });
    };
    add({ src: '2001:db8::e1', dst: '2001:db8::e2', proto: 50 }, true); // ESP, 6 bytes of padding
    add({ src: '2001:db8::e1', dst: '2001:db8::e2', proto: 50, vlan: [7] }, true); // 2 bytes of padding
    add({ src: '2001:db8::e3', dst: '2001:db8::e4', proto: 47 }, false); // GRE, unpadded
    add({ src: '2001:db8::e5', dst: '2001:db8::e6', proto: 59 }, true); // no next header, padded
    assert.ok(packets.every((p) => p.ipLength === 40));
    const file = writePcap('plen0.pcap', LINKTYPE_ETHERNET, packets);
    const { pm, ours } = await both(file, truth(packets));
    assertSamePairs(ours, pm, ['otelacct', 'pmacctd']);
  });
});
