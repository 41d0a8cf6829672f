/**
 * Fuzzing the per-packet path directly: generated frames, mutated, fed to `decodePacket` and to
 * two Accountants (internal traffic counted for both hosts and unsampled; counted once and
 * sampled 1 in 3) exactly as a capture source would call `packet()`. Checks, per frame: nothing
 * throws; the decoder's result is in range (offsets inside the capture, fields in their ranges);
 * frames left valid decode to exactly what the generator built; the accountant counted the frame
 * where the decoder's status says. At every flush: the FuzzAccounting sums and frame counts.
 */
import { decodePacket } from '../../src/decode/decode-packet.ts';
import { DECODE_STATUS_COUNT, DecodeResult, DecodeStatus } from '../../src/decode/decode-result.ts';
import { BuiltFrame, FEATURE_NAMES } from './built-frame.ts';
import { FrameGenerator, LINK_SHAPES } from './frame-generator.ts';
import { FUZZ_INTERFACES, FuzzAccounting, FuzzFailure } from './fuzz-accounting.ts';
import { FuzzFrame, MUTATION_NAMES, Mutator } from './mutator.ts';
import { Prng } from '../support/prng.ts';

/** What a run fed and saw. */
export class FuzzCounts {
  frames = 0;
  /** Frames per DecodeStatus (as decodePacket reported them). */
  readonly byStatus = new Array<number>(DECODE_STATUS_COUNT).fill(0);
  /** Frames carrying each Mutation kind. */
  readonly byMutation = new Array<number>(MUTATION_NAMES.length).fill(0);
  /** Frames per generated link layer (LINK_SHAPES). */
  readonly byShape = new Array<number>(LINK_SHAPES.length).fill(0);
  /** Frames per generated feature (FEATURE_NAMES). */
  readonly byFeature = new Array<number>(FEATURE_NAMES.length).fill(0);
  /** Valid frames whose full decode result was compared with the generator's. */
  validChecked = 0;
  /** Flushes at which the sums were checked. */
  flushes = 0;

  /** Adds another run's counts. */
  add(o: FuzzCounts): void {
    this.frames += o.frames;
    this.validChecked += o.validChecked;
    this.flushes += o.flushes;
    for (const k of ['byStatus', 'byMutation', 'byShape', 'byFeature'] as const) o[k].forEach((n, i) => (this[k][i] += n));
  }
}

/** One seeded direct-feed fuzz run; `step` feeds frames, `finish` runs the final checks. */
export class DirectFuzz {
  readonly counts = new FuzzCounts();
  readonly #seed: number;
  readonly #rng: Prng;
  readonly #gen: FrameGenerator;
  readonly #mut: Mutator;
  readonly #built = new BuiltFrame();
  readonly #frame = new FuzzFrame();
  readonly #decoded = new DecodeResult();
  readonly #a = new FuzzAccounting({ internalTraffic: 'both', samplingRate: 1, maxFlows: 4096 });
  readonly #b = new FuzzAccounting({ internalTraffic: 'once', samplingRate: 3, maxFlows: 512 });
  /** Check attribute rows at every n-th flush (they allocate: the export path). */
  readonly #attributesEvery: number;

  constructor(seed: number, options: { attributesEvery?: number } = {}) {
    this.#seed = seed;
    this.#rng = new Prng(seed);
    this.#gen = new FrameGenerator(this.#rng);
    this.#mut = new Mutator(this.#rng);
    this.#attributesEvery = options.attributesEvery ?? 1;
  }

