import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Resource } from '@opentelemetry/resources';
import { detectResources, envDetector, resourceFromAttributes } from './otel-packages.ts';
import { VERSION } from '../version.ts';
import { ATTR_HOST_NAME, ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, SCHEMA_URL } from './semconv.ts';

/**
 * The resource of everything otelacct exports: service.name=otelacct, service.version,
 * service.instance.id (a UUID per process), host.name, then OTEL_RESOURCE_ATTRIBUTES /
 * OTEL_SERVICE_NAME, then the config's `resource.attributes` (highest precedence). Its schema
 * URL is that of the semantic conventions otelacct's names follow (the detected and configured
 * parts carry none, so the merge keeps it).
 */
export function buildResource(configured: Record<string, string>): Resource {
  const base = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: 'otelacct',
    [ATTR_SERVICE_VERSION]: VERSION,
    [ATTR_SERVICE_INSTANCE_ID]: randomUUID(),
    [ATTR_HOST_NAME]: hostname(),
  }, { schemaUrl: SCHEMA_URL });
  return base.merge(detectResources({ detectors: [envDetector] })).merge(resourceFromAttributes(configured));
}
