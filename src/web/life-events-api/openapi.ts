import {
  buildOpenApiDocument as buildDocument,
  type CollectedRoute,
  type OpenApiOptions,
} from '../api-docs/openapi-document.ts';
import { NAMED_SCHEMAS } from './schemas.ts';

/**
 * The life-events API's OpenAPI 3.1 document: the shared generator (`api-docs/openapi-document.ts`,
 * also used for the admin API) with this API's named schemas as `components/schemas`.
 */
export {
  type CollectedRoute,
  collectRoute,
  type DocumentedSchema,
  openApiPath,
} from '../api-docs/openapi-document.ts';

export type OpenApiInfo = OpenApiOptions['info'];

export function buildOpenApiDocument(routes: readonly CollectedRoute[], info: OpenApiInfo) {
  return buildDocument(routes, { info, namedSchemas: NAMED_SCHEMAS });
}
