import type { FastifySchema, RouteOptions } from 'fastify';

/**
 * An OpenAPI 3.1 document generated from the route schemas Fastify validates and serialises with:
 * an `onRoute` hook collects every route a plugin registers (`collectRoute`), and
 * `buildOpenApiDocument` turns them into paths. OpenAPI 3.1 uses JSON Schema 2020-12, so the
 * schemas go in as they are; the ones the caller names become `$ref`s to `components/schemas`.
 *
 * Both APIs build their documents with this: the admin API's, and the life-events API's
 * (`life-events-api/openapi.ts` passes its named schemas).
 */

export type JsonSchema = { readonly [key: string]: unknown };

/** What a route's `schema` may carry besides Fastify's own parts, for the document. */
export interface DocumentedSchema {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  /** OpenAPI security requirements of this operation (`[]`: none, overriding the document's). */
  security?: Record<string, string[]>[];
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string, JsonSchema>;
}

/** A route's schema with its documentation, as Fastify's `schema` option takes it. */
export function documented(schema: DocumentedSchema): FastifySchema {
  return schema as FastifySchema;
}

export interface CollectedRoute {
  method: string;
  url: string;
  schema: DocumentedSchema;
}

const DOCUMENTED_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** For an `onRoute` hook: the documented routes (HEAD routes Fastify adds for GETs are left out). */
export function collectRoute(routes: CollectedRoute[], route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  for (const method of methods) {
    if (!DOCUMENTED_METHODS.has(method)) continue;
    routes.push({ method, url: route.url, schema: (route.schema ?? {}) as DocumentedSchema });
  }
}

/** `/admin/api/agencies/:agencyId` → `/admin/api/agencies/{agencyId}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

interface Components {
  schemas: Record<string, JsonSchema>;
}

/** Replace named schemas by `$ref`s (adding them to components once), recursively. */
function withRefs(
  value: unknown,
  named: ReadonlyMap<object, string>,
  components: Components,
  top = false,
): unknown {
  if (Array.isArray(value)) return value.map((v) => withRefs(v, named, components));
  if (value === null || typeof value !== 'object') return value;
  const name = named.get(value);
  if (name && !top) {
    if (!(name in components.schemas)) {
      components.schemas[name] = {}; // placeholder: a schema may refer to itself
      components.schemas[name] = withRefs(value, named, components, true) as JsonSchema;
    }
    return { $ref: `#/components/schemas/${name}` };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withRefs(v, named, components);
  return out;
}

function parametersOf(where: 'path' | 'query', schema: JsonSchema | undefined): Record<string, unknown>[] {
  if (!schema) return [];
  const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

export interface OpenApiOptions {
  info: { title: string; version: string; description: string };
  /** Shared schemas (by identity) and their names under `components/schemas`. */
  namedSchemas?: ReadonlyMap<object, string>;
  /** `components/securitySchemes`. */
  securitySchemes?: Record<string, JsonSchema>;
  /** The document's default security requirements. */
  security?: Record<string, string[]>[];
}

export function buildOpenApiDocument(routes: readonly CollectedRoute[], options: OpenApiOptions) {
  const named = options.namedSchemas ?? new Map<object, string>();
  const components: Components = { schemas: {} };
  const refs = (v: unknown) => withRefs(v, named, components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const s = route.schema;
    const parameters = [...parametersOf('path', s.params), ...parametersOf('query', s.querystring)];
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(s.response ?? {})) {
      // Routes declare responses in Fastify's content-type form, which is OpenAPI's own shape.
      responses[status] =
        'content' in r
          ? refs(r)
          : { description: 'Response', content: { 'application/json': { schema: refs(r) } } };
    }
    const operation: Record<string, unknown> = {
      ...(s.operationId ? { operationId: s.operationId } : {}),
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.description ? { description: s.description } : {}),
      ...(s.tags ? { tags: s.tags } : {}),
      ...(s.security ? { security: s.security } : {}),
      ...(parameters.length > 0 ? { parameters: refs(parameters) } : {}),
      ...(s.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: refs(s.body) } } } }
        : {}),
      responses,
    };
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: options.info,
    ...(options.security ? { security: options.security } : {}),
    paths,
    components: {
      schemas: components.schemas,
      ...(options.securitySchemes ? { securitySchemes: options.securitySchemes } : {}),
    },
  };
}
