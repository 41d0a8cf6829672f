import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ethernetIPv6 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { skipUnless } from '../support/requirements.ts';
import { ifCounters, sflowDatagram, udpFrame } from '../support/sflow-builder.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('sFlow datagram builder', () => {
  it('lays out a datagram word by word as sflow_version_5.txt does', () => {
    const got = sflowDatagram({
      agent: '192.0.2.1', sequence: 1, uptime: 1000,
      samples: [{ kind: 'flow', sequence: 7, sourceIndex: 3, samplingRate: 100, samplePool: 700, input: 3,
        output: 0x3fffffff, records: [{ kind: 'header', protocol: 1, frameLength: 64, stripped: 4,
          header: Uint8Array.of(1, 2, 3, 4, 5) }] }],
    });
    const want = [
      // sample_datagram: version 5; sample_datagram_v5: agent_address (address_type IP_V4, ip_v4),
      // sub_agent_id, sequence_number, uptime, samples<> count
      '00000005', '00000001', 'c0000201', '00000000', '00000001', '000003e8', '00000001',
      // sample_record: data_format (enterprise 0, format 1 = flow_sample), sample_data<> length 64
      '00000001', '00000040',
      // flow_sample: sequence_number, source_id (type 0 << 24 | index 3), sampling_rate, sample_pool,
      // drops, input, output (0x3FFFFFFF: the device itself), flow_records<> count
      '00000007', '00000003', '00000064', '000002bc', '00000000', '00000003', '3fffffff', '00000001',
      // flow_record: data_format (0, 1 = sampled_header), flow_data<> length 24
      '00000001', '00000018',
      // sampled_header: protocol (ETHERNET-ISO88023), frame_length, stripped, header<> (5 bytes, padded to 8)
      '00000001', '00000040', '00000004', '00000005', '0102030405000000',
    ].join('');
    assert.equal(hex(got), want);
    assert.equal(got.length, 100);
  });

  it('writes expanded samples, IPv6 agents, counter samples and vendor records that tshark decodes field by field (the vendor record skipped by its length)',
    (t) => {
      if (!skipUnless(t, { tools: ['tshark'] })) return;
      const inner = ethernetIPv6({ src: '2001:db8::10', dst: '2001:db8::20', proto: 6, srcPort: 443, dstPort: 5555,
        payloadLength: 100 });
      const datagram = sflowDatagram({
        agent: '2001:db8::1', subAgentId: 3, sequence: 42, uptime: 123456,
        samples: [
          { kind: 'flow', sequence: 9, sourceIndex: 5, samplingRate: 256, samplePool: 2560, drops: 2, input: 5,
            output: 0x80000007, records: [
              { kind: 'header', protocol: 1, frameLength: inner.length + 4, stripped: 4, header: inner.subarray(0, 90) },
              { kind: 'switch', srcVlan: 10, dstVlan: 20 },
              { kind: 'raw', enterprise: 4300, format: 7, data: Uint8Array.of(9, 9, 9, 9) },
            ] },
          { kind: 'flow', expanded: true, sequence: 10, sourceType: 0, sourceIndex: 0x1000001, samplingRate: 1000,
            samplePool: 99000, input: { format: 0, value: 0x1000000 }, output: { format: 1, value: 258 }, records: [
              { kind: 'ipv4', length: 1500, protocol: 17, src: '198.51.100.1', dst: '203.0.113.9', srcPort: 53,
                dstPort: 40000 },
            ] },
          { kind: 'counters', sequence: 77, sourceIndex: 5,
            records: [{ enterprise: 0, format: 1, data: ifCounters(5, 123456789, 987654321) }] },
        ],
      });
      const dir = mkdtempSync(join(tmpdir(), 'otelacct-sflow-'));
      try {
        const file = join(dir, 'sflow.pcap');
        new PcapWriter({ linkType: 1 }).add(udpFrame(datagram)).writeTo(file);
        const fields = ['sflow_245.agent.v6', 'sflow_245.sub_agent_id', 'sflow_245.sequence_number',
          'sflow_245.sysuptime', 'sflow_245.numsamples', 'sflow.flow_sample.sequence_number',
          'sflow.flow_sample.sampling_rate', 'sflow.flow_sample.sample_pool', 'sflow_245.header.frame_length',
          'sflow_245.header.payload_stripped', 'sflow_245.header.sampled_header_length', 'ipv6.src', 'tcp.srcport',
          'sflow_245.vlan.in', 'sflow_245.vlan.out', 'sflow.flow_sample.source_id_index',
          'sflow.flow_sample.input_interface_value', 'sflow.flow_sample.output_interface_format',
          'sflow.flow_sample.output_interface.format', 'sflow.flow_sample.output_interface_value', 'sflow_245.ipv4_src', 'sflow_245.ipv4_dst', 'sflow_245.ip.length',
          'sflow.counters_sample.sequence_number', 'sflow_245.ifindex', '_ws.malformed'];
        const run = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'separator=|', '-E', 'aggregator=,',
          ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(run.status, 0, run.stderr);
        const got = Object.fromEntries(run.stdout.trim().split('|').map((v, i) => [fields[i], v]));
        assert.deepEqual(got, {
          'sflow_245.agent.v6': '2001:db8::1', 'sflow_245.sub_agent_id': '3', 'sflow_245.sequence_number': '42',
          'sflow_245.sysuptime': '123456', 'sflow_245.numsamples': '3', 'sflow.flow_sample.sequence_number': '9,10',
          'sflow.flow_sample.sampling_rate': '256,1000', 'sflow.flow_sample.sample_pool': '2560,99000',
          'sflow_245.header.frame_length': String(inner.length + 4), 'sflow_245.header.payload_stripped': '4',
          'sflow_245.header.sampled_header_length': '90', 'ipv6.src': '2001:db8::10', 'tcp.srcport': '443',
          'sflow_245.vlan.in': '10', 'sflow_245.vlan.out': '20', 'sflow.flow_sample.source_id_index': '16777217',
          'sflow.flow_sample.input_interface_value': '16777216', 'sflow.flow_sample.output_interface_format': '2',
          'sflow.flow_sample.output_interface.format': '1', 'sflow.flow_sample.output_interface_value': '7,258', 'sflow_245.ipv4_src': '198.51.100.1',
          'sflow_245.ipv4_dst': '203.0.113.9', 'sflow_245.ip.length': '1500',
          'sflow.counters_sample.sequence_number': '77', 'sflow_245.ifindex': '5',
          '_ws.malformed': '',
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
