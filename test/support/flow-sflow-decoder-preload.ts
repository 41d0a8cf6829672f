// Preload (node --import) for the oracle tests: gives a spawned otelacct the real sFlow decoder
// (src/flow/sflow-decoder.ts) until src/flow/decoders.ts wires it for every run; then this
// file and its --import can go.
import { overrideFlowDecoders } from '../../src/flow/decoders.ts';
import { SflowDecoder } from '../../src/flow/sflow-decoder.ts';

overrideFlowDecoders({ sflow: (sink, stats) => new SflowDecoder(sink, stats) });
