import type { FlowDecoder, FlowSink, FlowStats } from './flow-sink.ts';
import { NetflowDecoder } from './netflow-decoder.ts';
import { SflowDecoder } from './sflow-decoder.ts';

/** What the NetFlow v5/v9/IPFIX decoder is given besides its sink and stats. */
export interface NetflowDecoderOptions {
  /** Seconds a template lives without a refresh (flow.templateTimeout). */
  templateTimeout: number;
  /** Sampling rate of `exporter` where its datagrams give none (flow.samplingRates; 1 if unset). */
  samplingRate(exporter: number): number;
}

/** What the sFlow decoder is given besides its sink and stats. */
export interface SflowDecoderOptions {
  /** flow.maxExporters: exporter ids are below it (sizes each exporter's reserved share of state). */
  maxExporters: number;
}

/** How the flow collector makes its decoders: one per listener, for the process's lifetime. */
export interface FlowDecoderFactories {
  sflow?: (sink: FlowSink, stats: FlowStats, options: SflowDecoderOptions) => FlowDecoder;
  netflow?: (sink: FlowSink, stats: FlowStats, options: NetflowDecoderOptions) => FlowDecoder;
}

let override: FlowDecoderFactories | undefined;

/** The decoders otelacct runs: sFlow v5, and NetFlow v5/v9 and IPFIX (one decoder for both ports). */
export function flowDecoders(): FlowDecoderFactories {
  return override ?? {
    sflow: (sink, stats, o) => new SflowDecoder(sink, stats, o.maxExporters),
    netflow: (sink, stats, o) => new NetflowDecoder(sink, stats, o),
  };
}

/**
 * Replaces the decoders for this process (tests: a preload module gives the CLI a decoder of a
 * trivial test layout). Not for production use.
 */
export function overrideFlowDecoders(factories: FlowDecoderFactories): void {
  override = factories;
}
