/**
 * Seeded NetFlow v5 / v9 / IPFIX datagram generator and mutator, shared by the fuzz and
 * no-allocation tests and by bench/flow-decode.ts. Exporters speak one version each, have a few
 * templates (plain, IPv6, reduced-size, variable-length, enterprise fields, sampler ids) and
 * send 20-30 records per datagram; the first datagrams of each exporter carry its templates
 * and sampler options.
 */
import { Prng } from '../support/prng.ts';
import { dataSet, type FieldSpec, type FieldValue, ipfixMessage, ipfixOptionsTemplateSet, ipfixTemplateSet, v5Datagram, v9OptionsTemplateSet,
  v9Packet, v9TemplateSet } from '../support/netflow-builder.ts';

/** Template shapes the generator draws from. */
export const SHAPES: ReadonlyArray<{ name: string; fields: FieldSpec[]; ipfixOnly?: boolean }> = [
  { name: 'cisco-v4', fields: [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 },
    { id: 10, length: 2 }, { id: 14, length: 2 }, { id: 1, length: 4 }, { id: 2, length: 4 }, { id: 21, length: 4 }, { id: 22, length: 4 },
    { id: 6, length: 1 }, { id: 5, length: 1 }, { id: 61, length: 1 }] },
  { name: 'v6', fields: [{ id: 27, length: 16 }, { id: 28, length: 16 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 },
    { id: 10, length: 4 }, { id: 14, length: 4 }, { id: 1, length: 8 }, { id: 2, length: 8 }, { id: 58, length: 2 }] },
  { name: 'sampled-v4', fields: [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 },
    { id: 1, length: 8 }, { id: 2, length: 8 }, { id: 48, length: 1 }] },
  { name: 'totals', fields: [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 4, length: 1 }, { id: 85, length: 8 }, { id: 86, length: 8 },
    { id: 243, length: 2 }] },
  { name: 'variable', ipfixOnly: true, fields: [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 82, length: 65535 }, { id: 7, length: 2 },
    { id: 11, length: 2 }, { id: 4, length: 1 }, { id: 1, length: 4 }, { id: 2, length: 4 }, { id: 1, length: 4, enterprise: 2636 }] },
];

const SAMPLER_OPTIONS: FieldSpec[] = [{ id: 48, length: 1 }, { id: 49, length: 1 }, { id: 50, length: 4 }];

function address(rng: Prng, v6: boolean): string {
  if (!v6) return `10.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`;
  return `2001:db8:${rng.int(65536).toString(16)}::${rng.int(65536).toString(16)}`;
}

function value(rng: Prng, f: FieldSpec): FieldValue {
  if (f.id === 8 || f.id === 12) return address(rng, false);
  if (f.id === 27 || f.id === 28) return address(rng, true);
  if (f.length === 65535) return 'x'.repeat(rng.int(rng.chance(0.1) ? 400 : 12));
  if (f.id === 48) return 1 + rng.int(3);
  if (f.length >= 4) return rng.int(f.id === 1 || f.id === 85 ? 1_000_000 : 100_000);
  return rng.int(2 ** (8 * f.length));
}

/** One exporter's fixed choices. */
interface ExporterPlan {
  version: 5 | 9 | 10;
  domain: number;
  templates: Array<{ id: number; fields: FieldSpec[] }>;
  sequence: number;
}

/** Generates valid datagrams; `templateDatagrams(e)` gives what exporter `e` must send first. */
export class NetflowGenerator {
  readonly rng: Prng;
  readonly exporters: ExporterPlan[] = [];

  constructor(seed: number, exporters: number, templatesPerExporter: number, versions: ReadonlyArray<5 | 9 | 10> = [5, 9, 10, 10, 9]) {
    this.rng = new Prng(seed);
    for (let e = 0; e < exporters; e++) {
      const version = versions[e % versions.length];
      const templates = [];
      for (let t = 0; t < templatesPerExporter; t++) {
        const shapes = SHAPES.filter((s) => version === 10 || s.ipfixOnly !== true);
        templates.push({ id: 256 + t, fields: shapes[(e + t) % shapes.length].fields });
      }
      this.exporters.push({ version, domain: this.rng.int(4), templates, sequence: this.rng.next() });
    }
  }

