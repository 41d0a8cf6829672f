import { padded, u32 } from './sflow-format.ts';

/** counter_data format of if_counters (enterprise 0), and its size in bytes. */
const IF_COUNTERS = 1;
const IF_COUNTERS_SIZE = 88;

/**
 * One if_counters block (counter_data enterprise 0, format 1: RFC 2233's generic interface
 * counters) of a counters sample. One instance is owned by the decoder and overwritten for every
 * block: a sink copies what it keeps. 64-bit counters are numbers (exact up to 2^53). Values are
 * as sent: the spec has an agent send a counter it does not have as its maximum value
 * (0xFFFFFFFF, or 2^64 − 1 read here as 2^64).
 */
export class SflowIfCounters {
  ifIndex = 0;
  ifType = 0;
  /** Bits per second. */
  ifSpeed = 0;
  /** bit 0 ifAdminStatus, bit 1 ifOperStatus (1 = up). */
  ifStatus = 0;
  inOctets = 0;
  inUnicast = 0;
  inMulticast = 0;
  inBroadcast = 0;
  inDiscards = 0;
  inErrors = 0;
  outOctets = 0;
  outUnicast = 0;
  outMulticast = 0;
  outBroadcast = 0;
  outDiscards = 0;
  outErrors = 0;
}

/** Receives the if_counters of counters samples (optional: SflowDecoder.counterSink). */
export interface SflowCounterSink {
  /** Block `c` of a counters sample of source (type, index) from `exporter`; `c` is reused after the call. */
  ifCounters(exporter: number, sourceType: number, sourceIndex: number, c: SflowIfCounters): void;
}

const hyper = (data: Uint8Array, at: number): number => u32(data, at) * 4294967296 + u32(data, at + 4);

/**
 * Reads the counters sample (format 2, or 4 when `expanded`) whose body is `data[at .. at+length)`
 * and hands each if_counters block to `sink`; other blocks are skipped by their length. False
 * when it is malformed (too short, a block past its end, an if_counters block under 88 bytes).
 */
export function readCountersSample(data: Uint8Array, at: number, length: number, expanded: boolean, exporter: number,
  sink: SflowCounterSink, c: SflowIfCounters): boolean {
  const fixed = expanded ? 16 : 12;
  if (length < fixed) return false;
  const end = at + length;
  let sourceType: number;
  let sourceIndex: number;
  if (expanded) {
    sourceType = u32(data, at + 4);
    sourceIndex = u32(data, at + 8);
  } else {
    const source = u32(data, at + 4);
    sourceType = source >>> 24;
    sourceIndex = source & 0xffffff;
  }
  const records = u32(data, at + fixed - 4);
  let o = at + fixed;
  for (let r = 0; r < records; r++) {
    if (end - o < 8) return false;
    const format = u32(data, o);
    const blockLength = u32(data, o + 4);
    const body = o + 8;
    if (padded(blockLength) > end - body) return false;
    if (format === IF_COUNTERS) {
      if (blockLength < IF_COUNTERS_SIZE) return false;
      c.ifIndex = u32(data, body);
      c.ifType = u32(data, body + 4);
      c.ifSpeed = hyper(data, body + 8);
      c.ifStatus = u32(data, body + 20);
      c.inOctets = hyper(data, body + 24);
      c.inUnicast = u32(data, body + 32);
      c.inMulticast = u32(data, body + 36);
      c.inBroadcast = u32(data, body + 40);
      c.inDiscards = u32(data, body + 44);
      c.inErrors = u32(data, body + 48);
      c.outOctets = hyper(data, body + 56);
      c.outUnicast = u32(data, body + 64);
      c.outMulticast = u32(data, body + 68);
      c.outBroadcast = u32(data, body + 72);
      c.outDiscards = u32(data, body + 76);
      c.outErrors = u32(data, body + 80);
      sink.ifCounters(exporter, sourceType, sourceIndex, c);
    }
    o = body + padded(blockLength);
  }
  return true;
}
