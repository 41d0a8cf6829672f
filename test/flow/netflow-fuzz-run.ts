import { FlowCounter, FlowRecord, type FlowSink, FlowStats, FLOW_ERROR_NAMES } from '../../src/flow/flow-sink.ts';
import { NetflowDecoder } from '../../src/flow/netflow-decoder.ts';
import { MAX_TEMPLATES } from '../../src/flow/netflow-template-cache.ts';
import { Prng } from '../support/prng.ts';
import { MUTATION_NAMES, NetflowGenerator, NetflowMutator } from './netflow-generator.ts';

/** A sink that checks each record's ranges and counts records per exporter. */
class CheckingSink implements FlowSink {
  readonly perExporter: Float64Array;
  records = 0;
  problem = '';

  constructor(exporters: number) {
    this.perExporter = new Float64Array(exporters);
  }

  record(exporter: number, r: FlowRecord): void {
    this.records++;
    this.perExporter[exporter]++;
    if (this.problem !== '') return;
    if (!(r.samplingRate >= 1 && Number.isFinite(r.samplingRate))) this.problem = `sampling rate ${r.samplingRate}`;
    else if (!(r.bytes >= 0 && Number.isFinite(r.bytes) && r.packets >= 0 && Number.isFinite(r.packets))) this.problem = `counts ${r.bytes}/${r.packets}`;
    else if (r.srcPort > 0xffff || r.dstPort > 0xffff || r.protocol > 0xff || r.vlanId > 0xfff) this.problem = 'a field out of range';
    else if (!(r.inputIf >= 0 && r.inputIf < 2 ** 32 && r.outputIf >= 0 && r.outputIf < 2 ** 32)) this.problem = 'ifIndex out of range';
  }

  sampledHeader(): void {
    this.problem = 'sampledHeader called';
  }
}

export interface FuzzSummary {
  datagrams: number;
  records: number;
  errors: Record<string, number>;
  mutations: Record<string, number>;
  templates: number;
  seconds: number;
}

/**
 * Feeds `datagrams` datagrams (valid templates and data, 90 % of data mutated, some garbage and
 * some from unknown exporters) from seed `seed` to one NetflowDecoder and checks after each one
 * that nothing threw and the counters agree with what the sink saw. Throws naming the seed, the
 * datagram number and its bytes at the first broken invariant.
 */
export function runNetflowFuzz(seed: number, datagrams: number, exporters = 40): FuzzSummary {
  const gen = new NetflowGenerator(seed, exporters, 3);
  const rng = new Prng(seed ^ 0x5eed);
  const mutator = new NetflowMutator(rng);
  const pool: Array<{ exporter: number; data: Uint8Array }> = [];
  const templates: Array<{ exporter: number; data: Uint8Array }> = [];
  for (let e = 0; e < exporters; e++) {
    const t = gen.templateDatagram(e);
    if (t !== null) templates.push({ exporter: e, data: t });
    for (let i = 0; i < 8; i++) pool.push({ exporter: e, data: gen.dataDatagram(e, 1 + rng.int(30)) });
  }
  const out = new Uint8Array(Math.max(...pool.map((p) => p.data.length), ...templates.map((t) => t.data.length)) + 64);
  const sink = new CheckingSink(exporters + 100);
  const stats = new FlowStats();
  const decoder = new NetflowDecoder(sink, stats, { templateTimeout: 600, samplingRate: (e) => (e % 3 === 0 ? 0 : e) });
  const mutations = new Array<number>(MUTATION_NAMES.length).fill(0);
  let nowMs = 1e12;
  const t0 = performance.now();
  for (let i = 0; i < datagrams; i++) {
    nowMs += rng.int(50);
    const useTemplate = rng.chance(0.05);
    const src = useTemplate ? rng.pick(templates) : rng.pick(pool);
    const other = rng.pick(pool).data;
    const length = rng.chance(0.1) && !useTemplate ? (out.set(src.data), mutator.last = 0, src.data.length) : mutator.mutate(src.data, other, out);
    if (!useTemplate || mutator.last !== 0) mutations[mutator.last]++;
    const exporter = rng.chance(0.02) ? exporters + rng.int(100) : src.exporter;
    const errorsBefore = stats.errors.reduce((a, b) => a + b, 0);
    const malformedBefore = stats.get(exporter, FlowCounter.MALFORMED);
    try {
      decoder.datagram(out, length, exporter, nowMs);
    } catch (err) {
      throw new Error(`netflow fuzz seed ${seed} datagram ${i}: threw (${String(err)}) on ${Buffer.from(out.subarray(0, length)).toString('hex')}`,
        { cause: err });
    }
    const problem = sink.problem !== '' ? sink.problem
      : stats.get(exporter, FlowCounter.RECORDS) !== sink.perExporter[exporter] ? `records ${stats.get(exporter, FlowCounter.RECORDS)} counted, ${sink.perExporter[exporter]} seen`
        : decoder.templates > MAX_TEMPLATES ? `${decoder.templates} templates`
          : stats.get(exporter, FlowCounter.MALFORMED) - malformedBefore !== (stats.errors.reduce((a, b) => a + b, 0) > errorsBefore ? 1 : 0)
            ? 'MALFORMED is not once per datagram with errors' : '';
    if (problem !== '') {
      throw new Error(`netflow fuzz seed ${seed} datagram ${i}: ${problem} on ${Buffer.from(out.subarray(0, length)).toString('hex')}`);
    }
  }
  let malformed = 0;
  let datagramsCounted = 0;
  for (let e = 0; e < exporters + 100; e++) {
    malformed += stats.get(e, FlowCounter.MALFORMED);
    datagramsCounted += stats.get(e, FlowCounter.DATAGRAMS);
  }
  const errorTotal = stats.errors.reduce((a, b) => a + b, 0);
  if (malformed > errorTotal || malformed > datagrams) throw new Error(`netflow fuzz seed ${seed}: ${malformed} malformed per exporter, ${errorTotal} errors, ${datagrams} datagrams`);
  if (datagramsCounted !== 0) throw new Error(`netflow fuzz seed ${seed}: the decoder counted ${datagramsCounted} datagrams (the listener does)`);
  return {
    datagrams,
    records: sink.records,
    errors: Object.fromEntries(FLOW_ERROR_NAMES.map((n, i) => [n, stats.errors[i]])),
    mutations: Object.fromEntries(MUTATION_NAMES.map((n, i) => [n, mutations[i]])),
    templates: decoder.templates,
    seconds: (performance.now() - t0) / 1000,
  };
}
