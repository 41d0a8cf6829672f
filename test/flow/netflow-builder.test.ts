import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataSet, type FieldSpec, ipfixMessage, ipfixTemplateSet, v5Datagram, v9Packet, v9TemplateSet } from '../support/netflow-builder.ts';
import { PcapWriter } from '../support/pcap-writer.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Ethernet + IPv4 + UDP (checksum 0: none, RFC 768) around `payload`, from 192.0.2.1 to 192.0.2.2. */
function udpFrame(dstPort: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + payload.length);
  const v = new DataView(f.buffer);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  f.set([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2], 14);
  v.setUint16(16, 20 + 8 + payload.length);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += v.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  v.setUint16(24, ~sum & 0xffff);
  v.setUint16(34, 2055);
  v.setUint16(36, dstPort);
  v.setUint16(38, 8 + payload.length);
  f.set(payload, 42);
  return f;
}

const FIELDS: FieldSpec[] = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 },
  { id: 1, length: 4 }, { id: 2, length: 4 }];

describe('netflow builder', () => {
  it('writes a v9 packet byte for byte as RFC 3954 §5 lays it out', () => {
    const p = v9Packet({ sequence: 7, sourceId: 0x01020304, sysUptime: 0x10, unixSecs: 0x20, count: 2 },
      [v9TemplateSet([{ id: 256, fields: [{ id: 8, length: 4 }, { id: 1, length: 4 }] }]), dataSet(256, [{ id: 8, length: 4 }, { id: 1, length: 4 }], [['10.0.0.1', 5]])]);
    assert.equal(hex(p), [
      '0009', '0002', '00000010', '00000020', '00000007', '01020304', // header: version, count, uptime, secs, sequence, source id
      '0000', '0010', '0100', '0002', '0008', '0004', '0001', '0004', // template FlowSet: id 0, length 16, template 256, 2 fields
      '0100', '000c', '0a000001', '00000005', // data FlowSet 256, length 12, one record
    ].join(''));
  });

  it('writes an IPFIX message byte for byte as RFC 7011 §3 lays it out (enterprise field, variable length, padding)', () => {
    const fields: FieldSpec[] = [{ id: 8, length: 4 }, { id: 82, length: 65535 }, { id: 5, length: 2, enterprise: 9 }];
    const m = ipfixMessage({ sequence: 9, domain: 3, exportTime: 0x30 }, [ipfixTemplateSet([{ id: 300, fields }]),
      dataSet(300, fields, [['10.0.0.1', 'ab', 0x0102]])]);
    assert.equal(hex(m), [
      '000a', '0038', '00000030', '00000009', '00000003', // version 10, length 56, export time, sequence, domain
      '0002', '0018', '012c', '0003', '0008', '0004', '0052', 'ffff', '8005', '0002', '00000009', // template set (24 bytes)
      '012c', '0010', '0a000001', '02', '6162', '0102', '000000', // data set: a 9-byte record + 3 bytes of padding
    ].join(''));
  });

  it('produces datagrams tshark dissects to the same values (v5, v9, IPFIX)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelacct-nfb-'));
    try {
      const w = new PcapWriter({ linkType: 1 });
      w.add(udpFrame(2055, v5Datagram({ sequence: 5, samplingInterval: 0x4000 | 10 }, [{ src: '10.0.0.1', dst: '10.0.0.2', packets: 3, bytes: 300,
        srcPort: 1234, dstPort: 80, protocol: 6, input: 1, output: 2 }])));
      w.add(udpFrame(2055, v9Packet({ sequence: 6, sourceId: 1, count: 2 }, [v9TemplateSet([{ id: 256, fields: FIELDS }]),
        dataSet(256, FIELDS, [['10.0.1.1', '10.0.1.2', 5353, 53, 17, 1500, 15]])])));
      w.add(udpFrame(4739, ipfixMessage({ sequence: 7, domain: 2 }, [ipfixTemplateSet([{ id: 256, fields: FIELDS }]),
        dataSet(256, FIELDS, [['10.0.2.1', '10.0.2.2', 4000, 443, 6, 999, 9]])])));
      w.writeTo(join(dir, 'nf.pcap'));
      const r = spawnSync('tshark', ['-r', join(dir, 'nf.pcap'), '-d', 'udp.port==2055,cflow', '-d', 'udp.port==4739,cflow', '-T', 'fields',
        '-E', 'separator=;', '-e', 'cflow.sequence', '-e', 'cflow.srcaddr', '-e', 'cflow.dstaddr', '-e', 'cflow.srcport', '-e', 'cflow.dstport',
        '-e', 'cflow.protocol', '-e', 'cflow.octets', '-e', 'cflow.packets'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), [
        '5;10.0.0.1;10.0.0.2;1234;80;6;300;3',
        '6;10.0.1.1;10.0.1.2;5353;53;17;1500;15',
        '7;10.0.2.1;10.0.2.2;4000;443;6;999;9',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
