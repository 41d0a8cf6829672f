import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { flowDecoders } from '../../src/flow/decoders.ts';
import { FlowCollector } from '../../src/flow/flow-collector.ts';
import { FLOW_ERROR_NAMES, FlowCounter, FlowError } from '../../src/flow/flow-sink.ts';
import { TestAccounting } from '../support/accounting.ts';
import { dataSet, type FieldSpec, ipfixMessage, ipfixTemplateSet, v5Datagram, v9Packet, v9TemplateSet } from '../support/netflow-builder.ts';
import { Harness } from './netflow-harness.ts';

/** Flow records without addresses, with one address, or with zero counts (attacker pass, item 2). */
const NO_ADDRESS: FieldSpec[] = [{ id: 4, length: 1 }, { id: 7, length: 2 }, { id: 1, length: 8 }, { id: 2, length: 8 }];
const SRC_ONLY: FieldSpec[] = [{ id: 8, length: 4 }, { id: 1, length: 8 }, { id: 2, length: 8 }];
const DST6_ONLY: FieldSpec[] = [{ id: 28, length: 16 }, { id: 1, length: 8 }, { id: 2, length: 8 }];
const BOTH: FieldSpec[] = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 1, length: 8 }, { id: 2, length: 8 }];

describe('flow records and their addresses', () => {
  it('an IPFIX or v9 record whose template has no address field is dropped and counted as error.type=no_address', () => {
    assert.equal(FLOW_ERROR_NAMES[FlowError.NO_ADDRESS], 'no_address');
    const h = new Harness();
    h.feed(ipfixMessage({ sequence: 0, domain: 1 }, [ipfixTemplateSet([{ id: 256, fields: NO_ADDRESS }]),
      dataSet(256, NO_ADDRESS, [[6, 443, 0, 0], [6, 443, 1500, 1]])]));
    h.feed(v9Packet({ sequence: 0, sourceId: 1 }, [v9TemplateSet([{ id: 300, fields: NO_ADDRESS }]), dataSet(300, NO_ADDRESS, [[17, 53, 100, 1]])]));
    assert.deepEqual(h.take(), []);
    assert.equal(h.stats.errors[FlowError.NO_ADDRESS], 3, 'each record');
    assert.equal(h.counter('RECORDS'), 0);
    assert.equal(h.counter('MALFORMED'), 2, 'once per datagram');
  });

  it('a record with one address is accounted with the other side unspecified (0.0.0.0 or ::)', () => {
    const h = new Harness();
    h.feed(ipfixMessage({ sequence: 0, domain: 1 }, [ipfixTemplateSet([{ id: 256, fields: SRC_ONLY }, { id: 257, fields: DST6_ONLY }]),
      dataSet(256, SRC_ONLY, [['10.0.0.1', 100, 1]]), dataSet(257, DST6_ONLY, [['2001:db8::7', 200, 2]])]));
    assert.deepEqual(h.take().map((r) => [r.src, r.dst, r.bytes, r.packets]), [['10.0.0.1', '0.0.0.0', 100, 1], ['::', '2001:db8::7', 200, 2]]);
    assert.equal(h.counter('RECORDS'), 2);
    assert.equal(h.counter('MALFORMED'), 0);
  });

  it('a record of zero bytes and zero packets makes no series and is no error (IPFIX, v9, v5)', () => {
    const h = new Harness();
    h.feed(ipfixMessage({ sequence: 0, domain: 1 }, [ipfixTemplateSet([{ id: 256, fields: BOTH }]),
      dataSet(256, BOTH, [['10.0.0.1', '10.0.0.2', 0, 0], ['10.0.0.1', '10.0.0.3', 0, 1], ['10.0.0.1', '10.0.0.4', 40, 0]])]));
    h.feed(v9Packet({ sequence: 0, sourceId: 1 }, [v9TemplateSet([{ id: 300, fields: BOTH }]), dataSet(300, BOTH, [['10.0.0.5', '10.0.0.6', 0, 0]])]));
    h.feed(v5Datagram({ sequence: 0 }, [{ src: '10.0.0.7', dst: '10.0.0.8', packets: 0, bytes: 0 }, { src: '10.0.0.7', dst: '10.0.0.9', packets: 1, bytes: 40 }]));
    assert.deepEqual(h.take().map((r) => r.dst), ['10.0.0.3', '10.0.0.4', '10.0.0.9'], 'one count of the two is enough');
    assert.equal(h.counter('RECORDS'), 3);
    assert.equal(h.counter('MALFORMED'), 0);
    assert.deepEqual([...h.stats.errors], FLOW_ERROR_NAMES.map(() => 0));
  });

  it('through a real listener: the attacker\'s address-less, zero-count IPFIX record leaves no 0.0.0.0 series', async () => {
    const t = new TestAccounting([{ name: 'pairs', dimensions: ['source.address', 'destination.address'] }]);
    const collector = new FlowCollector({
      config: {
        sflow: { enabled: false, host: '', port: 0 }, netflow: { enabled: true, host: '127.0.0.1', ports: [0] },
        receiveBufferSize: 1 << 20, templateTimeout: 60, samplingRates: [], maxExporters: 8, allowedExporters: [], interfaceNamesFile: '',
      },
      accountant: t.accountant, interfaces: t.interfaces, decoders: flowDecoders(), log: () => {},
    });
    const [bound] = await collector.start();
    const sender = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
      const datagrams = [
        ipfixMessage({ sequence: 0, domain: 1 }, [ipfixTemplateSet([{ id: 266, fields: NO_ADDRESS }]), dataSet(266, NO_ADDRESS, [[6, 443, 0, 0]])]),
        ipfixMessage({ sequence: 1, domain: 1 }, [ipfixTemplateSet([{ id: 267, fields: BOTH }]), dataSet(267, BOTH, [['10.0.0.1', '10.0.0.2', 100, 1]])]),
      ];
      for (const d of datagrams) await new Promise<void>((resolve, reject) => sender.send(d, bound.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      const [source] = collector.sources;
      for (let w = 0; w < 200 && source.stats.get(0, FlowCounter.DATAGRAMS) < datagrams.length; w++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(source.stats.get(0, FlowCounter.DATAGRAMS), datagrams.length);
      assert.deepEqual([...t.rows(0)], [['{"source.address":"10.0.0.1","destination.address":"10.0.0.2"}', [100, 1]]]);
      assert.equal(source.stats.errors[FlowError.NO_ADDRESS], 1);
      assert.equal(source.stats.get(0, FlowCounter.RECORDS), 1);
    } finally {
      sender.close();
      collector.close();
    }
  });
});
