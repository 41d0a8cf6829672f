import { isIPv6 } from 'node:net';
import { FlowCounter, FlowError, FlowRecord, type FlowDecoder, type FlowSink, type FlowStats } from '../../src/flow/flow-sink.ts';
import { parseIPv4, parseIPv6 } from './frames.ts';

/**
 * A FlowDecoder for a trivial fixed layout, to test the collector without the real sFlow and
 * NetFlow decoders. Datagram: 'OT' (0x4f54), u16 record count, then records:
 *
 *   kind 4 / 6 (a flow record): u8 kind, u8 protocol, u16 srcPort, u16 dstPort, u32 bytes,
 *     u32 packets, u32 samplingRate, u32 inputIf, u32 outputIf, src (4 / 16 bytes), dst
 *   kind 0 (a sampled header): u8 0, u8 headerProtocol, u32 rate, u16 headerLength,
 *     u32 frameLength, u32 inputIf, u32 outputIf, header bytes
 *
 * Big-endian. A bad magic counts BAD_VERSION, a short record TRUNCATED (and ends the datagram);
 * every record handed to the sink counts RECORDS. It does not count DATAGRAMS (the listener does).
 */
export class TestFlowDecoder implements FlowDecoder {
  readonly #sink: FlowSink;
  readonly #stats: FlowStats;
  readonly #r = new FlowRecord();
  /** nowMs of the last datagram. */
  lastNow = 0;

  constructor(sink: FlowSink, stats: FlowStats) {
    this.#sink = sink;
    this.#stats = stats;
  }

  datagram(data: Uint8Array, length: number, exporter: number, nowMs: number): void {
    this.lastNow = nowMs;
    if (length < 4) return this.#stats.error(exporter, FlowError.TRUNCATED);
    if (data[0] !== 0x4f || data[1] !== 0x54) return this.#stats.error(exporter, FlowError.BAD_VERSION);
    const count = u16(data, 2);
    let o = 4;
    for (let i = 0; i < count; i++) {
      const kind = data[o];
      if (kind === 0) {
        if (o + 20 > length) return this.#stats.error(exporter, FlowError.TRUNCATED);
        const hl = u16(data, o + 6);
        if (o + 20 + hl > length) return this.#stats.error(exporter, FlowError.TRUNCATED);
        this.#sink.sampledHeader(exporter, data, o + 20, hl, u32(data, o + 8), data[o + 1], u32(data, o + 2), u32(data, o + 12), u32(data, o + 16));
        o += 20 + hl;
      } else if (kind === 4 || kind === 6) {
        const n = kind === 4 ? 4 : 16;
        if (o + 26 + 2 * n > length) return this.#stats.error(exporter, FlowError.TRUNCATED);
        const r = this.#r;
        r.reset();
        r.v6 = kind === 6;
        r.protocol = data[o + 1];
        r.srcPort = u16(data, o + 2);
        r.dstPort = u16(data, o + 4);
        r.bytes = u32(data, o + 6);
        r.packets = u32(data, o + 10);
        r.samplingRate = u32(data, o + 14);
        r.inputIf = u32(data, o + 18);
        r.outputIf = u32(data, o + 22);
        for (let w = 0; w < n / 4; w++) {
          r.src[w] = u32(data, o + 26 + 4 * w);
          r.dst[w] = u32(data, o + 26 + n + 4 * w);
        }
        this.#sink.record(exporter, r);
        o += 26 + 2 * n;
      } else {
        return this.#stats.error(exporter, FlowError.BAD_SAMPLE);
      }
      this.#stats.add(exporter, FlowCounter.RECORDS, 1);
    }
  }
}

function u16(d: Uint8Array, o: number): number {
  return (d[o] << 8) | d[o + 1];
}

function u32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}

/** A flow record of the test layout. */
export interface TestFlow {
  src: string; dst: string; protocol?: number; srcPort?: number; dstPort?: number;
  bytes: number; packets: number; samplingRate?: number; inputIf?: number; outputIf?: number;
}

/** A sampled header of the test layout. */
export interface TestHeader {
  header: Uint8Array; headerProtocol: number; rate: number; frameLength?: number; inputIf?: number; outputIf?: number;
}

/** Encodes records and headers as one test-layout datagram. */
export function testDatagram(items: ReadonlyArray<TestFlow | TestHeader>): Buffer {
  const parts: Buffer[] = [Buffer.from([0x4f, 0x54, items.length >> 8, items.length & 0xff])];
  for (const it of items) {
    if ('header' in it) {
      const b = Buffer.alloc(20);
      b[1] = it.headerProtocol;
      b.writeUInt32BE(it.rate, 2);
      b.writeUInt16BE(it.header.length, 6);
      b.writeUInt32BE(it.frameLength ?? it.header.length, 8);
      b.writeUInt32BE(it.inputIf ?? 0, 12);
      b.writeUInt32BE(it.outputIf ?? 0, 16);
      parts.push(b, Buffer.from(it.header));
    } else {
      const v6 = isIPv6(it.src);
      const b = Buffer.alloc(26);
      b[0] = v6 ? 6 : 4;
      b[1] = it.protocol ?? 6;
      b.writeUInt16BE(it.srcPort ?? 0, 2);
      b.writeUInt16BE(it.dstPort ?? 0, 4);
      b.writeUInt32BE(it.bytes, 6);
      b.writeUInt32BE(it.packets, 10);
      b.writeUInt32BE(it.samplingRate ?? 1, 14);
      b.writeUInt32BE(it.inputIf ?? 0, 18);
      b.writeUInt32BE(it.outputIf ?? 0, 22);
      parts.push(b, Buffer.from(v6 ? parseIPv6(it.src) : parseIPv4(it.src)), Buffer.from(v6 ? parseIPv6(it.dst) : parseIPv4(it.dst)));
    }
  }
  return Buffer.concat(parts);
}

/** Decoder factories of the test layout for both listeners (FlowDecoderFactories). */
export const testDecoders = {
  sflow: (sink: FlowSink, stats: FlowStats) => new TestFlowDecoder(sink, stats),
  netflow: (sink: FlowSink, stats: FlowStats) => new TestFlowDecoder(sink, stats),
};
