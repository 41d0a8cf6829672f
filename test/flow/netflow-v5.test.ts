import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowError } from '../../src/flow/flow-sink.ts';
import { v5Datagram } from '../support/netflow-builder.ts';
import { Harness } from './netflow-harness.ts';

const flow = { src: '10.0.0.1', dst: '192.0.2.7', input: 3, output: 65535, packets: 12, bytes: 9000, srcPort: 40000, dstPort: 443, protocol: 6 };

describe('netflow v5', () => {
  it('decodes every record of the header count', () => {
    const h = new Harness();
    h.feed(v5Datagram({ sequence: 0 }, [flow, { ...flow, src: '10.0.0.2', protocol: 17, bytes: 1 }]));
    assert.deepEqual(h.take(), [
      { exporter: 0, src: '10.0.0.1', dst: '192.0.2.7', srcPort: 40000, dstPort: 443, protocol: 6, vlanId: 0, inputIf: 3, outputIf: 65535,
        bytes: 9000, packets: 12, samplingRate: 1 },
      { exporter: 0, src: '10.0.0.2', dst: '192.0.2.7', srcPort: 40000, dstPort: 443, protocol: 17, vlanId: 0, inputIf: 3, outputIf: 65535,
        bytes: 1, packets: 12, samplingRate: 1 },
    ]);
    assert.equal(h.counter('RECORDS'), 2);
    assert.equal(h.counter('DATAGRAMS'), 0, 'the listener counts datagrams, not the decoder');
  });

  it('keeps ports of TCP and UDP, and the destination port (ICMP type and code) of ICMP, as nfacctd', () => {
    const h = new Harness();
    h.feed(v5Datagram({ sequence: 0 }, [{ ...flow, protocol: 1, srcPort: 7, dstPort: 0x0800 }, { ...flow, protocol: 58, srcPort: 7, dstPort: 0x8000 },
      { ...flow, protocol: 47, srcPort: 7, dstPort: 9 }, { ...flow, protocol: 17 }]));
    assert.deepEqual(h.take().map((r) => [r.protocol, r.srcPort, r.dstPort]), [[1, 0, 0x0800], [58, 0, 0x8000], [47, 0, 0], [17, 40000, 443]]);
  });

  it('takes the sampling rate from the low 14 bits of sampling_interval, else the configured rate', () => {
    const h = new Harness();
    h.configured.set(0, 64);
    h.configured.set(1, 64);
    h.feed(v5Datagram({ sequence: 0, samplingInterval: (1 << 14) | 100 }, [flow]), 0);
    h.feed(v5Datagram({ sequence: 0, samplingInterval: 0 }, [flow]), 1);
    h.feed(v5Datagram({ sequence: 1, samplingInterval: 0xc000 | 0x3fff }, [flow]), 0);
    assert.deepEqual(h.take().map((r) => r.samplingRate), [100, 64, 16383]);
  });

  it('counts lost flows from flow_sequence per engine, not restarts', () => {
    const h = new Harness();
    h.feed(v5Datagram({ sequence: 1000, sysUptime: 600_000 }, [flow, flow]));
    h.feed(v5Datagram({ sequence: 1002, sysUptime: 600_100 }, [flow]));
    assert.equal(h.counter('LOST_RECORDS'), 0);
    h.feed(v5Datagram({ sequence: 1010, sysUptime: 600_200 }, [flow]));
    assert.equal(h.counter('LOST_RECORDS'), 7);
    // Another engine is its own stream.
    h.feed(v5Datagram({ sequence: 5, engineId: 1 }, [flow]));
    assert.equal(h.counter('LOST_RECORDS'), 7);
    // A late datagram counts nothing.
    h.feed(v5Datagram({ sequence: 1005, sysUptime: 600_150 }, [flow]));
    assert.equal(h.counter('LOST_RECORDS'), 7);
    // Restart (uptime back to 2 s): back to 0 counts nothing, and counting goes on from there.
    h.feed(v5Datagram({ sequence: 0, sysUptime: 2000 }, [flow]));
    h.feed(v5Datagram({ sequence: 3, sysUptime: 2100 }, [flow]));
    assert.equal(h.counter('LOST_RECORDS'), 9);
  });

  it('drops a datagram whose count does not fit as truncated', () => {
    const h = new Harness();
    const d = v5Datagram({ sequence: 0, count: 3 }, [flow, flow]);
    h.feed(d);
    h.feed(d.subarray(0, 20));
    assert.equal(h.take().length, 0);
    assert.equal(h.stats.errors[FlowError.TRUNCATED], 2);
    assert.equal(h.counter('MALFORMED'), 2);
  });

  it('counts an unknown version', () => {
    const h = new Harness();
    const d = v5Datagram({ sequence: 0 }, [flow]);
    d[1] = 7;
    h.feed(d);
    h.feed(new Uint8Array(1));
    assert.equal(h.stats.errors[FlowError.BAD_VERSION], 1);
    assert.equal(h.stats.errors[FlowError.TRUNCATED], 1);
  });
});
