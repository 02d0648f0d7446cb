import { ApiHeader, ApiParam } from '@nestjs/swagger';

/**
 * OpenAPI documentation of the path parameters and headers several controllers share, so that
 * each is described (with an example) once.
 */

/** `{code}`: a purpose code (default) or a system code, both lower-case slugs. */
export const ApiCodeParam = (example = 'marketing.newsletter', description = 'Purpose code') =>
  ApiParam({ name: 'code', example, description });

/** `{code}` of a system. */
export const ApiSystemCodeParam = () => ApiCodeParam('crm', 'System code');

/** A path parameter holding a UUID (checked by ParseUUIDPipe). */
export const ApiUuidParam = (name: string, example: string, description: string) =>
  ApiParam({ name, format: 'uuid', example, description });

/** Optimistic concurrency: parsed by @IfMatchVersion(). */
export const ApiIfMatchHeader = (example = '"3"') =>
  ApiHeader({
    name: 'If-Match',
    required: false,
    description: `Expected current version, e.g. ${example}; a stale one is a 412`,
    example,
  });
