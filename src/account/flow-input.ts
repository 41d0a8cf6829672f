import type { FlowRecord, FlowSink, FlowStats } from '../flow/flow-sink.ts';
import type { Accountant } from './accountant.ts';

/**
 * The FlowSink one listener's decoder writes to: the accountant's, with the listener's
 * network.interface.name (`sflow`, `netflow`) and its decoder's FlowStats for headers the packet
 * decoder cannot use. Made once per listener; nothing per record.
 */
export class FlowInput implements FlowSink {
  readonly #accountant: Accountant;
  readonly #interface: number;
  readonly #stats: FlowStats;

  constructor(accountant: Accountant, interfaceIndex: number, stats: FlowStats) {
    this.#accountant = accountant;
    this.#interface = interfaceIndex;
    this.#stats = stats;
  }

  record(exporter: number, r: FlowRecord): void {
    this.#accountant.record(exporter, r, this.#interface);
  }

  sampledHeader(exporter: number, data: Uint8Array, offset: number, headerLength: number, frameLength: number,
    headerProtocol: number, samplingRate: number, inputIf: number, outputIf: number): void {
    this.#accountant.sampledHeader(exporter, data, offset, headerLength, frameLength, headerProtocol, samplingRate, inputIf, outputIf, this.#interface, this.#stats);
  }
}
