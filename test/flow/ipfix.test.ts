import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowError } from '../../src/flow/flow-sink.ts';
import { dataSet, type FieldSpec, ipfixMessage, ipfixOptionsTemplateSet, ipfixTemplateSet, ipfixWithdrawalSet } from '../support/netflow-builder.ts';
import { Harness } from './netflow-harness.ts';

const V6: FieldSpec[] = [{ id: 27, length: 16 }, { id: 28, length: 16 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 },
  { id: 10, length: 4 }, { id: 14, length: 4 }, { id: 1, length: 8 }, { id: 2, length: 8 }, { id: 243, length: 2 }];
const V4: FieldSpec[] = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 1, length: 8 }, { id: 2, length: 8 }];
const v4Row = (src: string) => [src, '192.0.2.1', 100, 1];

function message(sequence: number, sets: Uint8Array[], domain = 0): Uint8Array {
  return ipfixMessage({ sequence, domain }, sets);
}

describe('ipfix', () => {
  it('decodes IPv6 and IPv4 records (27/28, 8/12, 7/11, 4, 10/14, 1/2, 243)', () => {
    const h = new Harness();
    h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: V6 }, { id: 257, fields: V4 }]),
      dataSet(256, V6, [['2001:db8::1', 'fe80::abcd:1', 443, 51000, 6, 1, 2, 123456789012n, 99, 4094]]),
      dataSet(257, V4, [v4Row('10.0.0.1')])]));
    assert.deepEqual(h.take(), [
      { exporter: 0, src: '2001:db8::1', dst: 'fe80::abcd:1', srcPort: 443, dstPort: 51000, protocol: 6, vlanId: 4094, inputIf: 1, outputIf: 2,
        bytes: 123456789012, packets: 99, samplingRate: 1 },
      { exporter: 0, src: '10.0.0.1', dst: '192.0.2.1', srcPort: 0, dstPort: 0, protocol: 0, vlanId: 0, inputIf: 0, outputIf: 0,
        bytes: 100, packets: 1, samplingRate: 1 },
    ]);
    assert.equal(h.counter('RECORDS'), 2);
  });

  // Records of zero bytes and zero packets are not handed over: each template here carries packetDeltaCount 1.
  it('chooses the VLAN as nfacctd: by flowDirection (58/243 in, 59/254 out), else the first of 58, 59, 243, 254', () => {
    const h = new Harness();
    const all: FieldSpec[] = [{ id: 8, length: 4 }, { id: 2, length: 4 }, { id: 254, length: 2 }, { id: 243, length: 2 }, { id: 59, length: 2 }, { id: 58, length: 2 }];
    const dot1q: FieldSpec[] = [{ id: 8, length: 4 }, { id: 2, length: 4 }, { id: 254, length: 2 }, { id: 243, length: 2 }];
    const withDirection: FieldSpec[] = [...dot1q, { id: 61, length: 1 }];
    const post: FieldSpec[] = [{ id: 8, length: 4 }, { id: 2, length: 4 }, { id: 254, length: 2 }, { id: 59, length: 2 }];
    h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: all }, { id: 257, fields: dot1q }, { id: 258, fields: withDirection },
      { id: 259, fields: post }]),
    dataSet(256, all, [['10.0.0.1', 1, 4, 3, 2, 1]]), dataSet(257, dot1q, [['10.0.0.1', 1, 4, 3]]),
    dataSet(258, withDirection, [['10.0.0.1', 1, 4, 3, 0], ['10.0.0.1', 1, 4, 3, 1], ['10.0.0.1', 1, 4, 3, 2]]),
    dataSet(259, post, [['10.0.0.1', 1, 4, 2]])]));
    assert.deepEqual(h.take().map((r) => r.vlanId), [1, 3, 3, 4, 0, 2]);
  });

  it('takes ports from 7/11, else udpSourcePort/udpDestinationPort 180/181, else tcpSourcePort/tcpDestinationPort 182/183', () => {
    const h = new Harness();
    const a: FieldSpec[] = [{ id: 8, length: 4 }, { id: 2, length: 4 }, { id: 182, length: 2 }, { id: 183, length: 2 }, { id: 180, length: 2 }, { id: 181, length: 2 }];
    const b: FieldSpec[] = [...a, { id: 7, length: 2 }, { id: 11, length: 2 }];
    const c: FieldSpec[] = [{ id: 8, length: 4 }, { id: 2, length: 4 }, { id: 182, length: 2 }, { id: 183, length: 2 }];
    h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: a }, { id: 257, fields: b }, { id: 258, fields: c }]),
      dataSet(256, a, [['10.0.0.1', 1, 1, 2, 3, 4]]), dataSet(257, b, [['10.0.0.1', 1, 1, 2, 3, 4, 5, 6]]), dataSet(258, c, [['10.0.0.1', 1, 1, 2]])]));
    assert.deepEqual(h.take().map((r) => [r.srcPort, r.dstPort]), [[3, 4], [5, 6], [1, 2]]);
  });

  it('uses the totalCount IEs (85/86) when only those are sent', () => {
    const h = new Harness();
    const f: FieldSpec[] = [{ id: 8, length: 4 }, { id: 85, length: 8 }, { id: 86, length: 8 }];
    h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: f }]), dataSet(256, f, [['10.0.0.1', 5000, 5]])]));
    assert.deepEqual(h.take().map((r) => [r.bytes, r.packets]), [[5000, 5]]);
  });

  it('reads variable-length fields in both length encodings (RFC 7011 §7), before and after the fields it needs', () => {
    const h = new Harness();
    const f: FieldSpec[] = [{ id: 82, length: 65535 }, { id: 8, length: 4 }, { id: 83, length: 65535 }, { id: 12, length: 4 }, { id: 1, length: 4 }];
    h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: f }]),
      dataSet(256, f, [['eth0', '10.0.0.1', 'x'.repeat(300), '10.0.0.2', 11], ['', '10.0.0.3', 'uplink', '10.0.0.4', 12]])]));
    assert.deepEqual(h.take().map((r) => [r.src, r.dst, r.bytes]), [['10.0.0.1', '10.0.0.2', 11], ['10.0.0.3', '10.0.0.4', 12]]);
    // A variable-length field running past the set: truncated, the records before it kept.
    const bad = dataSet(256, f, [['a', '10.0.0.5', 'b', '10.0.0.6', 13], ['a', '10.0.0.7', 'b', '10.0.0.8', 14]]);
    bad[4 + 16 + 6] = 200; // second record's second variable field claims 200 bytes
    h.feed(message(1, [bad]));
    assert.deepEqual(h.take().map((r) => r.src), ['10.0.0.5']);
    assert.equal(h.stats.errors[FlowError.TRUNCATED], 1);
  });

  it('skips enterprise-specific IEs, even with the number of a standard IE', () => {
    const h = new Harness();
    const f: FieldSpec[] = [{ id: 8, length: 4, enterprise: 9 }, { id: 8, length: 4 }, { id: 1, length: 4, enterprise: 29305 },
      { id: 1, length: 2 }, { id: 100, length: 65535, enterprise: 2636 }, { id: 12, length: 4 }];
    h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: f }]),
      dataSet(256, f, [['1.1.1.1', '10.0.0.1', 7777777, 42, 'juniper', '10.0.0.2']])]));
    assert.deepEqual(h.take().map((r) => [r.src, r.dst, r.bytes]), [['10.0.0.1', '10.0.0.2', 42]]);
  });

  it('skips the zero padding at the end of a set', () => {
    const h = new Harness();
    // 3 records of 6 bytes + the 4-byte header, padded to 24: 2 bytes, shorter than a record (RFC 7011 §3.3.1).
    const f: FieldSpec[] = [{ id: 8, length: 4 }, { id: 1, length: 2 }];
    const padded = dataSet(256, f, [['10.0.0.1', 1], ['10.0.0.2', 2], ['10.0.0.3', 3]], 8);
    assert.equal(padded.length, 24);
    h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: f }]), padded]));
    assert.equal(h.take().length, 3);
    assert.equal(h.counter('MALFORMED'), 0);
  });

  it('withdraws one template, all templates (id 2) or all options templates (id 3), per domain', () => {
    const h = new Harness();
    const opts: FieldSpec[] = [{ id: 34, length: 4 }];
    const tpl = ipfixTemplateSet([{ id: 256, fields: V4 }, { id: 257, fields: V4 }, { id: 258, fields: V4 }]);
    const otpl = ipfixOptionsTemplateSet([{ id: 400, scope: [{ id: 149, length: 4 }], fields: opts }]);
    h.feed(message(0, [tpl, otpl], 1));
    h.feed(message(0, [tpl, otpl], 2));
    assert.equal(h.decoder.templates, 8);
    h.feed(message(0, [ipfixWithdrawalSet([256])], 1));
    h.feed(message(0, [dataSet(256, V4, [v4Row('10.0.0.1')]), dataSet(257, V4, [v4Row('10.0.0.2')])], 1));
    assert.deepEqual(h.take().map((r) => r.src), ['10.0.0.2']);
    assert.equal(h.stats.errors[FlowError.NO_TEMPLATE], 1);
    h.feed(message(0, [ipfixWithdrawalSet([2])], 1));
    assert.equal(h.decoder.templates, 5, 'domain 1 keeps its options template, domain 2 all four');
    h.feed(message(0, [ipfixWithdrawalSet([3], true)], 1));
    assert.equal(h.decoder.templates, 4);
    h.feed(message(0, [dataSet(258, V4, [v4Row('10.0.0.3')])], 2));
    assert.equal(h.take().length, 1);
  });

  describe('sampling options', () => {
    const data: FieldSpec[] = [...V4, { id: 302, length: 4 }];
    const cases: Array<{ name: string; scope: FieldSpec[]; fields: FieldSpec[]; values: Array<number | bigint>; rate: number }> = [
      { name: 'samplingInterval 34', scope: [{ id: 302, length: 4 }], fields: [{ id: 34, length: 4 }], values: [9, 128], rate: 128 },
      { name: 'samplerRandomInterval 50 (over 34)', scope: [{ id: 302, length: 4 }], fields: [{ id: 34, length: 4 }, { id: 50, length: 2 }],
        values: [9, 1, 2000], rate: 2000 },
      { name: 'samplingPacketInterval 305 + samplingPacketSpace 306', scope: [{ id: 302, length: 4 }],
        fields: [{ id: 304, length: 2 }, { id: 305, length: 4 }, { id: 306, length: 4 }], values: [9, 1, 1, 99], rate: 100 },
      { name: 'samplingSize 309 + samplingPopulation 310', scope: [{ id: 302, length: 4 }],
        fields: [{ id: 309, length: 4 }, { id: 310, length: 4 }], values: [9, 10, 10000], rate: 1000 },
      { name: 'samplerId 48 as scope', scope: [{ id: 48, length: 2 }], fields: [{ id: 50, length: 4 }], values: [9, 4096], rate: 4096 },
    ];
    for (const c of cases) {
      it(`learns ${c.name} for the selector id of the records`, () => {
        const h = new Harness();
        h.configured.set(0, 2);
        h.feed(message(0, [ipfixOptionsTemplateSet([{ id: 300, scope: c.scope, fields: c.fields }]),
          dataSet(300, [...c.scope, ...c.fields], [c.values]), ipfixTemplateSet([{ id: 256, fields: data }]),
          dataSet(256, data, [[...v4Row('10.0.0.1'), 9], [...v4Row('10.0.0.2'), 10]])]));
        assert.deepEqual(h.take().map((r) => r.samplingRate), [c.rate, 2]);
      });
    }

    it('applies options without a selector id to records without one, in their domain only', () => {
      const h = new Harness();
      h.configured.set(0, 2);
      const scope: FieldSpec[] = [{ id: 149, length: 4 }];
      const fields: FieldSpec[] = [{ id: 305, length: 4 }, { id: 306, length: 4 }];
      h.feed(message(0, [ipfixOptionsTemplateSet([{ id: 300, scope, fields }]), dataSet(300, [...scope, ...fields], [[5, 1, 31]]),
        ipfixTemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [v4Row('10.0.0.1')])], 5));
      h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [v4Row('10.0.0.2')])], 6));
      assert.deepEqual(h.take().map((r) => r.samplingRate), [32, 2]);
    });
  });

  it('counts lost data records per observation domain (options data records included), resyncing after an unknown set', () => {
    const h = new Harness();
    const scope: FieldSpec[] = [{ id: 302, length: 4 }];
    const fields: FieldSpec[] = [{ id: 34, length: 4 }];
    const templates = [ipfixTemplateSet([{ id: 256, fields: V4 }]), ipfixOptionsTemplateSet([{ id: 300, scope, fields }])];
    const rows = (n: number) => dataSet(256, V4, Array.from({ length: n }, () => v4Row('10.0.0.1')));
    h.feed(message(100, [...templates, rows(3), dataSet(300, [...scope, ...fields], [[1, 10]])]));
    h.feed(message(104, [rows(2)]));
    h.feed(message(106, [rows(2)], 9)); // another domain
    assert.equal(h.counter('LOST_RECORDS'), 0);
    h.feed(message(116, [rows(1)]));
    assert.equal(h.counter('LOST_RECORDS'), 10);
    h.feed(message(117, [rows(1), dataSet(999, V4, [v4Row('10.0.0.1')])])); // unknown template: count unknown
    h.feed(message(150, [rows(1)])); // resync: nothing counted
    h.feed(message(151, [rows(1)]));
    assert.equal(h.counter('LOST_RECORDS'), 10);
    h.feed(message(5, [rows(1)])); // restart far below: resync
    h.feed(message(6, [rows(1)]));
    assert.equal(h.counter('LOST_RECORDS'), 10);
  });

  it('follows an exporter that numbers records including its own and leaves options data records out (softflowd 1.1)', () => {
    const h = new Harness();
    const scope: FieldSpec[] = [{ id: 149, length: 4 }];
    const fields: FieldSpec[] = [{ id: 34, length: 4 }];
    const templates = [ipfixTemplateSet([{ id: 256, fields: V4 }]), ipfixOptionsTemplateSet([{ id: 300, scope, fields }])];
    const options = dataSet(300, [...scope, ...fields], [[0, 1]]);
    const rows = (n: number) => dataSet(256, V4, Array.from({ length: n }, () => v4Row('10.0.0.1')));
    // softflowd's numbers: sequence = flow records sent including this message's, options record not counted.
    h.feed(message(19, [...templates, options, rows(19)]));
    h.feed(message(48, [rows(29)]));
    h.feed(message(73, [rows(25)]));
    h.feed(message(93, [...templates, options, rows(20)])); // template refresh
    h.feed(message(117, [rows(24)]));
    assert.equal(h.counter('LOST_RECORDS'), 0);
    h.feed(message(167, [rows(26)])); // 24 lost
    h.feed(message(180, [...templates, options, rows(13)]));
    h.feed(message(200, [rows(20)]));
    assert.equal(h.counter('LOST_RECORDS'), 24);
  });

  it('takes four messages in a row below the expected number, each following the last, as a restart (no uptime in IPFIX)', () => {
    const h = new Harness();
    const rows = (n: number) => dataSet(256, V4, Array.from({ length: n }, () => v4Row('10.0.0.1')));
    h.feed(message(0, [ipfixTemplateSet([{ id: 256, fields: V4 }]), rows(2)]));
    for (let seq = 2; seq < 200; seq += 2) h.feed(message(seq, [rows(2)]));
    h.feed(message(196, [rows(2)])); // a duplicate: late, the expectation stays 200
    h.feed(message(200, [rows(2)]));
    assert.equal(h.counter('LOST_RECORDS'), 0);
    // The exporter restarts: 0, 2, 4 are late, 6 makes the fourth in a row: resynchronised.
    for (const seq of [0, 2, 4, 6]) h.feed(message(seq, [ipfixTemplateSet([{ id: 256, fields: V4 }]), rows(2)]));
    assert.equal(h.counter('LOST_RECORDS'), 0);
    h.feed(message(12, [rows(2)])); // 8 and 10 lost
    assert.equal(h.counter('LOST_RECORDS'), 4);
    assert.equal(h.take().length, 2 + 99 * 2 + 2 + 2 + 8 + 2, 'late and restarted messages are accounted');
  });

  it('rejects bad message lengths and options templates with no scope', () => {
    const h = new Harness();
    const m = message(0, [ipfixTemplateSet([{ id: 256, fields: V4 }])]);
    h.feed(m.subarray(0, m.length - 1));
    h.feed(ipfixMessage({ sequence: 0, domain: 0, length: 12 }, []));
    assert.equal(h.stats.errors[FlowError.TRUNCATED], 2);
    h.feed(message(0, [ipfixOptionsTemplateSet([{ id: 300, scope: [], fields: [{ id: 34, length: 4 }] }])]));
    assert.equal(h.stats.errors[FlowError.BAD_TEMPLATE], 1);
    // Bytes after the message length are ignored.
    h.feed(new Uint8Array([...message(0, [ipfixTemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [v4Row('10.0.0.1')])]), 0xde, 0xad]));
    assert.equal(h.take().length, 1);
    assert.equal(h.counter('MALFORMED'), 3);
  });
});
