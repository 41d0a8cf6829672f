import { FlowCounter, FlowError } from './flow-sink.ts';
import type { NetflowContext } from './netflow-context.ts';
import { readU16, readU32 } from './netflow-record-reader.ts';
import { RECORD_WINDOWS } from './netflow-sequence.ts';
import type { SetWalker } from './netflow-sets.ts';

/** IPFIX message header length (RFC 7011 §3.1). */
export const IPFIX_HEADER_LENGTH = 16;

/**
 * Decodes an IPFIX message: header (version 10, message length, export time, sequence number,
 * observation domain id; RFC 7011 §3.1) and its sets up to the message length (bytes after it
 * in the datagram are ignored; a message length under 16 or past the datagram is TRUNCATED).
 * The sequence number counts data records per observation domain (§3.1) sent before this
 * message: gaps go to LOST_RECORDS (exporters that leave options data records out of the count
 * are recognised: SequenceTracker). When a set of the message could not be counted (unknown
 * template), losses before it are still counted but the next message resynchronises.
 */
export function decodeIpfix(ctx: NetflowContext, sets: SetWalker, data: Uint8Array, length: number, exporter: number, nowMs: number): void {
  if (length < IPFIX_HEADER_LENGTH) {
    ctx.stats.error(exporter, FlowError.TRUNCATED);
    return;
  }
  const messageLength = readU16(data, 2);
  if (messageLength < IPFIX_HEADER_LENGTH || messageLength > length) {
    ctx.stats.error(exporter, FlowError.TRUNCATED);
    return;
  }
  const domain = readU32(data, 12) | 0;
  const sequence = readU32(data, 8) | 0;
  const records = sets.walk(ctx, data, IPFIX_HEADER_LENGTH, messageLength, exporter, domain, true, nowMs);
  const lost = ctx.sequences.check(exporter, domain, 10, sequence, records < 0 ? 0 : records, nowMs,
    RECORD_WINDOWS.maxGap, RECORD_WINDOWS.reorder, false, 0, records < 0 ? 0 : ctx.optionsRecords);
  if (lost > 0) ctx.stats.add(exporter, FlowCounter.LOST_RECORDS, lost);
  if (records < 0) ctx.sequences.invalidate(exporter, domain, 10);
}
