import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowError } from '../../src/flow/flow-sink.ts';
import { MAX_TEMPLATES } from '../../src/flow/netflow-template-cache.ts';
import { dataSet, type FieldSpec, set, v9OptionsTemplateSet, v9Packet, v9TemplateSet } from '../support/netflow-builder.ts';
import { Harness } from './netflow-harness.ts';

/** A Cisco-like IPv4 template: addresses, ports, protocol, ifIndexes, IN_BYTES, IN_PKTS, SRC_VLAN. */
const V4: FieldSpec[] = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 },
  { id: 10, length: 4 }, { id: 14, length: 4 }, { id: 1, length: 4 }, { id: 2, length: 4 }, { id: 58, length: 2 }, { id: 61, length: 1 }];
const row = (src: string, bytes: number) => [src, '198.51.100.9', 5353, 53, 17, 7, 9, bytes, 3, 100, 0];

function packet(sequence: number, sets: Uint8Array[], sourceId = 0, sysUptime = 100_000): Uint8Array {
  return v9Packet({ sequence, sourceId, sysUptime }, sets);
}

describe('netflow v9', () => {
  it('decodes data records with the template sent before them in the same packet', () => {
    const h = new Harness();
    h.feed(packet(1, [v9TemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [row('10.1.1.1', 1500), row('10.1.1.2', 40)])]));
    assert.deepEqual(h.take(), [
      { exporter: 0, src: '10.1.1.1', dst: '198.51.100.9', srcPort: 5353, dstPort: 53, protocol: 17, vlanId: 100, inputIf: 7, outputIf: 9,
        bytes: 1500, packets: 3, samplingRate: 1 },
      { exporter: 0, src: '10.1.1.2', dst: '198.51.100.9', srcPort: 5353, dstPort: 53, protocol: 17, vlanId: 100, inputIf: 7, outputIf: 9,
        bytes: 40, packets: 3, samplingRate: 1 },
    ]);
    assert.equal(h.counter('RECORDS'), 2);
    assert.equal(h.counter('MALFORMED'), 0);
  });

  it('drops data before its template as no_template, per exporter, and decodes once the template came', () => {
    const h = new Harness();
    h.feed(packet(1, [dataSet(256, V4, [row('10.1.1.1', 1), row('10.1.1.2', 2)])]), 3);
    assert.equal(h.take().length, 0);
    assert.equal(h.stats.errors[FlowError.NO_TEMPLATE], 1);
    assert.equal(h.counter('MALFORMED', 3), 1);
    assert.equal(h.counter('MALFORMED', 0), 0);
    h.feed(packet(2, [v9TemplateSet([{ id: 256, fields: V4 }])]), 3);
    h.feed(packet(3, [dataSet(256, V4, [row('10.1.1.3', 3)])]), 3);
    assert.deepEqual(h.take().map((r) => r.src), ['10.1.1.3']);
    // Another exporter, or another source id of the same exporter, does not share the template.
    h.feed(packet(1, [dataSet(256, V4, [row('10.1.1.4', 3)])]), 4);
    h.feed(packet(1, [dataSet(256, V4, [row('10.1.1.5', 3)])], 77), 3);
    assert.equal(h.take().length, 0);
    assert.equal(h.stats.errors[FlowError.NO_TEMPLATE], 3);
  });

  it('expires a template not refreshed within templateTimeout, keeps a refreshed one, replaces a changed one', () => {
    const h = new Harness(60);
    const tpl = v9TemplateSet([{ id: 300, fields: V4 }]);
    h.feed(packet(1, [tpl]));
    h.nowMs += 50_000;
    h.feed(packet(2, [tpl]));
    h.nowMs += 50_000;
    h.feed(packet(3, [dataSet(300, V4, [row('10.0.0.1', 1)])]));
    assert.equal(h.take().length, 1);
    h.nowMs += 61_000;
    h.feed(packet(4, [dataSet(300, V4, [row('10.0.0.1', 1)])]));
    assert.equal(h.take().length, 0);
    assert.equal(h.stats.errors[FlowError.NO_TEMPLATE], 1);
    assert.equal(h.decoder.templates, 0);
    // A changed template (same id) replaces the old one.
    const other: FieldSpec[] = [{ id: 12, length: 4 }, { id: 8, length: 4 }, { id: 1, length: 8 }];
    h.feed(packet(5, [tpl, v9TemplateSet([{ id: 300, fields: other }]), dataSet(300, other, [['1.1.1.1', '2.2.2.2', 77n]])]));
    assert.deepEqual(h.take().map((r) => [r.src, r.dst, r.bytes]), [['2.2.2.2', '1.1.1.1', 77]]);
    assert.equal(h.decoder.templates, 1);
  });

  it('never expires templates with templateTimeout 0', () => {
    const h = new Harness(0);
    h.feed(packet(1, [v9TemplateSet([{ id: 300, fields: V4 }])]));
    h.nowMs += 400 * 86400_000;
    h.feed(packet(2, [dataSet(300, V4, [row('10.0.0.1', 1)])]));
    assert.equal(h.take().length, 1);
  });

  it('takes bytes and packets from IN_BYTES/IN_PKTS, else the totals 85/86, else OUT_BYTES/OUT_PKTS 23/24 (as nfacctd)', () => {
    const h = new Harness();
    const both: FieldSpec[] = [{ id: 8, length: 4 }, { id: 23, length: 4 }, { id: 24, length: 4 }, { id: 1, length: 4 }, { id: 2, length: 4 }];
    const out: FieldSpec[] = [{ id: 8, length: 4 }, { id: 23, length: 8 }, { id: 24, length: 8 }];
    const totals: FieldSpec[] = [{ id: 8, length: 4 }, { id: 23, length: 4 }, { id: 85, length: 8 }, { id: 86, length: 4 }];
    h.feed(packet(1, [v9TemplateSet([{ id: 256, fields: both }, { id: 257, fields: out }, { id: 258, fields: totals }]),
      dataSet(256, both, [['10.0.0.1', 999, 9, 100, 1]]),
      dataSet(257, out, [['10.0.0.2', 2n ** 40n, 5]]),
      dataSet(258, totals, [['10.0.0.3', 999, 70000, 7]])]));
    assert.deepEqual(h.take().map((r) => [r.bytes, r.packets]), [[100, 1], [2 ** 40, 5], [70000, 7]]);
  });

  it('reads reduced-size fields (2-byte ifIndex, 1- and 3-byte counters, 8-byte ifIndex) and skips unknown and vendor types', () => {
    const h = new Harness();
    const fields: FieldSpec[] = [{ id: 40001, length: 6 }, { id: 8, length: 4 }, { id: 10, length: 2 }, { id: 14, length: 8 },
      { id: 1, length: 3 }, { id: 2, length: 1 }, { id: 82, length: 5 }, { id: 12, length: 4 }];
    h.feed(packet(1, [v9TemplateSet([{ id: 999, fields }]),
      dataSet(999, fields, [[new Uint8Array(6).fill(0xff), '10.9.9.9', 0xfffe, 4000000000, 0x123456, 200, new Uint8Array(5).fill(1), '10.8.8.8']])]));
    assert.deepEqual(h.take().map((r) => [r.src, r.dst, r.inputIf, r.outputIf, r.bytes, r.packets]),
      [['10.9.9.9', '10.8.8.8', 0xfffe, 4000000000, 0x123456, 200]]);
  });

  it('ignores addresses of the wrong length', () => {
    const h = new Harness();
    const fields: FieldSpec[] = [{ id: 8, length: 3 }, { id: 12, length: 4 }, { id: 1, length: 4 }];
    h.feed(packet(1, [v9TemplateSet([{ id: 256, fields }]), dataSet(256, fields, [[new Uint8Array([1, 2, 3]), '10.0.0.2', 5]])]));
    assert.deepEqual(h.take().map((r) => [r.src, r.dst]), [['0.0.0.0', '10.0.0.2']]);
  });

  describe('sampling', () => {
    const sampler: FieldSpec[] = [{ id: 48, length: 1 }, { id: 49, length: 1 }, { id: 50, length: 4 }];
    const withId: FieldSpec[] = [...V4, { id: 48, length: 1 }];
    const idRow = (id: number) => [...row('10.0.0.1', 10), id];

    it('renormalises by the FLOW_SAMPLER_RANDOM_INTERVAL of the record\'s FLOW_SAMPLER_ID, else the configured rate', () => {
      const h = new Harness();
      h.configured.set(0, 7);
      h.feed(packet(1, [v9OptionsTemplateSet([{ id: 257, scope: [{ id: 1, length: 4 }], fields: sampler }]),
        dataSet(257, [{ id: 1, length: 4 }, ...sampler], [[0, 1, 2, 100], [0, 2, 2, 1000]]),
        v9TemplateSet([{ id: 256, fields: withId }]),
        dataSet(256, withId, [idRow(1), idRow(2), idRow(3), idRow(3), idRow(4)])]));
      assert.deepEqual(h.take().map((r) => r.samplingRate), [100, 1000, 7, 7, 7]);
      assert.equal(h.fallbackCalls, 1, 'the configured rate is asked once per data set, not per record');
      assert.equal(h.decoder.samplers, 2);
    });

    it('uses SAMPLING_INTERVAL options without a sampler id for records without one; System scope covers every source id', () => {
      const h = new Harness();
      h.configured.set(0, 3);
      const opts: FieldSpec[] = [{ id: 34, length: 4 }, { id: 35, length: 1 }];
      h.feed(packet(1, [v9OptionsTemplateSet([{ id: 260, scope: [{ id: 2, length: 2 }], fields: opts }]),
        dataSet(260, [{ id: 2, length: 2 }, ...opts], [[5, 512, 2]]), v9TemplateSet([{ id: 256, fields: V4 }]),
        dataSet(256, V4, [row('10.0.0.1', 1)])], 10));
      // Interface scope: only source id 10.
      h.feed(packet(1, [v9TemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [row('10.0.0.2', 1)])], 11));
      // System scope from source id 12 applies to source id 13 too.
      h.feed(packet(1, [v9OptionsTemplateSet([{ id: 261, scope: [{ id: 1, length: 4 }], fields: opts }]),
        dataSet(261, [{ id: 1, length: 4 }, ...opts], [[0, 64, 2]])], 12));
      h.feed(packet(1, [v9TemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [row('10.0.0.3', 1)])], 13));
      assert.deepEqual(h.take().map((r) => [r.src, r.samplingRate]), [['10.0.0.1', 512], ['10.0.0.2', 3], ['10.0.0.3', 64]]);
    });

    it('takes a SAMPLING_INTERVAL carried in the data record itself', () => {
      const h = new Harness();
      const fields: FieldSpec[] = [{ id: 8, length: 4 }, { id: 34, length: 2 }, { id: 1, length: 4 }];
      h.feed(packet(1, [v9TemplateSet([{ id: 256, fields }]), dataSet(256, fields, [['10.0.0.1', 10, 1], ['10.0.0.2', 0, 1]])]));
      assert.deepEqual(h.take().map((r) => r.samplingRate), [10, 1]);
    });

    it('forgets learnt samplers after templateTimeout', () => {
      const h = new Harness(60);
      h.configured.set(0, 5);
      h.feed(packet(1, [v9OptionsTemplateSet([{ id: 257, scope: [{ id: 1, length: 4 }], fields: sampler }]),
        dataSet(257, [{ id: 1, length: 4 }, ...sampler], [[0, 1, 2, 100]]), v9TemplateSet([{ id: 256, fields: withId }])]));
      h.nowMs += 59_000;
      h.feed(packet(2, [v9TemplateSet([{ id: 256, fields: withId }]), dataSet(256, withId, [idRow(1)])]));
      h.nowMs += 59_000;
      h.feed(packet(3, [v9TemplateSet([{ id: 256, fields: withId }]), dataSet(256, withId, [idRow(1)])]));
      assert.deepEqual(h.take().map((r) => r.samplingRate), [100, 5]);
    });
  });

  it('counts lost export packets per source id, tolerating reordering and restarts', () => {
    const h = new Harness();
    const tpl = v9TemplateSet([{ id: 256, fields: V4 }]);
    h.feed(packet(10, [tpl], 1, 50_000));
    h.feed(packet(11, [tpl], 1, 50_010));
    h.feed(packet(15, [tpl], 1, 50_020));
    assert.equal(h.counter('LOST_DATAGRAMS'), 3);
    h.feed(packet(13, [tpl], 1, 50_015)); // late
    h.feed(packet(16, [tpl], 1, 50_030));
    h.feed(packet(100, [tpl], 2, 50_030)); // another source id: its own stream
    assert.equal(h.counter('LOST_DATAGRAMS'), 3);
    h.feed(packet(3_000_000_000, [tpl], 1, 50_040)); // far jump: resync, not 3 billion lost
    h.feed(packet(4294967295, [tpl], 1, 50_050)); // and again
    h.feed(packet(1, [tpl], 1, 50_060)); // wraps past 0: 1 lost
    assert.equal(h.counter('LOST_DATAGRAMS'), 4);
    h.feed(packet(0, [tpl], 1, 1_000)); // uptime back: restart
    h.feed(packet(1, [tpl], 1, 1_010));
    assert.equal(h.counter('LOST_DATAGRAMS'), 4);
  });

  describe('malformed input', () => {
    it('counts bad FlowSet lengths, bad templates, and keeps going where it can', () => {
      const h = new Harness();
      const zero = new Uint8Array([0x01, 0x00, 0x00, 0x00]);
      h.feed(packet(1, [zero, v9TemplateSet([{ id: 256, fields: V4 }])]));
      assert.equal(h.stats.errors[FlowError.BAD_TEMPLATE], 1);
      assert.equal(h.decoder.templates, 0, 'the walk stops at a set of length 0');
      const past = v9TemplateSet([{ id: 256, fields: V4 }]);
      h.feed(packet(2, [past.subarray(0, past.length - 4)]));
      const truncated = packet(3, [past]);
      h.feed(truncated.subarray(0, truncated.length - 1));
      assert.equal(h.stats.errors[FlowError.TRUNCATED], 2);
      h.feed(packet(4, [v9TemplateSet([{ id: 256, fields: [] }])]));
      h.feed(packet(5, [v9TemplateSet([{ id: 12, fields: V4 }])]));
      h.feed(packet(6, [v9TemplateSet([{ id: 256, fields: Array.from({ length: 300 }, () => ({ id: 1, length: 4 })) }])]));
      h.feed(packet(7, [v9TemplateSet([{ id: 256, fields: [{ id: 1, length: 0 }] }])]));
      assert.equal(h.stats.errors[FlowError.BAD_TEMPLATE], 5);
      assert.equal(h.decoder.templates, 0);
      // A field count larger than the set.
      const huge = v9TemplateSet([{ id: 256, fields: V4 }]);
      huge[7] = 0xff;
      h.feed(packet(8, [huge]));
      assert.equal(h.stats.errors[FlowError.TRUNCATED], 3);
      // Reserved FlowSet ids are skipped; padding after the last record is not an error.
      h.feed(packet(9, [set(7, new Uint8Array(8)), v9TemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [row('10.0.0.1', 1)], 16)]));
      assert.equal(h.take().length, 1);
      assert.equal(h.counter('MALFORMED'), 8);
    });

    it('caps the templates of all exporters together, sharing them out as more exporters come', () => {
      const h = new Harness();
      const fields: FieldSpec[] = [{ id: 8, length: 4 }];
      const exporters = 9;
      const each = 2048;
      for (let e = 0; e < exporters; e++) {
        for (let i = 0; i < each; i += 256) {
          h.feed(packet(i, [v9TemplateSet(Array.from({ length: 256 }, (_, j) => ({ id: 256 + i + j, fields })))]), e);
        }
      }
      assert.equal(h.decoder.templates, MAX_TEMPLATES);
      // The ninth took its room from the eight that held the most, down to equal shares.
      const held = Array.from({ length: exporters }, (_, e) => h.decoder.templatesOf(e));
      assert.ok(held.every((n) => Math.abs(n - MAX_TEMPLATES / exporters) <= 1), held.join(' '));
      let evicted = 0;
      for (let e = 0; e < exporters; e++) evicted += h.counter('EVICTED', e);
      assert.equal(evicted, exporters * each - MAX_TEMPLATES);
      assert.equal(h.stats.errors.reduce((a, b) => a + b, 0), 0, 'no error: nothing was refused');
      // Once they expire, room is made again.
      h.nowMs += 1801_000;
      h.feed(packet(1, [v9TemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [row('10.0.0.1', 1)])]), exporters);
      assert.equal(h.take().length, 1);
      assert.equal(h.decoder.templates, 1);
    });

    it('an exporter flooding the whole cache cycles its own templates, not the others\'', () => {
      const h = new Harness();
      h.feed(packet(1, [v9TemplateSet([{ id: 256, fields: V4 }])]), 1);
      const fields: FieldSpec[] = [{ id: 8, length: 4 }];
      const sent = Math.ceil((MAX_TEMPLATES + 100) / 100) * 100; // whole datagrams of 100
      for (let i = 0; i < sent; i += 100) {
        const templates = Array.from({ length: 100 }, (_, j) => ({ id: 256 + i + j, fields }));
        h.feed(packet(i, [v9TemplateSet(templates)]), 0);
      }
      assert.equal(h.decoder.templatesOf(0), MAX_TEMPLATES - 1);
      assert.equal(h.decoder.templatesOf(1), 1);
      assert.equal(h.counter('EVICTED', 0), sent - (MAX_TEMPLATES - 1));
      assert.equal(h.counter('EVICTED', 1), 0);
      h.feed(packet(2, [dataSet(256, V4, [row('10.0.0.1', 1)])]), 1);
      assert.equal(h.take().length, 1);
    });
  });
});
