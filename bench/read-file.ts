/**
 * Micro benchmark of the capture file readers: writes a 2M-packet pcap and pcapng file to the
 * OS temp directory with the test writers (a mix of 66- to 590-byte TCP/UDP/IPv6 frames), then
 * reads each one several times into a no-op sink and reports packets/s (best and median run).
 *
 *   node bench/read-file.ts [--packets N] [--runs N] [--keep]
 *
 * Files are read from the page cache after the first run, so this measures parsing, not disk.
 */
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCaptureFile } from '../src/capture/capture-file.ts';
import { InterfaceRegistry } from '../src/capture/interface-registry.ts';
import type { PacketSink } from '../src/capture/packet-sink.ts';
import { ethernetIPv4, ethernetIPv6 } from '../test/support/frames.ts';
import { PcapNgWriter, PcapWriter } from '../test/support/pcap-writer.ts';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '2000000' },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const packetCount = Number(values.packets);
const runs = Number(values.runs);

const frames = [
  ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 40000, dstPort: 443 }),
  ethernetIPv4({ src: '10.0.0.2', dst: '10.0.0.1', proto: 6, srcPort: 443, dstPort: 40000, payloadLength: 536 }),
  ethernetIPv4({ src: '10.0.0.3', dst: '8.8.8.8', proto: 17, srcPort: 5353, dstPort: 53, payloadLength: 40, vlan: [7] }),
  ethernetIPv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 6, payloadLength: 120 }),
];

/** The no-op sink: reads one argument so the call cannot be optimised away entirely. */
class NoopSink implements PacketSink {
  last = 0;
  packet(_data: Uint8Array, _offset: number, capturedLength: number): void {
    this.last = capturedLength;
  }
}

function writeFiles(dir: string): { pcap: string; pcapng: string } {
  const pcap = join(dir, `otelacct-bench-${process.pid}.pcap`);
  const pcapng = join(dir, `otelacct-bench-${process.pid}.pcapng`);
  const classic = new PcapWriter({ linkType: 1, file: pcap });
  const ng = new PcapNgWriter({ file: pcapng });
  const ifs = [ng.addInterface({ linkType: 1, name: 'eth0' }), ng.addInterface({ linkType: 1, name: 'eth1' })];
  for (let i = 0; i < packetCount; i++) {
    const frame = frames[i & 3];
    classic.add(frame);
    ng.addEnhancedPacket(ifs[i & 1], frame);
  }
  classic.close();
  ng.close();
  return { pcap, pcapng };
}

async function measure(path: string): Promise<number[]> {
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const sink = new NoopSink();
    const started = process.hrtime.bigint();
    const stats = await readCaptureFile(path, sink, new InterfaceRegistry(), { onChunk: () => {} });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (stats.packets !== packetCount) throw new Error(`bench: read ${stats.packets} of ${packetCount} packets`);
    rates.push(stats.packets / seconds);
  }
  return rates.sort((a, b) => a - b);
}

const format = (rate: number): string => `${(rate / 1e6).toFixed(2)} M packets/s`;
const files = writeFiles(tmpdir());
try {
  for (const [name, path] of Object.entries(files)) {
    const rates = await measure(path);
    const mib = statSync(path).size / 2 ** 20;
    console.log(`${name.padEnd(6)} ${packetCount} packets, ${mib.toFixed(0)} MiB: best ${
      format(rates[rates.length - 1])}, median ${format(rates[Math.floor(rates.length / 2)])} (${runs} runs)`);
  }
} finally {
  if (!values.keep) for (const path of Object.values(files)) rmSync(path, { force: true });
}
