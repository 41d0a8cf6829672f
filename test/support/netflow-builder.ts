/**
 * Builds NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) datagrams byte by byte for
 * tests and benchmarks, and a FlowSink that records what a decoder emits. Nothing is validated:
 * tests build broken datagrams with the same calls (wrong counts, lengths, ids).
 */
import { isIPv4 } from 'node:net';
import { FlowRecord, type FlowSink } from '../../src/flow/flow-sink.ts';
import { parseIPv4, parseIPv6 } from './frames.ts';

/** One field specifier of a template: IE / field type, length (65535: IPFIX variable), enterprise number. */
export interface FieldSpec {
  id: number;
  length: number;
  enterprise?: number;
}

/** A field value: unsigned number or bigint (big-endian in the field's length), address text, or raw bytes. */
export type FieldValue = number | bigint | string | Uint8Array;

export interface TemplateSpec {
  id: number;
  fields: FieldSpec[];
}

export interface OptionsTemplateSpec {
  id: number;
  scope: FieldSpec[];
  fields: FieldSpec[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u16(v: number): Uint8Array {
  return new Uint8Array([(v >>> 8) & 0xff, v & 0xff]);
}

function u32(v: number): Uint8Array {
  return new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

/** `value` as an unsigned big-endian integer of `length` bytes (reduced-size encoding, RFC 7011 §6.2). */
export function uint(value: number | bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = BigInt(value);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** One field's encoding; variable-length fields (65535) get their 1- or 3-byte length prefix (RFC 7011 §7). */
export function encodeField(field: FieldSpec, value: FieldValue): Uint8Array {
  let bytes: Uint8Array;
  if (typeof value === 'string') bytes = isIPv4(value) ? parseIPv4(value) : value.includes(':') ? parseIPv6(value) : new TextEncoder().encode(value);
  else if (value instanceof Uint8Array) bytes = value;
  else bytes = uint(value, field.length === 65535 ? 4 : field.length);
  if (field.length !== 65535) {
    if (bytes.length !== field.length) throw new Error(`netflow-builder: field ${field.id} is ${field.length} bytes, value has ${bytes.length}`);
    return bytes;
  }
  return bytes.length < 255 ? concat([new Uint8Array([bytes.length]), bytes]) : concat([new Uint8Array([255]), u16(bytes.length), bytes]);
}

/** A data record: the fields' encodings in template order. */
export function dataRecord(fields: FieldSpec[], values: FieldValue[]): Uint8Array {
  if (values.length !== fields.length) throw new Error(`netflow-builder: ${fields.length} fields, ${values.length} values`);
  return concat(fields.map((f, i) => encodeField(f, values[i])));
}

/** A set / FlowSet: id (2), length (2, header included), body, zero padding up to a multiple of `align`. */
export function set(id: number, body: Uint8Array, align = 4): Uint8Array {
  const padding = (align - ((4 + body.length) % align)) % align;
  return concat([u16(id), u16(4 + body.length + padding), body, new Uint8Array(padding)]);
}

/** A data set (RFC 7011 §3.4.3, RFC 3954 §5.3) of records of template `id`, padded to 4 bytes. */
export function dataSet(id: number, fields: FieldSpec[], records: FieldValue[][], align = 4): Uint8Array {
  return set(id, concat(records.map((r) => dataRecord(fields, r))), align);
}

function fieldSpecifiers(fields: FieldSpec[], ipfix: boolean): Uint8Array[] {
  // IPFIX field specifier (RFC 7011 §3.2): E bit + IE id, length, enterprise number when E = 1.
  return fields.map((f) => f.enterprise !== undefined && ipfix
    ? concat([u16(f.id | 0x8000), u16(f.length), u32(f.enterprise)])
    : concat([u16(f.id), u16(f.length)]));
}

/** NetFlow v9 template FlowSet (id 0, RFC 3954 §5.2): template id, field count, (type, length)*. */
export function v9TemplateSet(templates: TemplateSpec[]): Uint8Array {
  return set(0, concat(templates.flatMap((t) => [u16(t.id), u16(t.fields.length), ...fieldSpecifiers(t.fields, false)])));
}

/**
 * NetFlow v9 options template FlowSet (id 1, RFC 3954 §6.1): template id, option scope length
 * and option length in bytes, scope (type, length)*, option (type, length)*, padded to 4 bytes.
 */
export function v9OptionsTemplateSet(templates: OptionsTemplateSpec[]): Uint8Array {
  return set(1, concat(templates.flatMap((t) => [u16(t.id), u16(t.scope.length * 4), u16(t.fields.length * 4),
    ...fieldSpecifiers(t.scope, false), ...fieldSpecifiers(t.fields, false)])));
}

/** IPFIX template set (id 2, RFC 7011 §3.4.1): template id, field count, field specifiers. */
export function ipfixTemplateSet(templates: TemplateSpec[]): Uint8Array {
  return set(2, concat(templates.flatMap((t) => [u16(t.id), u16(t.fields.length), ...fieldSpecifiers(t.fields, true)])));
}

/** IPFIX options template set (id 3, RFC 7011 §3.4.2.2): id, field count, scope field count, scope fields, fields. */
export function ipfixOptionsTemplateSet(templates: OptionsTemplateSpec[]): Uint8Array {
  return set(3, concat(templates.flatMap((t) => [u16(t.id), u16(t.scope.length + t.fields.length), u16(t.scope.length),
    ...fieldSpecifiers(t.scope, true), ...fieldSpecifiers(t.fields, true)])));
}

/** IPFIX template withdrawals (RFC 7011 §8.1): template id and field count 0 each, in set 2 (or 3 for options). */
export function ipfixWithdrawalSet(ids: number[], options = false): Uint8Array {
  return set(options ? 3 : 2, concat(ids.flatMap((id) => [u16(id), u16(0)])));
}

export interface V9Header {
  sequence: number;
  sourceId: number;
  sysUptime?: number;
  unixSecs?: number;
  /** Records in the packet (default: 0, the decoder does not trust it). */
  count?: number;
}

/** NetFlow v9 export packet (RFC 3954 §5.1): version 9, count, sysUptime, UNIX secs, sequence, source id, FlowSets. */
export function v9Packet(h: V9Header, sets: Uint8Array[]): Uint8Array {
  return concat([u16(9), u16(h.count ?? 0), u32(h.sysUptime ?? 1000), u32(h.unixSecs ?? 1700000000), u32(h.sequence),
    u32(h.sourceId), ...sets]);
}

export interface IpfixHeader {
  sequence: number;
  domain: number;
  exportTime?: number;
  /** Message length written (default: the real one). */
  length?: number;
}

/** IPFIX message (RFC 7011 §3.1): version 10, length, export time, sequence number, observation domain id, sets. */
export function ipfixMessage(h: IpfixHeader, sets: Uint8Array[]): Uint8Array {
  const body = concat(sets);
  return concat([u16(10), u16(h.length ?? 16 + body.length), u32(h.exportTime ?? 1700000000), u32(h.sequence), u32(h.domain), body]);
}

export interface V5Flow {
  src: string;
  dst: string;
  nexthop?: string;
  input?: number;
  output?: number;
  packets: number;
  bytes: number;
  first?: number;
  last?: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  protocol?: number;
  tos?: number;
  srcAs?: number;
  dstAs?: number;
  srcMask?: number;
  dstMask?: number;
}

export interface V5Header {
  sequence: number;
  engineType?: number;
  engineId?: number;
  /** The 16-bit field: mode in the top 2 bits, interval in the low 14. */
  samplingInterval?: number;
  sysUptime?: number;
  unixSecs?: number;
  /** Count written (default: the flows given). */
  count?: number;
}

/** NetFlow v5 datagram: 24-byte header and 48-byte records (Cisco's NetFlow v5 export format). */
export function v5Datagram(h: V5Header, flows: V5Flow[]): Uint8Array {
  const header = concat([u16(5), u16(h.count ?? flows.length), u32(h.sysUptime ?? 1000), u32(h.unixSecs ?? 1700000000), u32(0),
    u32(h.sequence), new Uint8Array([h.engineType ?? 0, h.engineId ?? 0]), u16(h.samplingInterval ?? 0)]);
  return concat([header, ...flows.map((f) => concat([parseIPv4(f.src), parseIPv4(f.dst), parseIPv4(f.nexthop ?? '0.0.0.0'),
    u16(f.input ?? 0), u16(f.output ?? 0), u32(f.packets), u32(f.bytes), u32(f.first ?? 0), u32(f.last ?? 0),
    u16(f.srcPort ?? 0), u16(f.dstPort ?? 0), new Uint8Array([0, f.tcpFlags ?? 0, f.protocol ?? 6, f.tos ?? 0]),
    u16(f.srcAs ?? 0), u16(f.dstAs ?? 0), new Uint8Array([f.srcMask ?? 0, f.dstMask ?? 0, 0, 0])]))]);
}

/** A FlowRecord as a plain object with readable addresses. */
export interface SeenRecord {
  exporter: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  vlanId: number;
  inputIf: number;
  outputIf: number;
  bytes: number;
  packets: number;
  samplingRate: number;
}

function address(words: Uint32Array, v6: boolean): string {
  if (!v6) return [24, 16, 8, 0].map((s) => (words[0] >>> s) & 0xff).join('.');
  const groups: string[] = [];
  for (const w of words) groups.push((w >>> 16).toString(16), (w & 0xffff).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

/** A FlowSink recording every record (copied) in `records`; sampled headers are not expected here. */
export class FlowRecorder implements FlowSink {
  readonly records: SeenRecord[] = [];

  record(exporter: number, r: FlowRecord): void {
    this.records.push({ exporter, src: address(r.src, r.v6), dst: address(r.dst, r.v6), srcPort: r.srcPort, dstPort: r.dstPort,
      protocol: r.protocol, vlanId: r.vlanId, inputIf: r.inputIf, outputIf: r.outputIf, bytes: r.bytes, packets: r.packets,
      samplingRate: r.samplingRate });
  }

  sampledHeader(): void {
    throw new Error('netflow decoder called sampledHeader');
  }
}

/** A FlowSink that only sums (for benchmarks and fuzzing): no allocation. */
export class CountingFlowSink implements FlowSink {
  records = 0;
  bytes = 0;
  packets = 0;

  record(_exporter: number, r: FlowRecord): void {
    this.records++;
    this.bytes += r.bytes * r.samplingRate;
    this.packets += r.packets * r.samplingRate;
  }

  sampledHeader(): void {
    throw new Error('netflow decoder called sampledHeader');
  }
}
