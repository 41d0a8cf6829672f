// Preload (node --import) for CLI tests: gives a spawned otelacct the test-layout decoders
// (test-flow-decoder.ts) for both flow listeners, whatever decoders the build has.
import { overrideFlowDecoders } from '../../src/flow/decoders.ts';
import { testDecoders } from './test-flow-decoder.ts';

overrideFlowDecoders(testDecoders);
