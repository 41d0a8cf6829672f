import { FlowCounter, FlowError } from './flow-sink.ts';
import type { NetflowContext } from './netflow-context.ts';
import { readU32 } from './netflow-record-reader.ts';
import { DATAGRAM_WINDOWS } from './netflow-sequence.ts';
import type { SetWalker } from './netflow-sets.ts';

/** NetFlow v9 packet header length (RFC 3954 §5.1). */
export const V9_HEADER_LENGTH = 20;

/**
 * Decodes a NetFlow v9 export packet: header (version, count, sysUptime, unix secs, sequence
 * number, source id; RFC 3954 §5.1) and its FlowSets. The header's count is not trusted (the
 * FlowSets are walked to the end of the datagram). The sequence number counts export packets per
 * source id (§5.1): gaps go to LOST_DATAGRAMS.
 */
export function decodeV9(ctx: NetflowContext, sets: SetWalker, data: Uint8Array, length: number, exporter: number, nowMs: number): void {
  if (length < V9_HEADER_LENGTH) {
    ctx.stats.error(exporter, FlowError.TRUNCATED);
    return;
  }
  const sourceId = readU32(data, 16) | 0;
  const lost = ctx.sequences.check(exporter, sourceId, 9, readU32(data, 12) | 0, 1, nowMs, DATAGRAM_WINDOWS.maxGap, DATAGRAM_WINDOWS.reorder,
    true, readU32(data, 4) | 0);
  if (lost > 0) ctx.stats.add(exporter, FlowCounter.LOST_DATAGRAMS, lost);
  sets.walk(ctx, data, V9_HEADER_LENGTH, length, exporter, sourceId, false, nowMs);
}
