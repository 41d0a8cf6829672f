/**
 * Template life cycles no exporter run gives on demand, written with the builder and sent to
 * nfacctd (one exporter address per scenario, one run) and to otelacct's decoder: a template
 * refreshed mid-stream, a template id redefined with another layout, sampler options arriving
 * after the data that needs them, two observation domains using one template id for different
 * layouts, and an exporter restart (sequence and uptime back, templates resent). Per pair the
 * renormalised totals must equal nfacctd's and the values the scenario was written with.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffTotals, netflowDecoderTotals, runPmacctCollector, type FlowCounters } from '../support/flow-oracle.ts';
import {
  dataSet, type FieldSpec, ipfixMessage, ipfixTemplateSet, v9OptionsTemplateSet, v9Packet, v9TemplateSet,
} from '../support/netflow-builder.ts';
import { skipUnless } from '../support/requirements.ts';

const V4: FieldSpec[] = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 1, length: 4 }, { id: 2, length: 4 }];
/** Template 256 redefined: other order, other lengths. */
const V4_REDEFINED: FieldSpec[] = [{ id: 2, length: 8 }, { id: 1, length: 8 }, { id: 12, length: 4 }, { id: 4, length: 1 }, { id: 8, length: 4 }];
const V6: FieldSpec[] = [{ id: 27, length: 16 }, { id: 28, length: 16 }, { id: 1, length: 8 }, { id: 2, length: 8 }];
const WITH_SAMPLER: FieldSpec[] = [...V4, { id: 48, length: 1 }];
const SAMPLER_SCOPE: FieldSpec[] = [{ id: 1, length: 4 }];
const SAMPLER: FieldSpec[] = [{ id: 48, length: 1 }, { id: 49, length: 1 }, { id: 50, length: 4 }];

interface Scenario {
  what: string;
  datagrams: Uint8Array[];
  /** Per pair "src dst": what the scenario sent, renormalised. */
  expected: Record<string, FlowCounters>;
}

/** A v9 packet with `count` records (templates included): nfacctd reads FlowSets only until it has seen that many. */
const v9 = (sequence: number, sysUptime: number, sets: Uint8Array[], count: number): Uint8Array => v9Packet({ sequence, sourceId: 0, sysUptime, count }, sets);

