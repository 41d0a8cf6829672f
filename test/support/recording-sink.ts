import type { PacketSink } from '../../src/capture/packet-sink.ts';

/** One packet as a RecordingSink saw it, with its bytes copied out of the reader's buffer. */
export interface RecordedPacket {
  data: Uint8Array;
  capturedLength: number;
  wireLength: number;
  linkType: number;
  interfaceIndex: number;
}

/** A PacketSink for tests that copies every packet it receives into `packets`. */
export class RecordingSink implements PacketSink {
  /** Packets in arrival order. */
  readonly packets: RecordedPacket[] = [];

  packet(data: Uint8Array, offset: number, capturedLength: number, wireLength: number, linkType: number,
    interfaceIndex: number): void {
    // Not data.slice(): on a Buffer that is a view into the reader's reused buffer, not a copy.
    this.packets.push({ data: Uint8Array.from(data.subarray(offset, offset + capturedLength)), capturedLength, wireLength, linkType,
      interfaceIndex });
  }
}

/** A PacketSink that only counts packets and bytes (for benchmarks and large tests). */
export class CountingSink implements PacketSink {
  packets = 0;
  bytes = 0;

  packet(_data: Uint8Array, _offset: number, capturedLength: number): void {
    this.packets++;
    this.bytes += capturedLength;
  }
}
