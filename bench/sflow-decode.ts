/**
 * sFlow v5 decoding on one core: `node bench/sflow-decode.ts [--agents N] [--datagrams N]
 * [--seconds S] [--fuzz N] [--seed N]`.
 *
 * Decode: `--datagrams` seeded datagrams from `--agents` agents (IPv4 and IPv6 agent addresses,
 * 5–10 flow samples each, 128-byte Ethernet headers, some VLAN-tagged, 1-in-256..2048) are built
 * once, then decoded for `--seconds` into a counting sink (it reads the header's first byte and
 * sums the lengths, so nothing is optimised away), each datagram renumbered in place first so
 * that every stream and source is in sequence (the path a live collector takes). Prints samples/s
 * and datagrams/s, and the heap before and after (after a forced GC when node runs with
 * --expose-gc).
 *
 * Fuzz: `--fuzz` datagrams, each a mutation of a valid one (bit flips, steering words,
 * truncation, 4-byte insertions and deletions, garbage) or random garbage, decoded with no
 * exception allowed; prints datagrams/s and the errors by reason. Exits non-zero if anything
 * threw or a sampled header pointed outside its datagram.
 *
 * The machine may be shared: the numbers are indicative. Output: one JSON object on stdout.
 */
import { parseArgs } from 'node:util';
import { FLOW_ERROR_NAMES, FlowCounter, FlowStats, type FlowRecord, type FlowSink } from '../src/flow/flow-sink.ts';
import { SflowDecoder } from '../src/flow/sflow-decoder.ts';
import { Prng } from '../test/support/prng.ts';
import { mutateSflow, randomSflowDatagram, type RandomSflow } from '../test/support/sflow-random.ts';

const { values } = parseArgs({ options: {
  agents: { type: 'string', default: '1000' }, datagrams: { type: 'string', default: '20000' },
  seconds: { type: 'string', default: '5' }, fuzz: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' },
} });
const agents = Math.min(Number(values.agents), 65536);
const datagrams = Number(values.datagrams);
const seconds = Number(values.seconds);
const fuzzCount = Number(values.fuzz);
const seed = Number(values.seed);

/** Counts calls; checks that a header lies inside the datagram being decoded. */
class CountingSink implements FlowSink {
  samples = 0;
  sum = 0;
  limit = 0;
  outside = 0;

  record(_exporter: number, r: FlowRecord): void {
    this.samples++;
    this.sum += r.bytes * r.samplingRate;
  }

  sampledHeader(_exporter: number, data: Uint8Array, offset: number, headerLength: number, frameLength: number,
    _headerProtocol: number, samplingRate: number): void {
    this.samples++;
    this.sum += data[offset] + frameLength * samplingRate;
    if (offset + headerLength > this.limit) this.outside++;
  }
}

const heap = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 1024 * 10) / 10;
};

const prng = new Prng(seed);
const corpus: RandomSflow[] = [];
for (let i = 0; i < datagrams; i++) {
  const a = i % agents;
  const agent = a % 4 === 3 ? `2001:db8::${(a >>> 8).toString(16)}:${(a & 255).toString(16)}` : `10.${a >>> 16}.${(a >>> 8) & 255}.${a & 255}`;
  corpus.push(randomSflowDatagram(prng, { agent, sequence: 1, uptime: 1000 * i, samples: prng.range(5, 10) }));
}
const corpusBytes = corpus.reduce((s, d) => s + d.bytes.length, 0);
const samplesPerRound = corpus.reduce((s, d) => s + d.samples.length, 0);

// Decode.
const sink = new CountingSink();
const stats = new FlowStats();
const decoder = new SflowDecoder(sink, stats);
const datagramSeq = new Uint32Array(agents);
const sampleSeq = new Uint32Array(agents * 49);
/** Renumbers datagram `d` of agent `a` as its next (and its samples as their sources' next), then decodes it. */
const decodeOne = (d: RandomSflow, a: number): void => {
  const b = d.bytes;
  writeWord(b, d.sequenceAt, ++datagramSeq[a]);
  for (let s = 0; s < d.samples.length; s++) writeWord(b, d.samples[s].sequenceAt, ++sampleSeq[a * 49 + d.samples[s].sourceIndex]);
  sink.limit = b.length;
  decoder.datagram(b, b.length, a, 0);
};
function writeWord(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24; b[at + 1] = v >>> 16; b[at + 2] = v >>> 8; b[at + 3] = v;
}
const heapBefore = heap();
let rounds = 0;
let decoded = 0;
const started = performance.now();
while (performance.now() - started < seconds * 1000) {
  for (let i = 0; i < corpus.length; i++) decodeOne(corpus[i], i % agents);
  decoded += corpus.length;
  rounds++;
}
const elapsed = (performance.now() - started) / 1000;
const heapAfter = heap();
let records = 0;
let lost = 0;
for (let e = 0; e < agents; e++) {
  records += stats.get(e, FlowCounter.RECORDS);
  lost += stats.get(e, FlowCounter.LOST_DATAGRAMS) + stats.get(e, FlowCounter.LOST_RECORDS);
}

// Fuzz.
const fuzzSink = new CountingSink();
const fuzzStats = new FlowStats();
const fuzzDecoder = new SflowDecoder(fuzzSink, fuzzStats);
const buffer = new Uint8Array(8192);
let threw = '';
const fuzzStarted = performance.now();
for (let i = 0; i < fuzzCount && threw === ''; i++) {
  const src = corpus[prng.int(corpus.length)].bytes;
  const length = mutateSflow(prng, src, buffer);
  fuzzSink.limit = length;
  try {
    fuzzDecoder.datagram(buffer, length, i & 1023, i);
  } catch (err) {
    threw = `datagram ${i} (seed ${seed}): ${String(err)}`;
  }
}
const fuzzElapsed = (performance.now() - fuzzStarted) / 1000;
const errors = Object.fromEntries(FLOW_ERROR_NAMES.map((name, i) => [name, fuzzStats.errors[i]]));

const round = (v: number): number => Math.round(v);
console.log(JSON.stringify({
  agents, datagrams, corpusMB: Math.round(corpusBytes / 1048576 * 10) / 10, samplesPerDatagram: samplesPerRound / datagrams,
  decode: { seconds: Math.round(elapsed * 100) / 100, datagrams: decoded, samples: sink.samples,
    samplesPerSecond: round(sink.samples / elapsed), datagramsPerSecond: round(decoded / elapsed),
    nsPerSample: Math.round(elapsed * 1e9 / sink.samples), recordsCounted: records, lost,
    heapMB: { before: heapBefore, after: heapAfter }, trackedStreams: decoder.trackedStreams, trackedSources: decoder.trackedSources },
  fuzz: { datagrams: fuzzCount, seconds: Math.round(fuzzElapsed * 100) / 100, datagramsPerSecond: round(fuzzCount / fuzzElapsed),
    samplesAccounted: fuzzSink.samples, errors, headersOutside: fuzzSink.outside, threw: threw || undefined,
    trackedStreams: fuzzDecoder.trackedStreams, trackedSources: fuzzDecoder.trackedSources },
}));
if (threw !== '' || fuzzSink.outside > 0 || sink.outside > 0 || sink.samples !== records) process.exitCode = 1;
