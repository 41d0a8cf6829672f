import { compactIfIndex, expandedIfIndex, padded, SflowFlowRecord, SflowSize, u32 } from './sflow-format.ts';

/**
 * One sFlow v5 flow_sample (enterprise 0, format 1) or flow_sample_expanded (format 3), read into
 * plain fields: the sample's own fields, and where in the datagram its records are. One instance
 * is reused for every sample; `parse()` resets every field. Records are found in a first pass so
 * that a malformed sample is rejected whole, before anything is accounted. Only the first record
 * of each kind counts; unknown records (other enterprises or formats) are skipped by their length.
 */
export class SflowFlowSample {
  sequence = 0;
  sourceType = 0;
  sourceIndex = 0;
  samplingRate = 0;
  samplePool = 0;
  drops = 0;
  /** ifIndex, 0 for none (unknown, the device itself, discarded, several interfaces). */
  inputIf = 0;
  outputIf = 0;
  /** Offset of the first sampled_header's header<> bytes, -1 when the sample has none. */
  headerAt = -1;
  headerLength = 0;
  frameLength = 0;
  headerProtocol = 0;
  /** Offset of the first sampled_ipv4 / sampled_ipv6 record's body, -1 when none. */
  ipAt = -1;
  ipV6 = false;
  /** extended_switch VLAN (src_vlan, else dst_vlan), 0 when absent or not a 12-bit id. */
  switchVlan = 0;

  /**
   * Reads the sample whose body is `data[at .. at+length)` (the sample_data opaque, already
   * checked to lie inside the datagram). False when it is malformed: too short for its fixed
   * fields, a record running past the sample's end, a known record too short for its fields,
   * a header<> longer than its record, or a sampling rate of 0.
   */
  parse(data: Uint8Array, at: number, length: number, expanded: boolean): boolean {
    this.headerAt = -1; this.headerLength = 0; this.frameLength = 0; this.headerProtocol = 0;
    this.ipAt = -1; this.ipV6 = false; this.switchVlan = 0;
    const end = at + length;
    if (length < (expanded ? SflowSize.FLOW_SAMPLE_EXPANDED_FIXED : SflowSize.FLOW_SAMPLE_FIXED)) return false;
    this.sequence = u32(data, at);
    let o: number;
    if (expanded) {
      this.sourceType = u32(data, at + 4);
      this.sourceIndex = u32(data, at + 8);
      o = at + 12;
    } else {
      const source = u32(data, at + 4);
      this.sourceType = source >>> 24;
      this.sourceIndex = source & 0xffffff;
      o = at + 8;
    }
    this.samplingRate = u32(data, o);
    this.samplePool = u32(data, o + 4);
    this.drops = u32(data, o + 8);
    o += 12;
    if (expanded) {
      this.inputIf = expandedIfIndex(u32(data, o), u32(data, o + 4));
      this.outputIf = expandedIfIndex(u32(data, o + 8), u32(data, o + 12));
      o += 16;
    } else {
      this.inputIf = compactIfIndex(u32(data, o));
      this.outputIf = compactIfIndex(u32(data, o + 4));
      o += 8;
    }
    const records = u32(data, o);
    o += 4;
    // Each record takes at least 8 bytes, so a huge count ends at `end`.
    for (let r = 0; r < records; r++) {
      if (end - o < 8) return false;
      const format = u32(data, o);
      const recordLength = u32(data, o + 4);
      const body = o + 8;
      if (padded(recordLength) > end - body) return false;
      if (!this.#record(data, format, body, recordLength)) return false;
      o = body + padded(recordLength);
    }
    return this.samplingRate !== 0;
  }

  #record(data: Uint8Array, format: number, body: number, length: number): boolean {
    switch (format) {
      case SflowFlowRecord.SAMPLED_HEADER: {
        if (length < SflowSize.SAMPLED_HEADER_FIXED) return false;
        const headerLength = u32(data, body + 12);
        if (headerLength > length - SflowSize.SAMPLED_HEADER_FIXED) return false;
        if (this.headerAt < 0) {
          this.headerProtocol = u32(data, body);
          this.frameLength = u32(data, body + 4);
          this.headerLength = headerLength;
          this.headerAt = body + SflowSize.SAMPLED_HEADER_FIXED;
        }
        return true;
      }
      case SflowFlowRecord.SAMPLED_IPV4:
      case SflowFlowRecord.SAMPLED_IPV6: {
        const v6 = format === SflowFlowRecord.SAMPLED_IPV6;
        if (length < (v6 ? SflowSize.SAMPLED_IPV6 : SflowSize.SAMPLED_IPV4)) return false;
        if (this.ipAt < 0) {
          this.ipAt = body;
          this.ipV6 = v6;
        }
        return true;
      }
      case SflowFlowRecord.EXTENDED_SWITCH: {
        if (length < SflowSize.EXTENDED_SWITCH) return false;
        const src = u32(data, body);
        const vlan = src !== 0 ? src : u32(data, body + 8);
        if (this.switchVlan === 0) this.switchVlan = vlan <= 4095 ? vlan : 0;
        return true;
      }
      default:
        return true;
    }
  }
}