  /** Feeds `n` more frames; throws FuzzFailure (with the frame) when an invariant breaks. */
  step(n: number): void {
    const c = this.counts;
    const f = this.#built;
    const ff = this.#frame;
    const d = this.#decoded;
    const a = this.#a.t.accountant;
    for (let k = 0; k < n; k++) {
      this.#gen.build(f);
      this.#mut.mutate(f, ff);
      const ifIndex = this.#rng.int(FUZZ_INTERFACES.length);
      const status = decodePacket(ff.buf, ff.offset, ff.capLen, ff.wireLen, ff.linkType, d);
      const problem = checkResult(d, status, ff) ?? (ff.valid ? compareExpected(d, f, ff.offset) : undefined);
      if (problem !== undefined) throw this.#failure(problem);
      const errorsBefore = a.decodeErrors[status];
      const packetsBefore = a.totalPackets;
      const bytesBefore = a.totalBytes;
      try {
        a.packet(ff.buf, ff.offset, ff.capLen, ff.wireLen, ff.linkType, ifIndex);
        this.#b.t.accountant.packet(ff.buf, ff.offset, ff.capLen, ff.wireLen, ff.linkType, ifIndex);
      } catch (err) {
        throw this.#failure(`Accountant.packet threw ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      const counted = status === DecodeStatus.OK
        ? a.totalPackets === packetsBefore + 1 && a.totalBytes === bytesBefore + d.ipBytes
        : a.decodeErrors[status] === errorsBefore + 1 && a.totalPackets === packetsBefore;
      if (!counted) throw this.#failure(`accountant did not count the frame as status ${status} (${d.ipBytes} bytes)`);
      c.frames++;
      c.byStatus[status]++;
      c.byShape[f.shape]++;
      if (ff.valid) c.validChecked++;
      for (let i = 0; i < MUTATION_NAMES.length; i++) if ((ff.mutations & (1 << i)) !== 0) c.byMutation[i]++;
      for (let i = 0; i < FEATURE_NAMES.length; i++) if ((f.features & (1 << i)) !== 0) c.byFeature[i]++;
      if (this.#a.filling() || this.#b.filling()) this.flush();
    }
  }

  /** Checks and empties both accountants' flow tables. */
  flush(): void {
    const attributes = this.counts.flushes % this.#attributesEvery === 0;
    const label = `seed ${this.#seed}, after ${this.counts.frames} frames`;
    this.#a.checkAndFlush(this.counts.frames, `${label} (both, unsampled)`, attributes);
    this.#b.checkAndFlush(this.counts.frames, `${label} (once, sampled 1:3)`, attributes);
    this.counts.flushes++;
  }

  /** Final checks (a last flush). */
  finish(): void {
    this.flush();
  }

  #failure(problem: string): FuzzFailure {
    return new FuzzFailure(`seed ${this.#seed}, frame ${this.counts.frames}: ${problem}; ${this.#frame.describe()}`);
  }
}

/** Range checks that hold for any input; returns the problem or undefined. */
export function checkResult(d: DecodeResult, status: number, ff: FuzzFrame): string | undefined {
  if (status !== d.status || !Number.isInteger(status) || status < 0 || status >= DECODE_STATUS_COUNT) {
    return `status ${status} (result says ${d.status})`;
  }
  if (status !== DecodeStatus.OK) return undefined;
  const end = Math.min(ff.offset + ff.capLen, ff.buf.length);
  const v4 = d.ipVersion === 4;
  if (!v4 && d.ipVersion !== 6) return `ipVersion ${d.ipVersion}`;
  const addr = v4 ? 4 : 16;
  if (d.ipOffset < ff.offset || d.ipOffset + (v4 ? 20 : 40) > end) return `ipOffset ${d.ipOffset} outside the capture`;
  if (d.srcOffset < d.ipOffset || d.srcOffset + addr > end || d.dstOffset < d.ipOffset || d.dstOffset + addr > end) {
    return `address offsets ${d.srcOffset}/${d.dstOffset} outside the capture`;
  }
  if (!Number.isSafeInteger(d.ipBytes) || d.ipBytes < (v4 ? 20 : 40)) return `ipBytes ${d.ipBytes}`;
  if (!(d.protocol >= 0 && d.protocol <= 255 && d.srcPort >= 0 && d.srcPort <= 65535 && d.dstPort >= 0 && d.dstPort <= 65535
    && d.icmpTypeCode >= 0 && d.icmpTypeCode <= 65535 && d.vlanId >= 0 && d.vlanId <= 4095)) {
    return `field out of range (protocol ${d.protocol}, ports ${d.srcPort}/${d.dstPort}, icmp ${d.icmpTypeCode}, vlan ${d.vlanId})`;
  }
  if (d.laterFragment && (d.srcPort !== 0 || d.dstPort !== 0 || d.icmpTypeCode !== 0)) return 'later fragment with ports';
  return undefined;
}

/** Compares the decode of a valid frame placed at `offset` with what the generator built. */
export function compareExpected(d: DecodeResult, f: BuiltFrame, offset: number): string | undefined {
  if (d.status === DecodeStatus.OK && d.ipVersion === f.ipVersion && d.ipOffset === offset + f.ipOffset
    && d.ipBytes === f.ipBytes && d.protocol === f.protocol && d.srcPort === f.srcPort && d.dstPort === f.dstPort
    && d.icmpTypeCode === f.icmpTypeCode && d.vlanId === f.vlanId && d.laterFragment === f.laterFragment) return undefined;
  const got = { status: d.status, ipVersion: d.ipVersion, ipOffset: d.ipOffset - offset, ipBytes: d.ipBytes, protocol: d.protocol,
    srcPort: d.srcPort, dstPort: d.dstPort, icmpTypeCode: d.icmpTypeCode, vlanId: d.vlanId, laterFragment: d.laterFragment };
  const want = { status: 0, ipVersion: f.ipVersion, ipOffset: f.ipOffset, ipBytes: f.ipBytes, protocol: f.protocol,
    srcPort: f.srcPort, dstPort: f.dstPort, icmpTypeCode: f.icmpTypeCode, vlanId: f.vlanId, laterFragment: f.laterFragment };
  return `valid ${LINK_SHAPES[f.shape].name} frame decoded to ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
}
