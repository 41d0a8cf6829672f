import { FlowCounter, FlowError, plausibleCounts } from './flow-sink.ts';
import type { NetflowContext } from './netflow-context.ts';
import { readU16, readU32 } from './netflow-record-reader.ts';
import { RECORD_WINDOWS } from './netflow-sequence.ts';

/** NetFlow v5 header and record sizes (Cisco NetFlow Export Datagram Format, version 5). */
export const V5_HEADER_LENGTH = 24;
export const V5_RECORD_LENGTH = 48;

/**
 * Decodes a NetFlow v5 datagram: header (version, count, sysUptime, unix_secs, unix_nsecs,
 * flow_sequence, engine_type, engine_id, sampling_interval) and `count` fixed 48-byte records
 * (srcaddr, dstaddr, nexthop, input, output, dPkts, dOctets, first, last, srcport, dstport,
 * pad, tcp_flags, prot, tos, src_as, dst_as, masks, pad). A count that does not fit the datagram
 * is TRUNCATED and nothing is read (as nfacctd). Ports as nfacctd: source port of TCP and UDP
 * only, destination port also of ICMP and ICMPv6 (type * 256 + code). The sampling rate is the low 14 bits of
 * sampling_interval (the top 2 are the mode), as nfacctd; 0 falls back to the configured rate.
 * flow_sequence counts flows per (engine type, engine id): gaps go to LOST_RECORDS (sysUptime
 * going back marks a restart).
 */
export function decodeV5(ctx: NetflowContext, data: Uint8Array, length: number, exporter: number, nowMs: number): void {
  if (length < V5_HEADER_LENGTH) {
    ctx.stats.error(exporter, FlowError.TRUNCATED);
    return;
  }
  const count = readU16(data, 2);
  if (V5_HEADER_LENGTH + count * V5_RECORD_LENGTH > length) {
    ctx.stats.error(exporter, FlowError.TRUNCATED);
    return;
  }
  const engine = readU16(data, 20);
  const lost = ctx.sequences.check(exporter, engine, 5, readU32(data, 16) | 0, count, nowMs, RECORD_WINDOWS.maxGap, RECORD_WINDOWS.reorder,
    true, readU32(data, 4) | 0);
  if (lost > 0) ctx.stats.add(exporter, FlowCounter.LOST_RECORDS, lost);
  const interval = readU16(data, 22) & 0x3fff;
  const rate = interval >= 1 ? interval : ctx.fallbackRate(exporter);
  const r = ctx.record;
  let accounted = 0;
  for (let i = 0, p = V5_HEADER_LENGTH; i < count; i++, p += V5_RECORD_LENGTH) {
    r.reset();
    r.src[0] = readU32(data, p);
    r.dst[0] = readU32(data, p + 4);
    r.inputIf = readU16(data, p + 12);
    r.outputIf = readU16(data, p + 14);
    r.packets = readU32(data, p + 16);
    r.bytes = readU32(data, p + 20);
    const protocol = data[p + 38];
    r.protocol = protocol;
    // As nfacctd: source port for TCP and UDP only; destination port also for ICMP and ICMPv6
    // (where exporters put type * 256 + code).
    if (protocol === 6 || protocol === 17) {
      r.srcPort = readU16(data, p + 32);
      r.dstPort = readU16(data, p + 34);
    } else if (protocol === 1 || protocol === 58) r.dstPort = readU16(data, p + 34);
    r.samplingRate = rate;
    if (!plausibleCounts(r.bytes, r.packets, rate)) {
      ctx.stats.error(exporter, FlowError.IMPLAUSIBLE_COUNT);
      continue;
    }
    // Zero bytes and zero packets: nothing to add, and no series for it (not in RECORDS either).
    if (r.bytes === 0 && r.packets === 0) continue;
    ctx.sink.record(exporter, r);
    accounted++;
  }
  ctx.stats.add(exporter, FlowCounter.RECORDS, accounted);
}
