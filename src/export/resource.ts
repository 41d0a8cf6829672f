import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { VERSION } from '../version.ts';

/**
 * The resource of everything otelacct exports: service.name=otelacct, service.version,
 * service.instance.id (a UUID per process), host.name, then OTEL_RESOURCE_ATTRIBUTES /
 * OTEL_SERVICE_NAME, then the config's `resource.attributes` (highest precedence).
 */
export function buildResource(configured: Record<string, string>): Resource {
  const base = resourceFromAttributes({
    'service.name': 'otelacct',
    'service.version': VERSION,
    'service.instance.id': randomUUID(),
    'host.name': hostname(),
  });
  return base.merge(detectResources({ detectors: [envDetector] })).merge(resourceFromAttributes(configured));
}
