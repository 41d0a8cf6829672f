/**
 * One generated frame and what a correct decoder must report for it. The generator reuses a
 * single instance (and its buffer) for every frame; nothing here allocates per frame.
 */

/** Largest frame the generator writes (jumbo Ethernet plus every header it stacks). */
export const MAX_FRAME = 12_000;
/** Most length-like fields recorded per frame for targeted mutations. */
export const MAX_FIELDS = 48;

/** Feature bits of a BuiltFrame; FEATURE_NAMES names them in bit order. */
export const Feature = {
  VLAN: 1, QINQ: 2, SNAP: 4, MPLS: 8, PPPOE: 16, IPV4_OPTIONS: 32, IPV4_FRAGMENT: 64, IPV6_EXTENSIONS: 128,
  IPV6_FRAGMENT: 256, WIRE_SIZED: 512, ETHERNET_PADDING: 1024, MACSEC: 2048,
} as const;

/** Names of the Feature bits, lowest first. */
export const FEATURE_NAMES: readonly string[] = [
  'vlan', 'qinq', 'llc/snap', 'mpls', 'pppoe', 'ipv4 options', 'ipv4 fragment', 'ipv6 extension headers',
  'ipv6 fragment', 'tso / big tcp / jumbogram', 'ethernet padding or fcs', 'macsec',
];

/** A generated frame: bytes `data[0 .. length)` plus the decoder's expected output. */
export class BuiltFrame {
  readonly data = new Uint8Array(MAX_FRAME);
  length = 0;
  linkType = 0;
  /** Wire length (≥ length; larger for TSO, BIG TCP and jumbogram frames). */
  wireLength = 0;
  /** Index of the link layer in LINK_SHAPES (for per-shape counts). */
  shape = 0;
  /** Feature bits (Feature.*) of what the frame stacks, for coverage counts. */
  features = 0;

  // Expected DecodeResult of the untouched frame (status OK).
  ipVersion = 0;
  ipOffset = 0;
  ipBytes = 0;
  protocol = 0;
  srcPort = 0;
  dstPort = 0;
  icmpTypeCode = 0;
  vlanId = 0;
  laterFragment = false;
  /**
   * Captured bytes the decoder needs to produce the expected result: a snaplen at or past this
   * point must not change it (ports, ICMP type, the extension-header chain lie before it).
   */
  needEnd = 0;
  /**
   * Wire size of the IP packet when it is larger than what was written (IPv4 TSO total length 0,
   * IPv6 BIG TCP, jumbograms), else 0; the generator sets wireLength = ipOffset + ipWire.
   */
  ipWire = 0;

  /** Offsets and sizes (1, 2 or 4 bytes) of length, type and count fields, for mutations. */
  readonly fieldAt = new Int32Array(MAX_FIELDS);
  readonly fieldSize = new Uint8Array(MAX_FIELDS);
  fieldCount = 0;

  /** Clears the expectations and field list before a new frame is built. */
  reset(): void {
    this.length = 0;
    this.linkType = 0;
    this.wireLength = 0;
    this.shape = 0;
    this.features = 0;
    this.ipVersion = 0;
    this.ipOffset = 0;
    this.ipBytes = 0;
    this.protocol = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.icmpTypeCode = 0;
    this.vlanId = 0;
    this.laterFragment = false;
    this.needEnd = 0;
    this.ipWire = 0;
    this.fieldCount = 0;
  }

  /** Records a field at `at` of `size` bytes as a target for length mutations. */
  field(at: number, size: number): void {
    if (this.fieldCount === MAX_FIELDS) return;
    this.fieldAt[this.fieldCount] = at;
    this.fieldSize[this.fieldCount] = size;
    this.fieldCount++;
  }

  /** Writes a byte. */
  u8(at: number, v: number): void {
    this.data[at] = v;
  }

  /** Writes a big-endian 16-bit value. */
  u16(at: number, v: number): void {
    this.data[at] = v >>> 8;
    this.data[at + 1] = v;
  }

  /** Writes a big-endian 32-bit value. */
  u32(at: number, v: number): void {
    this.data[at] = v >>> 24;
    this.data[at + 1] = v >>> 16;
    this.data[at + 2] = v >>> 8;
    this.data[at + 3] = v;
  }

  /** Reads a big-endian 16-bit value. */
  get16(at: number): number {
    return (this.data[at] << 8) | this.data[at + 1];
  }

  /** The frame as hex (for failure messages). */
  hex(length = this.length): string {
    return Buffer.from(this.data.buffer, 0, length).toString('hex');
  }
}
