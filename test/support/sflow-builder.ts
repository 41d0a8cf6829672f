import { isIPv4 } from 'node:net';
import type { FlowRecord, FlowSink } from '../../src/flow/flow-sink.ts';
import { ByteOutput } from './byte-output.ts';
import { ethernetIPv4, parseIPv4, parseIPv6 } from './frames.ts';

/**
 * Builds sFlow version 5 datagrams byte by byte as https://sflow.org/sflow_version_5.txt lays them
 * out (XDR, RFC 4506: big-endian 32-bit words, opaque<> = a length word then the bytes padded
 * with zeros to a multiple of 4). Nothing is validated, so tests can build broken datagrams too
 * (`length` overrides, raw records).
 */

/** A compact interface word, or an expanded (format, value) pair. */
export type SflowInterface = number | { format: number; value: number };

/** flow_data records (struct flow_record: data_format, opaque flow_data<>). */
export type SflowFlowRecordSpec =
  /** sampled_header (enterprise 0, format 1). */
  | { kind: 'header'; protocol: number; frameLength: number; stripped: number; header: Uint8Array; length?: number }
  /** sampled_ipv4 (format 3): length is the IP packet's length. */
  | { kind: 'ipv4'; length: number; protocol: number; src: string; dst: string; srcPort: number; dstPort: number;
    tcpFlags?: number; tos?: number }
  /** sampled_ipv6 (format 4). */
  | { kind: 'ipv6'; length: number; protocol: number; src: string; dst: string; srcPort: number; dstPort: number;
    tcpFlags?: number; priority?: number }
  /** extended_switch (format 1001). */
  | { kind: 'switch'; srcVlan: number; srcPriority?: number; dstVlan: number; dstPriority?: number }
  /** Any record: data_format (enterprise << 12 | format) and its bytes. */
  | { kind: 'raw'; enterprise: number; format: number; data: Uint8Array; length?: number };

/** flow_sample (format 1) or, with `expanded`, flow_sample_expanded (format 3). */
export interface SflowFlowSampleSpec {
  kind: 'flow';
  expanded?: boolean;
  sequence: number;
  sourceType?: number;
  sourceIndex: number;
  samplingRate: number;
  samplePool: number;
  drops?: number;
  input: SflowInterface;
  output: SflowInterface;
  records: SflowFlowRecordSpec[];
  /** Overrides the flow_records<> count. */
  recordCount?: number;
  /** Overrides the sample_data<> length. */
  length?: number;
}

/** counters_sample (format 2) or counters_sample_expanded (format 4), records given raw. */
export interface SflowCounterSampleSpec {
  kind: 'counters';
  expanded?: boolean;
  sequence: number;
  sourceType?: number;
  sourceIndex: number;
  records: Array<{ enterprise: number; format: number; data: Uint8Array }>;
}

/** Any sample_record: data_format and its bytes. */
export interface SflowRawSampleSpec {
  kind: 'raw';
  enterprise: number;
  format: number;
  data: Uint8Array;
  length?: number;
}

export type SflowSampleSpec = SflowFlowSampleSpec | SflowCounterSampleSpec | SflowRawSampleSpec;

/** struct sample_datagram_v5 (with its version word). */
export interface SflowDatagramSpec {
  /** Agent address (IPv4 or IPv6 text), or null for address_type UNKNOWN (0). */
  agent: string | null;
  subAgentId?: number;
  sequence: number;
  uptime: number;
  samples: SflowSampleSpec[];
  /** Overrides the version word (5). */
  version?: number;
  /** Overrides the samples<> count. */
  sampleCount?: number;
}

/** The datagram's bytes. */
export function sflowDatagram(spec: SflowDatagramSpec): Uint8Array {
  const out = new ByteOutput();
  const u = (v: number): void => out.u32(v, false);
  u(spec.version ?? 5);
  if (spec.agent === null) {
    u(0);
  } else if (isIPv4(spec.agent)) {
    u(1);
    out.bytes(parseIPv4(spec.agent));
  } else {
    u(2);
    out.bytes(parseIPv6(spec.agent));
  }
  u(spec.subAgentId ?? 0);
  u(spec.sequence);
  u(spec.uptime);
  u(spec.sampleCount ?? spec.samples.length);
  for (const s of spec.samples) sample(out, s);
  return new Uint8Array(out.toBuffer());
}

/** An XDR opaque<>: its length word (or `length`), then the bytes padded to 4. */
function opaque(out: ByteOutput, data: Uint8Array, length = data.length): void {
  out.u32(length, false);
  out.bytes(data);
  out.zeros(-data.length & 3);
}

/** `format` word of a data_format: enterprise in the top 20 bits, format in the low 12. */
function dataFormat(enterprise: number, format: number): number {
  return ((enterprise << 12) | (format & 0xfff)) >>> 0;
}

