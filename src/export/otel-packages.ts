// The OpenTelemetry packages otelacct uses at run time, loaded through their CommonJS builds: the
// `require` condition of each package's `exports` (the official packages as published, neither
// patched nor copied; their `.` entry is the only one there is, so nothing narrower can be
// imported). Every src module takes their values from here (types come from the packages
// themselves), so one build of each is loaded: a mix of the ESM and the CommonJS builds would
// load both (and two copies of their state).
//
// Why not `import`: start-up. An `otelacct --read` of an empty file spent ~0.1 s of its 0.3 s
// loading these ~170 files through the ESM loader (URL resolution and package scope lookups per
// file), and @opentelemetry/exporter-prometheus's `import ... from 'http'` builds node:http's ESM
// facade, which reads its lazy WebSocket getters and so loads undici (with http2, tls, zlib and
// web streams) for a run that serves nothing. `require` resolves cheaper and `require('http')`
// has no facade. Measured in docs/performance.md.
import { createRequire } from 'node:module';
import type * as Api from '@opentelemetry/api';
import type * as Core from '@opentelemetry/core';
import type * as PrometheusPackage from '@opentelemetry/exporter-prometheus';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type * as SemanticConventions from '@opentelemetry/semantic-conventions';

const require = createRequire(import.meta.url);

const api = require('@opentelemetry/api') as typeof Api;
const core = require('@opentelemetry/core') as typeof Core;
const sdkMetrics = require('@opentelemetry/sdk-metrics') as typeof SdkMetrics;
const prometheus = require('@opentelemetry/exporter-prometheus') as typeof PrometheusPackage;
const resources = require('@opentelemetry/resources') as typeof Resources;

export const { ValueType } = api;
export type ValueType = Api.ValueType;

export const { ExportResultCode, hrTime, hrTimeToMilliseconds } = core;
export type ExportResultCode = Core.ExportResultCode;

export const { AggregationTemporality, DataPointType, MeterProvider, MetricReader } = sdkMetrics;
export type AggregationTemporality = SdkMetrics.AggregationTemporality;
export type DataPointType = SdkMetrics.DataPointType;
export type MeterProvider = SdkMetrics.MeterProvider;
export type MetricReader = SdkMetrics.MetricReader;

export const { PrometheusExporter, PrometheusSerializer } = prometheus;
export type PrometheusExporter = PrometheusPackage.PrometheusExporter;
export type PrometheusSerializer = PrometheusPackage.PrometheusSerializer;

export const { detectResources, envDetector, resourceFromAttributes } = resources;

/** The stable semantic conventions' names (values never change within 1.x). */
export const semanticConventions = require('@opentelemetry/semantic-conventions') as typeof SemanticConventions;
