import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { ReceiverBase, type ReceiverTls } from './otlp-receiver.ts';
import { decodeRequest, encodeResponse, EXPORT_METHOD } from './otlp-proto.ts';

/** MetricsService.Export with raw bytes in and out: decoding happens in the handler, so a bad request is recorded, not dropped. */
const SERVICE: ServiceDefinition = {
  Export: {
    path: EXPORT_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};

/**
 * A loopback OTLP/gRPC receiver: a real `@grpc/grpc-js` server (the library the official gRPC
 * exporter uses) serving opentelemetry.proto.collector.metrics.v1.MetricsService/Export, the
 * request decoded by protobufjs (otlp-proto.ts). Plaintext, or TLS with `tls` (client
 * certificates required when `tls.clientCa` is given). Refusals are UNAVAILABLE (for `503`) or
 * RESOURCE_EXHAUSTED (for `429`), the codes the OTLP spec makes retryable.
 */
export class OtlpGrpcReceiver extends ReceiverBase {
  readonly #tls: ReceiverTls | undefined;
  #server: Server | undefined;

  constructor(keep = Infinity, opts: { tls?: ReceiverTls; view?: boolean } = {}) {
    super(keep, opts.view ?? false);
    this.#tls = opts.tls;
  }

  async start(): Promise<string> {
    const server = new Server();
    server.addService(SERVICE, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, done: sendUnaryData<Buffer>) => {
        let body;
        try {
          body = decodeRequest(call.request);
        } catch (err) {
          this.problems.push(String(err));
          done({ code: status.INVALID_ARGUMENT, details: String(err) });
          return;
        }
        const headers = Object.fromEntries(Object.entries(call.metadata.getMap()).map(([k, v]) => [k, String(v)]));
        const answer = this.answer({ path: EXPORT_METHOD, protocol: 'grpc', headers, body });
        if (answer === 'hang') return;
        if (answer === 'ok') done(null, encodeResponse());
        else done({ code: answer === '503' ? status.UNAVAILABLE : status.RESOURCE_EXHAUSTED, details: 'refused by the test receiver' });
      },
    });
    const tls = this.#tls;
    const creds = tls
      ? ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined)
      : ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))));
    this.#server = server;
    return `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    const server = this.#server;
    if (!server) return Promise.resolve();
    server.forceShutdown();
    return Promise.resolve();
  }
}