  /** The template (and sampler options) datagram of exporter `e` (empty for v5). */
  templateDatagram(e: number): Uint8Array | null {
    const x = this.exporters[e];
    if (x.version === 5) return null;
    const scope: FieldSpec[] = [{ id: x.version === 9 ? 1 : 149, length: 4 }];
    const optionsRows = [1, 2, 3].map((id) => [0, id, 2, 10 * id]);
    if (x.version === 9) {
      return v9Packet({ sequence: x.sequence++, sourceId: x.domain }, [v9TemplateSet(x.templates),
        v9OptionsTemplateSet([{ id: 1000, scope, fields: SAMPLER_OPTIONS }]), dataSet(1000, [...scope, ...SAMPLER_OPTIONS], optionsRows)]);
    }
    const m = ipfixMessage({ sequence: x.sequence, domain: x.domain }, [ipfixTemplateSet(x.templates),
      ipfixOptionsTemplateSet([{ id: 1000, scope, fields: SAMPLER_OPTIONS }]), dataSet(1000, [...scope, ...SAMPLER_OPTIONS], optionsRows)]);
    x.sequence += 3;
    return m;
  }

  /** A data datagram of exporter `e` with `records` records (v5: at most 30). */
  dataDatagram(e: number, records = 20 + this.rng.int(11)): Uint8Array {
    const x = this.exporters[e];
    const rng = this.rng;
    if (x.version === 5) {
      const n = Math.min(records, 30);
      const flows = Array.from({ length: n }, () => ({ src: address(rng, false), dst: address(rng, false), packets: 1 + rng.int(100),
        bytes: 40 + rng.int(100000), srcPort: rng.int(65536), dstPort: rng.int(65536), protocol: rng.pick([6, 17, 1]),
        input: rng.int(64), output: rng.int(64) }));
      const d = v5Datagram({ sequence: x.sequence, engineId: x.domain, samplingInterval: rng.chance(0.5) ? 0 : 0x4000 | 100 }, flows);
      x.sequence += n;
      return d;
    }
    const t = x.templates[rng.int(x.templates.length)];
    const rows = Array.from({ length: records }, () => t.fields.map((f) => value(rng, f)));
    if (x.version === 9) return v9Packet({ sequence: x.sequence++, sourceId: x.domain }, [dataSet(t.id, t.fields, rows)]);
    const m = ipfixMessage({ sequence: x.sequence, domain: x.domain }, [dataSet(t.id, t.fields, rows)]);
    x.sequence += records;
    return m;
  }
}

export const MUTATION_NAMES = ['none', 'bit flips', 'byte set', 'truncate', 'length field', 'count/id field', 'splice', 'garbage'] as const;

/**
 * Mutates `valid` into `out` (big enough: valid.length + 64) and returns the new length and
 * the mutation used (an index into MUTATION_NAMES) in `last`.
 */
export class NetflowMutator {
  last = 0;
  readonly #rng: Prng;

  constructor(rng: Prng) {
    this.#rng = rng;
  }

  mutate(valid: Uint8Array, other: Uint8Array, out: Uint8Array): number {
    const rng = this.#rng;
    let n = valid.length;
    out.set(valid);
    const m = rng.weighted([10, 20, 15, 15, 15, 15, 5, 5], 100);
    this.last = m;
    switch (m) {
      case 1: for (let i = 1 + rng.int(4); i > 0; i--) out[rng.int(n)] ^= 1 << rng.int(8); break;
      case 2: for (let i = 1 + rng.int(3); i > 0; i--) out[rng.int(n)] = rng.pick([0, 0xff, 0x80, 1, rng.int(256)]); break;
      case 3: n = rng.int(n + 1); break;
      case 4: case 5: {
        // A 16-bit field at a likely header / set / template position.
        const p = rng.pick([2, 16, 18, 20, 22, 24, 26, 28, rng.int(Math.max(1, n - 1))]);
        if (p + 1 < n) {
          const v = rng.pick([0, 1, 3, 4, 0xffff, 0x8000, 255, 256, rng.int(65536)]);
          out[p] = v >> 8;
          out[p + 1] = v;
        }
        break;
      }
      case 6: {
        const cut = rng.int(n + 1);
        const take = Math.min(other.length, out.length - cut);
        out.set(other.subarray(0, take), cut);
        n = cut + take;
        break;
      }
      case 7: {
        n = rng.int(out.length);
        rng.fill(out, rng.chance(0.5) ? 0 : 2, n);
        break;
      }
      default: break;
    }
    return n;
  }
}
