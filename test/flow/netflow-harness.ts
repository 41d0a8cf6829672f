import { FlowCounter, FlowStats } from '../../src/flow/flow-sink.ts';
import { NetflowDecoder } from '../../src/flow/netflow-decoder.ts';
import { FlowRecorder } from '../support/netflow-builder.ts';

/** A decoder wired to a recorder, with per-exporter configured rates and a clock. */
export class Harness {
  readonly sink = new FlowRecorder();
  readonly stats = new FlowStats();
  readonly configured = new Map<number, number>();
  readonly decoder: NetflowDecoder;
  nowMs = 1_000_000;
  /** Calls of the configured-rate callback. */
  fallbackCalls = 0;

  constructor(templateTimeout = 1800) {
    this.decoder = new NetflowDecoder(this.sink, this.stats, {
      templateTimeout,
      samplingRate: (exporter) => {
        this.fallbackCalls++;
        return this.configured.get(exporter) ?? 1;
      },
    });
  }

  feed(datagram: Uint8Array, exporter = 0): void {
    this.decoder.datagram(datagram, datagram.length, exporter, this.nowMs);
  }

  /** Records seen so far, then forgotten. */
  take() {
    return this.sink.records.splice(0);
  }

  counter(name: keyof typeof FlowCounter, exporter = 0): number {
    return this.stats.get(exporter, FlowCounter[name]);
  }
}
