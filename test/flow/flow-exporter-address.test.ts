import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import type { Config } from '../../src/config/schema.ts';
import { canonicalAddress, canonicalPrefix } from '../../src/config/ip-address.ts';
import { flowDecoders } from '../../src/flow/decoders.ts';
import { FlowCollector } from '../../src/flow/flow-collector.ts';
import { FlowCounter } from '../../src/flow/flow-sink.ts';
import { InterfaceNameTable, parseInterfaceNames } from '../../src/flow/interface-names.ts';
import { TestAccounting } from '../support/accounting.ts';
import { v5Datagram } from '../support/netflow-builder.ts';
import { configProblems } from '../support/config-problems.ts';

/** Exporter addresses in flow.samplingRates / flow.allowedExporters in any spelling (attacker pass, item 1). */
const problems = configProblems;

/** One NetFlow v5 record of 1 packet, 100 bytes, sent from 127.0.0.1 to a real listener on `host`; the accountant's totals. */
async function oneRecordFrom127(host: string, flow: Partial<Config['flow']>): Promise<{ packets: number; bytes: number; refused: number }> {
  const t = new TestAccounting([{ name: 'pairs', dimensions: ['source.address', 'destination.address', 'otelacct.exporter.address'] }]);
  const collector = new FlowCollector({
    config: {
      sflow: { enabled: false, host: '', port: 0 }, netflow: { enabled: true, host, ports: [0] },
      receiveBufferSize: 1 << 20, templateTimeout: 60, samplingRates: [], maxExporters: 8, allowedExporters: [], interfaceNamesFile: '', ...flow,
    },
    accountant: t.accountant, interfaces: t.interfaces, decoders: flowDecoders(), log: () => {},
  });
  const [bound] = await collector.start();
  const sender = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    const d = v5Datagram({ sequence: 0 }, [{ src: '10.0.0.1', dst: '10.0.0.2', packets: 1, bytes: 100, protocol: 17 }]);
    await new Promise<void>((resolve, reject) => sender.send(d, bound.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    const [source] = collector.sources;
    for (let w = 0; w < 200 && source.stats.get(0, FlowCounter.DATAGRAMS) + source.listener.refused === 0; w++) await new Promise((r) => setTimeout(r, 5));
    return { packets: t.accountant.totalPackets, bytes: t.accountant.totalBytes, refused: source.listener.refused };
  } finally {
    sender.close();
    collector.close();
  }
}

describe('flow exporter addresses in any spelling', () => {
  it('canonicalAddress: one text per address (mapped IPv4, upper case, leading zeros in IPv6 groups, :: forms)', () => {
    for (const a of ['::ffff:127.0.0.1', '::FFFF:7F00:0001', '0:0:0:0:0:ffff:7f00:1', '127.0.0.1']) assert.equal(canonicalAddress(a), '127.0.0.1', a);
    for (const a of ['2001:DB8::0001', '2001:db8:0:0:0:0:0:1', '2001:0db8::1']) assert.equal(canonicalAddress(a), '2001:db8::1', a);
    assert.equal(canonicalAddress('::1'), '::1');
    assert.equal(canonicalAddress('::127.0.0.1'), '::127.0.0.1', 'IPv4-compatible (deprecated) is another address, not IPv4');
    assert.equal(canonicalAddress('010.0.0.1'), undefined, 'IPv4 leading zeros (octal to some parsers): refused');
    assert.equal(canonicalAddress('router'), undefined);
    assert.deepEqual(canonicalPrefix('::ffff:192.0.2.0/120'), { address: '192.0.2.0', family: 4, length: 24 });
    assert.deepEqual(canonicalPrefix('2001:DB8::/32'), { address: '2001:db8::', family: 6, length: 32 });
    assert.equal(canonicalPrefix('192.0.2.0/024'), undefined);
    // The interface names file keys its exporters the same way.
    assert.deepEqual([...parseInterfaceNames('::ffff:192.0.2.1 1 a\n2001:DB8::1 2 b\n', 'names', new InterfaceNameTable()).keys()], ['192.0.2.1', '2001:db8::1']);
  });

  it('flow.samplingRates ::ffff:127.0.0.1=20 applies to a NetFlow v5 datagram from 127.0.0.1 (real UDP, dual-stack and IPv4 listeners)', async () => {
    for (const host of ['', '127.0.0.1']) {
      for (const rate of ['::ffff:127.0.0.1=20', '::FFFF:7F00:1=20', '127.0.0.1=20']) {
        assert.deepEqual(await oneRecordFrom127(host, { samplingRates: [rate] }), { packets: 20, bytes: 2000, refused: 0 }, `listener ${host || '*'}, ${rate}`);
      }
    }
  });

  it('flow.allowedExporters in mapped form admits 127.0.0.1, and refuses it when outside (real UDP)', async () => {
    for (const host of ['', '127.0.0.1']) {
      assert.deepEqual(await oneRecordFrom127(host, { allowedExporters: ['::ffff:127.0.0.0/104'] }), { packets: 1, bytes: 100, refused: 0 }, host);
      assert.deepEqual(await oneRecordFrom127(host, { allowedExporters: ['::ffff:10.0.0.0/104'] }), { packets: 0, bytes: 0, refused: 1 }, host);
    }
  });

  it('two spellings of one exporter are refused in one line naming both', () => {
    assert.deepEqual(problems(['--flow-sampling-rate', '::ffff:127.0.0.1=20', '--flow-sampling-rate', '127.0.0.1=10']),
      ['flow.samplingRates=["::ffff:127.0.0.1=20","127.0.0.1=10"]: "127.0.0.1=10" repeats exporter 127.0.0.1 (already "::ffff:127.0.0.1=20"): one rate per exporter']);
    assert.equal(problems(['--flow-sampling-rate', '2001:db8::1=10', '--flow-sampling-rate', '2001:0DB8:0:0::0001=20']).length, 1);
    assert.deepEqual(problems(['--flow-sampling-rate', '::127.0.0.1=10', '--flow-sampling-rate', '127.0.0.1=20']), [], 'IPv4-compatible is another address');
    assert.deepEqual(problems(['--flow-allowed-exporter', '192.0.2.0/24', '--flow-allowed-exporter', '::ffff:192.0.2.0/120']),
      ['flow.allowedExporters=["192.0.2.0/24","::ffff:192.0.2.0/120"]: "::ffff:192.0.2.0/120" repeats prefix 192.0.2.0/24 (already "192.0.2.0/24")']);
    assert.deepEqual(problems(['--flow-allowed-exporter', '10.1.2.3/8']),
      ['flow.allowedExporters=["10.1.2.3/8"]: "10.1.2.3/8" has host bits set (did you mean 10.0.0.0/8?)'], 'as the networks file, not masked silently');
    assert.deepEqual(problems(['--flow-allowed-exporter', '192.0.2.0/024']),
      ['flow.allowedExporters=["192.0.2.0/024"]: "192.0.2.0/024" is not a CIDR prefix like 192.0.2.0/24 or 2001:db8::/32 (no leading zero in the length)']);
  });
});
