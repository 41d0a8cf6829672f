import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { BuiltFrame, Feature } from '../fuzz/built-frame.ts';
import { FrameGenerator, LINK_SHAPES } from '../fuzz/frame-generator.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { Prng } from '../support/prng.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, runOtelacct, sumBy } from '../support/run-otelacct.ts';

/**
 * The link types otelacct decodes beyond pmacct (issue 12 B11), checked against Wireshark: for
 * generated captures of each, the bytes otelacct counts per source/destination pair equal the
 * sums of tshark's IPv4 total length (ip.len) and 40 + IPv6 payload length (ipv6.plen) of the
 * outermost IP header. Left out, as the two differ on purpose and not by link type: wire-sized
 * packets (TSO, jumbograms: tshark has no length for them, otelacct counts the wire length);
 * IPv4 packets with a loose or strict source route option (tshark's ip.dst is the route's last
 * hop, otelacct's the header's destination, as pmacct's); in MACsec frames, an 802.3 length and
 * LLC/SNAP inside the secured data (otelacct follows it, Wireshark 4.0 does not).
 */
const dir = new TempDir();
after(() => dir.dispose());

const FRAMES = 300;

interface Capture {
  name: string;
  linkType: number;
  bigEndian: boolean;
  frames: Uint8Array[];
}

/** Valid generated frames of `shape` (MACsec: Ethernet frames with a SecTAG), split by NFLOG TLV byte order. */
function captures(name: string, linkType: number, seed: number, keep: (f: BuiltFrame) => boolean = () => true): Capture[] {
  const gen = new FrameGenerator(new Prng(seed));
  const f = new BuiltFrame();
  const shape = LINK_SHAPES.findIndex((s) => s.linkType === linkType);
  const little: Uint8Array[] = [];
  const big: Uint8Array[] = [];
  for (let tries = 0; little.length + big.length < FRAMES && tries < 200 * FRAMES; tries++) {
    gen.build(f, shape);
    if (f.ipWire > 0 || sourceRouted(f) || !keep(f)) continue;
    const frame = f.data.slice(0, f.length);
    // NFLOG TLVs are in the capturing host's byte order, which is the file's: an NFLOG frame whose
    // first TLV length (8) reads big-endian goes into a big-endian file.
    if (linkType === LinkType.NFLOG && frame[4] === 0) big.push(frame);
    else little.push(frame);
  }
  const out = [{ name, linkType, bigEndian: false, frames: little }];
  if (big.length > 0) out.push({ name: `${name} (big-endian file)`, linkType, bigEndian: true, frames: big });
  return out;
}

/** Whether the generated frame is IPv4 with an LSRR (0x83) or SSRR (0x89) option. */
function sourceRouted(f: BuiltFrame): boolean {
  if (f.ipVersion !== 4) return false;
  const d = f.data;
  const end = f.ipOffset + (d[f.ipOffset] & 0x0f) * 4;
  for (let p = f.ipOffset + 20; p < end;) {
    const type = d[p];
    if (type === 0) break;
    if (type === 1) {
      p++;
      continue;
    }
    if (type === 0x83 || type === 0x89) return true;
    p += Math.max(d[p + 1], 2);
  }
  return false;
}

const CASES: Capture[] = [
  ...captures('ppp', LinkType.PPP, 901),
  ...captures('cisco hdlc', LinkType.C_HDLC, 902),
  ...captures('frame relay', LinkType.FRELAY, 903),
  ...captures('nflog', LinkType.NFLOG, 904),
  ...captures('ipoib', LinkType.IPOIB, 905),
  ...captures('pktap', LinkType.PKTAP, 906),
  ...captures('ethernet macsec', LinkType.ETHERNET, 907, (f) => (f.features & Feature.MACSEC) !== 0 && (f.features & Feature.SNAP) === 0),
];

/** RFC 5952 text of an address (WHATWG URL host serialisation), so both tools' texts compare. */
function canonical(address: string): string {
  return address.includes(':') ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

/** Bytes per `src,dst` of the outermost IP header of every packet, as tshark dissects them. */
function tsharkPairs(path: string): Map<string, number> {
  const run = spawnSync('tshark', ['-n', '-r', path, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
    '-T', 'fields', '-E', 'separator=|', '-e', 'frame.protocols', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ip.len',
    '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'ipv6.plen'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, `tshark -r ${path}: ${run.stderr}`);
  const pairs = new Map<string, number>();
  for (const line of run.stdout.split('\n')) {
    if (line === '') continue;
    const [protocols, src4, dst4, len4, src6, dst6, plen6] = line.split('|').map((v) => v.split(',')[0]);
    const layers = protocols.split(':');
    const v4 = layers.indexOf('ip');
    const v6 = layers.indexOf('ipv6');
    if (v4 < 0 && v6 < 0) continue;
    const ipv4 = v4 >= 0 && (v6 < 0 || v4 < v6);
    const key = ipv4 ? `${src4},${dst4}` : `${canonical(src6)},${canonical(dst6)}`;
    pairs.set(key, (pairs.get(key) ?? 0) + (ipv4 ? Number(len4) : 40 + Number(plen6)));
  }
  return pairs;
}

describe('link types against tshark: bytes per address pair', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.frames.length} frames`, async (t) => {
      if (!skipUnless(t, { tools: ['tshark'] })) return;
      assert.ok(c.frames.length >= (c.bigEndian ? 20 : 200), `only ${c.frames.length} frames generated`);
      const w = new PcapWriter({ linkType: c.linkType, bigEndian: c.bigEndian });
      for (const frame of c.frames) w.add(frame);
      const path = dir.write(`${c.name.replace(/\W+/g, '-')}.pcap`, w.toBuffer());
      const run = await runOtelacct(['--read', path, '--no-prometheus', '--output', 'prometheus']);
      assert.equal(run.code, 0, run.stderr);
      const exposition = parseExposition(run.stdout);
      const ours = new Map([...sumBy(exposition, 'otelacct_traffic_bytes_total', ['source_address', 'destination_address'])]
        .map(([pair, bytes]) => [pair.split(',').map(canonical).join(','), bytes]));
      const theirs = tsharkPairs(path);
      assert.ok(theirs.size > 50, `tshark found only ${theirs.size} pairs`);
      assert.deepEqual(new Map([...ours].sort()), new Map([...theirs].sort()));
      const errors = sumBy(exposition, 'otelacct_decode_errors_total', []).get('') ?? 0;
      assert.equal(errors, 0, 'every generated frame is decoded');
    });
  }
});