function sample(out: ByteOutput, s: SflowSampleSpec): void {
  if (s.kind === 'raw') {
    out.u32(dataFormat(s.enterprise, s.format), false);
    opaque(out, s.data, s.length);
    return;
  }
  const body = new ByteOutput();
  const u = (v: number): void => body.u32(v, false);
  const expanded = s.expanded === true;
  u(s.sequence);
  if (expanded) {
    u(s.sourceType ?? 0);
    u(s.sourceIndex);
  } else {
    u((((s.sourceType ?? 0) << 24) | (s.sourceIndex & 0xffffff)) >>> 0);
  }
  if (s.kind === 'flow') {
    u(s.samplingRate);
    u(s.samplePool);
    u(s.drops ?? 0);
    for (const i of [s.input, s.output]) {
      if (typeof i === 'number') {
        if (expanded) throw new Error('sflow builder: an expanded sample needs { format, value } interfaces');
        u(i);
      } else {
        if (!expanded) throw new Error('sflow builder: a compact sample needs interface words');
        u(i.format);
        u(i.value);
      }
    }
    u(s.recordCount ?? s.records.length);
    for (const r of s.records) flowRecord(body, r);
  } else {
    u(s.records.length);
    for (const r of s.records) {
      u(dataFormat(r.enterprise, r.format));
      opaque(body, r.data);
    }
  }
  const bytes = body.toBuffer();
  out.u32(s.kind === 'flow' ? (expanded ? 3 : 1) : (expanded ? 4 : 2), false);
  opaque(out, bytes, s.kind === 'flow' ? s.length : undefined);
}

function flowRecord(out: ByteOutput, r: SflowFlowRecordSpec): void {
  const body = new ByteOutput();
  const u = (v: number): void => body.u32(v, false);
  let format: number;
  let length: number | undefined;
  switch (r.kind) {
    case 'header':
      format = 1;
      length = r.length;
      u(r.protocol);
      u(r.frameLength);
      u(r.stripped);
      opaque(body, r.header);
      break;
    case 'ipv4':
      format = 3;
      u(r.length);
      u(r.protocol);
      body.bytes(parseIPv4(r.src));
      body.bytes(parseIPv4(r.dst));
      u(r.srcPort);
      u(r.dstPort);
      u(r.tcpFlags ?? 0);
      u(r.tos ?? 0);
      break;
    case 'ipv6':
      format = 4;
      u(r.length);
      u(r.protocol);
      body.bytes(parseIPv6(r.src));
      body.bytes(parseIPv6(r.dst));
      u(r.srcPort);
      u(r.dstPort);
      u(r.tcpFlags ?? 0);
      u(r.priority ?? 0);
      break;
    case 'switch':
      format = 1001;
      u(r.srcVlan);
      u(r.srcPriority ?? 0);
      u(r.dstVlan);
      u(r.dstPriority ?? 0);
      break;
    case 'raw':
      out.u32(dataFormat(r.enterprise, r.format), false);
      opaque(out, r.data, r.length);
      return;
  }
  out.u32(format, false);
  opaque(out, body.toBuffer(), length);
}

/** The bytes of an if_counters block (counter_data enterprise 0, format 1; 88 bytes). */
export function ifCounters(ifIndex: number, inOctets: number, outOctets: number): Uint8Array {
  const out = new ByteOutput();
  const u = (v: number): void => out.u32(v, false);
  const hyper = (v: number): void => { u(Math.floor(v / 2 ** 32)); u(v % 2 ** 32); };
  u(ifIndex); u(6); hyper(1e9); u(1); u(3);
  hyper(inOctets); for (let i = 0; i < 6; i++) u(i);
  hyper(outOctets); for (let i = 0; i < 5; i++) u(i);
  u(0);
  return new Uint8Array(out.toBuffer());
}

/** One sink call a RecordingFlowSink saw, copied out of the decoder's buffers. */
export type RecordedFlow =
  | { kind: 'header'; exporter: number; header: Uint8Array; frameLength: number; headerProtocol: number;
    samplingRate: number; inputIf: number; outputIf: number }
  | { kind: 'record'; exporter: number; v6: boolean; src: number[]; dst: number[]; srcPort: number; dstPort: number;
    protocol: number; vlanId: number; inputIf: number; outputIf: number; bytes: number; packets: number;
    samplingRate: number };

/** A FlowSink for tests that copies every call into `flows`. */
export class RecordingFlowSink implements FlowSink {
  readonly flows: RecordedFlow[] = [];
  /** Called during each sampledHeader() call (e.g. to read the decoder's switchVlan then). */
  onHeader: (() => void) | undefined;

  record(exporter: number, r: FlowRecord): void {
    this.flows.push({ kind: 'record', exporter, v6: r.v6, src: [...r.src], dst: [...r.dst], srcPort: r.srcPort,
      dstPort: r.dstPort, protocol: r.protocol, vlanId: r.vlanId, inputIf: r.inputIf, outputIf: r.outputIf,
      bytes: r.bytes, packets: r.packets, samplingRate: r.samplingRate });
  }

  sampledHeader(exporter: number, data: Uint8Array, offset: number, headerLength: number, frameLength: number,
    headerProtocol: number, samplingRate: number, inputIf: number, outputIf: number): void {
    if (offset < 0 || headerLength < 0 || offset + headerLength > data.length) {
      throw new Error(`sampledHeader outside the datagram: offset ${offset}, length ${headerLength}, datagram ${data.length}`);
    }
    this.flows.push({ kind: 'header', exporter, header: Uint8Array.from(data.subarray(offset, offset + headerLength)),
      frameLength, headerProtocol, samplingRate, inputIf, outputIf });
    this.onHeader?.();
  }
}

/** `datagram` as the payload of an Ethernet/IPv4/UDP frame to port 6343 (UDP checksum 0: none). */
export function udpFrame(datagram: Uint8Array, srcPort = 50000): Uint8Array {
  const frame = ethernetIPv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: 17, srcPort, dstPort: 6343,
    payloadLength: datagram.length });
  frame.set(datagram, 14 + 20 + 8);
  frame[14 + 20 + 6] = 0;
  frame[14 + 20 + 7] = 0;
  return frame;
}
