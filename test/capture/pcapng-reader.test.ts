import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InterfaceRegistry } from '../../src/capture/interface-registry.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4, ethernetIPv6, ipv4Packet, ipv6Packet } from '../support/frames.ts';
import { PcapNgWriter } from '../support/pcap-writer.ts';
import { type ExpectedPacket, expectedSummary, readCapture, summary, TempDir } from '../support/read-capture.ts';

const dir = new TempDir();
after(() => dir.dispose());

const eth = [
  ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 1234, dstPort: 80, payloadLength: 1 }),
  ethernetIPv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payloadLength: 2, vlan: [100] }),
  ethernetIPv4({ src: '172.16.0.1', dst: '172.16.0.2', proto: 1, payloadLength: 1000 }),
];
const raw = [
  ipv4Packet({ src: '10.1.1.1', dst: '10.2.2.2', proto: 17, payloadLength: 3 }),
  ipv6Packet({ src: '::1', dst: '::2', proto: 6 }),
];

describe('pcapng reader', () => {
  for (const bigEndian of [false, true]) {
    it(`round-trips EPBs on several named interfaces (${bigEndian ? 'big' : 'little'}-endian)`, async () => {
      const w = new PcapNgWriter({ bigEndian });
      const e0 = w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth0' });
      const r1 = w.addInterface({ linkType: LinkType.RAW, name: 'tun1' });
      w.addEnhancedPacket(e0, eth[0], { comment: 'first packet' });
      w.addEnhancedPacket(r1, raw[0], { timestamp: 2 ** 40 + 5 });
      w.addEnhancedPacket(e0, eth[1], { wireLength: 9000 });
      w.addEnhancedPacket(r1, raw[1]);
      const outcome = await readCapture(dir.write(`named-${bigEndian}.pcapng`, w.toBuffer()));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(summary(outcome), expectedSummary([
        { frame: eth[0], linkType: LinkType.ETHERNET, name: 'eth0' },
        { frame: raw[0], linkType: LinkType.RAW, name: 'tun1' },
        { frame: eth[1], wireLength: 9000, linkType: LinkType.ETHERNET, name: 'eth0' },
        { frame: raw[1], linkType: LinkType.RAW, name: 'tun1' },
      ]));
      const bytes = eth[0].length + raw[0].length + eth[1].length + raw[1].length;
      assert.deepEqual(outcome.stats, { packets: 4, capturedBytes: bytes, format: 'pcapng' });
    });
  }

  it('reads several sections of different byte orders with per-section interface ids', async () => {
    const w = new PcapNgWriter({ bigEndian: false });
    w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth0' });
    w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth1' });
    w.addEnhancedPacket(1, eth[0]).addEnhancedPacket(0, eth[1]);
    w.addSection({ bigEndian: true });
    w.addInterface({ linkType: LinkType.RAW });
    w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth1' });
    w.addEnhancedPacket(0, raw[0]).addEnhancedPacket(1, eth[2]);
    w.addSection({ bigEndian: false });
    w.addInterface({ linkType: LinkType.IPV6 });
    w.addEnhancedPacket(0, raw[1]);
    const registry = new InterfaceRegistry();
    const outcome = await readCapture(dir.write('multi.pcapng', w.toBuffer()), { registry });
    assert.deepEqual(summary(outcome), expectedSummary([
      { frame: eth[0], linkType: LinkType.ETHERNET, name: 'eth1' },
      { frame: eth[1], linkType: LinkType.ETHERNET, name: 'eth0' },
      { frame: raw[0], linkType: LinkType.RAW, name: 'multi.pcapng#0' },
      { frame: eth[2], linkType: LinkType.ETHERNET, name: 'eth1' },
      { frame: raw[1], linkType: LinkType.IPV6, name: 'multi.pcapng#0' },
    ]));
    assert.deepEqual(registry.names(), ['eth0', 'eth1', 'multi.pcapng#0']);
  });

  it('reads simple packet blocks as interface 0, captured length limited by the IDB snaplen', async () => {
    const w = new PcapNgWriter();
    w.addInterface({ linkType: LinkType.ETHERNET, name: 'spb0', snaplen: 64 });
    w.addSimplePacket(eth[1]); // 68 bytes: truncated to 64, wire 68
    w.addSimplePacket(eth[1].subarray(0, 61)); // 61 bytes in a 64-byte padded block
    w.addSimplePacket(eth[2]);
    const outcome = await readCapture(dir.write('spb.pcapng', w.toBuffer()));
    assert.deepEqual(summary(outcome), expectedSummary([
      { frame: eth[1], capturedLength: 64, linkType: 1, name: 'spb0' },
      { frame: eth[1].subarray(0, 61), linkType: 1, name: 'spb0' },
      { frame: eth[2], capturedLength: 64, linkType: 1, name: 'spb0' },
    ]));
  });

  it('reads simple packet blocks of odd lengths without a snaplen', async () => {
    const w = new PcapNgWriter({ bigEndian: true });
    w.addInterface({ linkType: LinkType.RAW });
    for (const frame of raw) w.addSimplePacket(frame);
    const outcome = await readCapture(dir.write('spb-raw.pcapng', w.toBuffer()));
    assert.deepEqual(summary(outcome), expectedSummary(
      raw.map((frame) => ({ frame, linkType: LinkType.RAW, name: 'spb-raw.pcapng#0' }))));
  });

  it('reads obsolete packet blocks (type 2)', async () => {
    const w = new PcapNgWriter();
    w.addInterface({ linkType: LinkType.RAW, name: 'old0' });
    w.addInterface({ linkType: LinkType.ETHERNET, name: 'old1' });
    w.addObsoletePacket(1, eth[1], { wireLength: 200 }).addObsoletePacket(0, raw[0]);
    const outcome = await readCapture(dir.write('pb.pcapng', w.toBuffer()));
    assert.deepEqual(summary(outcome), expectedSummary([
      { frame: eth[1], wireLength: 200, linkType: LinkType.ETHERNET, name: 'old1' },
      { frame: raw[0], linkType: LinkType.RAW, name: 'old0' },
    ]));
  });

  it('skips name resolution, statistics, custom and unknown blocks', async () => {
    const w = new PcapNgWriter();
    w.addCustomBlock();
    w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth0' });
    w.addBlock(4, new Uint8Array([0, 1, 0, 8, 10, 0, 0, 1, 0x61, 0x00, 0, 0, 0, 0, 0, 0])); // NRB
    w.addEnhancedPacket(0, eth[0]);
    w.addBlock(5, new Uint8Array(12)); // ISB
    w.addBlock(0x0000000a, new Uint8Array(20)); // DSB
    w.addBlock(0x12345678, new Uint8Array(0));
    w.addBlock(0x80000001, new Uint8Array(7)); // local use
    w.addCustomBlock(new Uint8Array(1000));
    w.addEnhancedPacket(0, eth[1]);
    const outcome = await readCapture(dir.write('skip.pcapng', w.toBuffer()));
    const expected: ExpectedPacket[] = [eth[0], eth[1]].map((frame) => ({ frame, linkType: 1, name: 'eth0' }));
    assert.deepEqual(summary(outcome), expectedSummary(expected));
  });

  it('names interfaces with an if_name option, trailing NULs removed', async () => {
    const w = new PcapNgWriter();
    w.addInterface({ linkType: 1, name: 'wlan0\0\0' });
    w.addInterface({ linkType: 1, name: 'Ethernet 2 (Intel®)' });
    w.addEnhancedPacket(0, eth[0]).addEnhancedPacket(1, eth[0]);
    const outcome = await readCapture(dir.write('names.pcapng', w.toBuffer()));
    assert.deepEqual(outcome.names, ['wlan0', 'Ethernet 2 (Intel®)']);
  });

  it('reads a file holding only a section header', async () => {
    const outcome = await readCapture(dir.write('empty-section.pcapng', new PcapNgWriter().toBuffer()));
    assert.deepEqual(outcome.stats, { packets: 0, capturedBytes: 0, format: 'pcapng' });
  });
});
