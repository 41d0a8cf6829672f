import type { PacketSink } from '../capture/packet-sink.ts';
import { decodePacket } from '../decode/decode-packet.ts';
import { DECODE_STATUS_COUNT, DecodeResult, DecodeStatus } from '../decode/decode-result.ts';
import { buildFlowKey } from './flow-key.ts';
import { FlowTable } from './flow-table.ts';

/**
 * The per-packet path: decode once, build the flow key, add to the flow table. Also keeps the
 * counters self-telemetry reports (frames per interface, frames not accounted per reason).
 * Nothing here allocates, throws or calls the OpenTelemetry SDK.
 */
export class Accountant implements PacketSink {
  readonly table: FlowTable;
  /** Frames seen per interface index (accounted or not). */
  readonly framesByInterface = new Float64Array(65536);
  /** Frames not accounted, per DecodeStatus (index 0, OK, stays 0). */
  readonly decodeErrors = new Float64Array(DECODE_STATUS_COUNT);
  /** Sum of ipBytes over accounted packets (including flow-table overflow). */
  totalBytes = 0;
  /** Accounted packets. */
  totalPackets = 0;
  /** Called (at most once until the next `tableFlushed()`) when the table is 3/4 full. */
  onTableFilling: (() => void) | undefined;
  readonly #fields: number;
  readonly #decoded = new DecodeResult();
  readonly #fillMark: number;
  #fillSignalled = false;

  /**
   * @param fields KeyField bit set of the dimensions kept in the key
   * @param maxFlows distinct keys held between flushes
   */
  constructor(fields: number, maxFlows: number) {
    this.#fields = fields;
    this.table = new FlowTable(maxFlows);
    this.#fillMark = Math.max(1, Math.floor(maxFlows * 0.75));
  }

  packet(data: Uint8Array, offset: number, capturedLength: number, wireLength: number, linkType: number, interfaceIndex: number): void {
    this.framesByInterface[interfaceIndex]++;
    const d = this.#decoded;
    const status = decodePacket(data, offset, capturedLength, wireLength, linkType, d);
    if (status !== DecodeStatus.OK) {
      this.decodeErrors[status]++;
      return;
    }
    const table = this.table;
    buildFlowKey(data, d, interfaceIndex, this.#fields, table.scratch);
    table.add(d.ipBytes, 1);
    this.totalBytes += d.ipBytes;
    this.totalPackets++;
    if (table.size >= this.#fillMark && !this.#fillSignalled) {
      this.#fillSignalled = true;
      this.onTableFilling?.();
    }
  }

  /** Called by whoever emptied the table, to re-arm onTableFilling. */
  tableFlushed(): void {
    this.#fillSignalled = false;
  }
}
