import { createRequire } from 'node:module';
import type { ExportRequest } from './otlp-receiver.ts';

/**
 * The OTLP protobuf messages, decoded by protobufjs with the definitions compiled from
 * opentelemetry-proto that the official `@opentelemetry/otlp-proto-exporter-base` ships
 * (build/src/generated/root.js; a devDependency used for nothing else). The exporters of the
 * 0.301 line encode with a hand-written writer of their own, so this decoder is independent of
 * the code under test. package.json's `overrides` keep that package on the project's OTel line
 * (one @opentelemetry/core); root.js needs only protobufjs/minimal.
 */
interface Codec {
  decode(buf: Uint8Array): unknown;
  toObject(msg: unknown, opts: object): unknown;
  encode(msg: object): { finish(): Uint8Array };
}
const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-proto-exporter-base/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { metrics: { v1: { ExportMetricsServiceRequest: Codec; ExportMetricsServiceResponse: Codec } } } } };
};
const v1 = root.opentelemetry.proto.collector.metrics.v1;

/** gRPC method path of MetricsService.Export. */
export const EXPORT_METHOD = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/**
 * Decodes a binary ExportMetricsServiceRequest into the shape of its JSON encoding (64-bit
 * integers as strings, enums as numbers, fields absent when not on the wire), so one set of
 * helpers reads all three protocols.
 */
export function decodeRequest(buf: Uint8Array): ExportRequest {
  const msg = v1.ExportMetricsServiceRequest.decode(buf);
  return v1.ExportMetricsServiceRequest.toObject(msg, { longs: String, enums: Number, bytes: String, arrays: true }) as ExportRequest;
}

/** An empty ExportMetricsServiceResponse (full success), encoded. */
export function encodeResponse(): Buffer {
  return Buffer.from(v1.ExportMetricsServiceResponse.encode({}).finish());
}
