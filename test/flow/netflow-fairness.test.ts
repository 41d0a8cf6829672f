import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowError } from '../../src/flow/flow-sink.ts';
import { MAX_SAMPLERS } from '../../src/flow/netflow-sampling.ts';
import { MAX_TEMPLATES, PROTECTED_TEMPLATES } from '../../src/flow/netflow-template-cache.ts';
import { dataSet, type FieldSpec, v9OptionsTemplateSet, v9Packet, v9TemplateSet } from '../support/netflow-builder.ts';
import { Harness } from './netflow-harness.ts';

/**
 * Hostile exporters against the NetFlow v9 / IPFIX state caches (issue 14, attacker's review):
 * exporters (or spoofed source addresses) that fill the template cache and the sampler table
 * and keep their entries alive must not keep a legitimate router's templates or samplers out.
 */

const V4: FieldSpec[] = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 4, length: 1 }, { id: 1, length: 4 }, { id: 2, length: 4 }];
const SAMPLED: FieldSpec[] = [...V4, { id: 48, length: 1 }];
const row = (src: string, bytes: number) => [src, '198.51.100.9', 6, bytes, 1];
/** A minimal template (one field): what a flood sends, 170 to a datagram. */
const TINY: FieldSpec[] = [{ id: 8, length: 4 }];

function packet(sequence: number, sets: Uint8Array[], sourceId = 0): Uint8Array {
  return v9Packet({ sequence, sourceId, sysUptime: 100_000 }, sets);
}

/** Exporter `e` sends templates `first .. first+count)` (256 to a datagram). */
function flood(h: Harness, e: number, first: number, count: number): void {
  for (let i = 0; i < count; i += 256) {
    const n = Math.min(256, count - i);
    h.feed(packet(i, [v9TemplateSet(Array.from({ length: n }, (_, j) => ({ id: 256 + first + i + j, fields: TINY })))]), e);
  }
}

const LEGIT = 100;

describe('netflow template cache: hostile exporters cannot starve a legitimate one', () => {
  it('8 exporters filling the cache and resending: a new router\'s template gets in and its records are counted', () => {
    const h = new Harness();
    const hostile = 8;
    const each = MAX_TEMPLATES / hostile;
    for (let e = 0; e < hostile; e++) flood(h, e, 0, each);
    assert.equal(h.decoder.templates, MAX_TEMPLATES, 'the flood fills the cache');
    // They keep them alive (a resend refreshes), and try new ids on top.
    for (let e = 0; e < hostile; e++) flood(h, e, 0, each + 512);
    assert.equal(h.decoder.templates, MAX_TEMPLATES, 'bounded');
    h.take();

    h.feed(packet(1, [v9TemplateSet([{ id: 256, fields: V4 }, { id: 257, fields: SAMPLED }]),
      dataSet(256, V4, [row('10.0.0.1', 1500), row('10.0.0.2', 40)])]), LEGIT);
    assert.equal(h.take().length, 2, 'the router\'s records are counted');
    assert.equal(h.counter('MALFORMED', LEGIT), 0);
    assert.equal(h.decoder.templatesOf(LEGIT), 2);

    // The flood goes on with new ids and resends: the router's templates stay.
    for (let e = 0; e < hostile; e++) flood(h, e, 4096, 2048);
    for (let e = 0; e < hostile; e++) flood(h, e, 0, each);
    h.feed(packet(2, [dataSet(256, V4, [row('10.0.0.3', 100)])]), LEGIT);
    assert.equal(h.take().length, 1);
    assert.equal(h.counter('MALFORMED', LEGIT), 0);
    assert.equal(h.counter('EVICTED', LEGIT), 0, 'nothing of the router\'s was evicted');
    assert.equal(h.decoder.templates, MAX_TEMPLATES);
    let evicted = 0;
    for (let e = 0; e < hostile; e++) evicted += h.counter('EVICTED', e);
    assert.ok(evicted > 0, 'the flood evicts its own templates');
    assert.equal(h.stats.errors[FlowError.BAD_TEMPLATE], 0, 'a full cache is not a bad template');
  });

  it('one exporter holding the whole cache gives way to many routers, each to an equal share', () => {
    const h = new Harness();
    flood(h, 0, 0, MAX_TEMPLATES + 256);
    assert.equal(h.decoder.templatesOf(0), MAX_TEMPLATES);
    const routers = 40;
    for (let r = 1; r <= routers; r++) flood(h, r, 0, 300);
    for (let r = 1; r <= routers; r++) assert.equal(h.decoder.templatesOf(r), 300, `router ${r}`);
    assert.equal(h.decoder.templatesOf(0), MAX_TEMPLATES - routers * 300);
    assert.equal(h.counter('EVICTED', 0), routers * 300 + 256);
  });

  it('many spoofed exporters: a router\'s templates already held are never taken; a refusal is template_cache_full', () => {
    const h = new Harness();
    h.feed(packet(1, [v9TemplateSet(Array.from({ length: 50 }, (_, j) => ({ id: 256 + j, fields: V4 })))]), LEGIT);
    const spoofed = 4096;
    const each = MAX_TEMPLATES / spoofed;
    for (let e = 0; e < spoofed + 64; e++) if (e !== LEGIT) flood(h, 1000 + e, 0, each);
    assert.equal(h.decoder.templates, MAX_TEMPLATES);
    assert.equal(h.decoder.templatesOf(LEGIT), 50, `at most ${PROTECTED_TEMPLATES} of an exporter's templates are protected`);
    h.feed(packet(2, [dataSet(256 + 49, V4, [row('10.0.0.1', 1)])]), LEGIT);
    assert.equal(h.take().filter((r) => r.exporter === LEGIT).length, 1);
    // When every exporter holds no more than the protected share, a newcomer is refused, counted apart.
    assert.ok(h.stats.errors[FlowError.TEMPLATE_CACHE_FULL] > 0);
    assert.equal(h.stats.errors[FlowError.BAD_TEMPLATE], 0);
  });
});

