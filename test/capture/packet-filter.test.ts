import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterError, PacketFilter } from '../../src/capture/packet-filter.ts';
import type { PacketSink } from '../../src/capture/packet-sink.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { fewestYoungGcs } from '../support/allocation.ts';

class Counting implements PacketSink {
  packets = 0;
  packet(): void {
    this.packets++;
  }
}

const ssh = ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, srcPort: 40000, dstPort: 22 });
const dns = ethernetIPv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 40000, dstPort: 53 });

describe('PacketFilter', () => {
  it('passes on what the expression accepts, for a prepared link type only', () => {
    const filter = new PacketFilter('tcp port 22');
    const sink = new Counting();
    const filtered = filter.wrap(sink);
    filtered.packet(ssh, 0, ssh.length, ssh.length, 1, 0);
    assert.equal(sink.packets, 0, 'link type 1 was not prepared: dropped, never passed unfiltered');
    filter.prepare(1, 'f.pcap');
    filtered.packet(ssh, 0, ssh.length, ssh.length, 1, 0);
    filtered.packet(dns, 0, dns.length, dns.length, 1, 0);
    assert.equal(sink.packets, 1);
    // The frame at an offset inside a bigger buffer, and cut short before the ports.
    const buf = new Uint8Array(100 + ssh.length);
    buf.set(ssh, 100);
    filtered.packet(buf, 100, ssh.length, ssh.length, 1, 0);
    assert.equal(sink.packets, 2);
    filtered.packet(buf, 100, 30, ssh.length, 1, 0);
    assert.equal(sink.packets, 2, 'ports not captured: libpcap rejects');
    // Out-of-range offsets and lengths are rejected, not read.
    filtered.packet(buf, 200, ssh.length, ssh.length, 1, 0);
    filtered.packet(buf, 100, ssh.length + 1, ssh.length, 1, 0);
    assert.equal(sink.packets, 2);
  });

  it('reports libpcap\'s message, the key and the link type when the expression does not compile', () => {
    const filter = new PacketFilter('port 99999');
    assert.throws(() => filter.prepare(1, 'x.pcap'), (err: Error) => err instanceof FilterError &&
      err.message === 'capture.filter: "port 99999": illegal port number 99999 > 65535 (link type 1 of x.pcap)');
    assert.throws(() => new PacketFilter('vlan').prepare(101, 'raw.pcap'), /^FilterError: capture\.filter: "vlan": .*link type 101 of raw\.pcap\)$/);
    assert.throws(() => new PacketFilter('ip').prepare(65000, 'odd.pcap'), /link type 65000 of odd\.pcap/);
  });

  it('allocates nothing per packet', () => {
    const filter = new PacketFilter('tcp port 22 or udp');
    filter.prepare(1, 'f.pcap');
    const sink = new Counting();
    const filtered = filter.wrap(sink);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const frame = i % 3 === 0 ? dns : ssh;
        filtered.packet(frame, 0, frame.length, frame.length, 1, 0);
      }
    };
    run(200_000);
    const before = sink.packets;
    assert.equal(fewestYoungGcs(() => run(2_000_000)), 0);
    assert.equal(sink.packets - before, 2_000_000);
  });
});