const SCENARIOS: Scenario[] = [
  {
    what: 'v9: template refreshed, then redefined with another layout; later records use the new one',
    datagrams: [
      v9(1, 60_000, [v9TemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [['10.0.0.1', '192.0.2.1', 1000, 10]])], 2),
      v9(2, 61_000, [v9TemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [['10.0.0.2', '192.0.2.1', 2000, 20]])], 2),
      v9(3, 62_000, [v9TemplateSet([{ id: 256, fields: V4_REDEFINED }]), dataSet(256, V4_REDEFINED, [[30, 3000, '192.0.2.1', 6, '10.0.0.3']])], 2),
      v9(4, 63_000, [dataSet(256, V4_REDEFINED, [[40, 4000, '192.0.2.1', 17, '10.0.0.4']])], 1),
    ],
    expected: { '10.0.0.1 192.0.2.1': { bytes: 1000, packets: 10 }, '10.0.0.2 192.0.2.1': { bytes: 2000, packets: 20 },
      '10.0.0.3 192.0.2.1': { bytes: 3000, packets: 30 }, '10.0.0.4 192.0.2.1': { bytes: 4000, packets: 40 } },
  },
  {
    what: 'v9: sampler options after the data that names the sampler: unscaled before, × 10 after',
    datagrams: [
      v9(1, 60_000, [v9TemplateSet([{ id: 256, fields: WITH_SAMPLER }]), dataSet(256, WITH_SAMPLER, [['10.1.0.1', '192.0.2.1', 100, 1, 1]])], 2),
      v9(2, 61_000, [v9OptionsTemplateSet([{ id: 257, scope: SAMPLER_SCOPE, fields: SAMPLER }]),
        dataSet(257, [...SAMPLER_SCOPE, ...SAMPLER], [[0, 1, 2, 10]])], 2),
      v9(3, 62_000, [dataSet(256, WITH_SAMPLER, [['10.1.0.2', '192.0.2.1', 100, 1, 1]])], 1),
    ],
    expected: { '10.1.0.1 192.0.2.1': { bytes: 100, packets: 1 }, '10.1.0.2 192.0.2.1': { bytes: 1000, packets: 10 } },
  },
  {
    what: 'IPFIX: two observation domains, template 256 an IPv4 layout in one and IPv6 in the other',
    datagrams: [
      ipfixMessage({ sequence: 0, domain: 1 }, [ipfixTemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [['10.2.0.1', '192.0.2.1', 500, 5]])]),
      ipfixMessage({ sequence: 0, domain: 2 }, [ipfixTemplateSet([{ id: 256, fields: V6 }]), dataSet(256, V6, [['2001:db8::1', '2001:db8::2', 600, 6]])]),
      ipfixMessage({ sequence: 1, domain: 1 }, [dataSet(256, V4, [['10.2.0.1', '192.0.2.1', 500, 5]])]),
      ipfixMessage({ sequence: 1, domain: 2 }, [dataSet(256, V6, [['2001:db8::1', '2001:db8::2', 600, 6]])]),
    ],
    expected: { '10.2.0.1 192.0.2.1': { bytes: 1000, packets: 10 }, '2001:db8::1 2001:db8::2': { bytes: 1200, packets: 12 } },
  },
  {
    what: 'v9: exporter restart (sequence and uptime back, templates resent with another layout)',
    datagrams: [
      v9(500, 900_000, [v9TemplateSet([{ id: 256, fields: V4 }]), dataSet(256, V4, [['10.3.0.1', '192.0.2.1', 700, 7]])], 2),
      v9(501, 901_000, [dataSet(256, V4, [['10.3.0.1', '192.0.2.1', 700, 7]])], 1),
      v9(0, 1_000, [v9TemplateSet([{ id: 256, fields: V4_REDEFINED }]), dataSet(256, V4_REDEFINED, [[8, 800, '192.0.2.1', 6, '10.3.0.2']])], 2),
      v9(1, 2_000, [dataSet(256, V4_REDEFINED, [[8, 800, '192.0.2.1', 6, '10.3.0.2']])], 1),
    ],
    expected: { '10.3.0.1 192.0.2.1': { bytes: 1400, packets: 14 }, '10.3.0.2 192.0.2.1': { bytes: 1600, packets: 16 } },
  },
];

function decode(datagrams: readonly Uint8Array[]) {
  return netflowDecoderTotals(datagrams, (r) => `${r.src} ${r.dst}`);
}

describe('template life cycles: otelacct = nfacctd = what was sent', () => {
  test('refresh, redefinition, sampler options after data, two domains, restart', async (t) => {
    if (!skipUnless(t, { tools: ['nfacctd'] })) return;
    const source = (i: number): string => `127.0.0.${40 + i}`;
    const nf = await runPmacctCollector({ kind: 'nfacctd', datagrams: [], renormalize: true, aggregate: ['peer_src_ip', 'src_host', 'dst_host'],
      streams: SCENARIOS.map((s, i) => ({ source: source(i), datagrams: s.datagrams })) });
    SCENARIOS.forEach((s, i) => {
      const ours = decode(s.datagrams);
      assert.equal(ours.problems, 0, `${s.what}: no error, no loss`);
      const expected = new Map(Object.entries(s.expected));
      assert.deepEqual(diffTotals(ours.totals, expected), [], `otelacct on ${s.what}`);
      const theirs = new Map([...nf.totals].filter(([k]) => k.startsWith(`${source(i)} `)).map(([k, c]) => [k.slice(k.indexOf(' ') + 1), c]));
      assert.deepEqual(diffTotals(theirs, expected), [], `nfacctd on ${s.what}`);
    });
  });
});