describe('netflow sampler table: hostile exporters cannot starve a legitimate one', () => {
  it('a flood of sampler options leaves room for a router\'s sampler: its records are scaled', () => {
    const h = new Harness();
    const options = v9OptionsTemplateSet([{ id: 300, scope: [{ id: 1, length: 4 }], fields: [{ id: 48, length: 2 }, { id: 34, length: 4 }] }]);
    const hostile = 4;
    for (let e = 0; e < hostile; e++) {
      for (let i = 0; i < MAX_SAMPLERS / hostile + 1000; i += 200) {
        const rows = Array.from({ length: 200 }, (_, j) => [0, (i + j) & 0xffff, 7]);
        h.feed(packet(i, [options, dataSet(300, [{ id: 1, length: 4 }, { id: 48, length: 2 }, { id: 34, length: 4 }], rows)]), e);
      }
    }
    assert.equal(h.decoder.samplers, MAX_SAMPLERS, 'the flood fills the table');
    h.feed(packet(1, [options, v9TemplateSet([{ id: 257, fields: SAMPLED }]),
      dataSet(300, [{ id: 1, length: 4 }, { id: 48, length: 2 }, { id: 34, length: 4 }], [[0, 5, 100]]),
      dataSet(257, SAMPLED, [[...row('10.0.0.1', 1500), 5]])]), LEGIT);
    assert.deepEqual(h.take().map((r) => r.samplingRate), [100], 'the router\'s sampler was learnt');
    assert.equal(h.decoder.samplers, MAX_SAMPLERS);
    assert.equal(h.counter('EVICTED', LEGIT), 0);
  });
});

describe('netflow sequence streams: hostile exporters cannot stop a router\'s loss from being counted', () => {
  it('16 exporters filling the stream table with source ids: a new router\'s lost datagrams are still counted', () => {
    const h = new Harness();
    const header = new Uint8Array(20);
    const view = new DataView(header.buffer);
    view.setUint16(0, 9);
    for (let e = 0; e < 16; e++) {
      for (let id = 0; id < 4096 + 256; id++) {
        view.setUint32(16, id);
        h.feed(header, e);
      }
    }
    assert.equal(h.decoder.sequenceStreams, 65536, 'the flood fills the table');
    h.feed(packet(1, [v9TemplateSet([{ id: 256, fields: V4 }])]), LEGIT);
    h.feed(packet(5, [dataSet(256, V4, [row('10.0.0.1', 1)])]), LEGIT);
    assert.equal(h.counter('LOST_DATAGRAMS', LEGIT), 3);
  });
});
