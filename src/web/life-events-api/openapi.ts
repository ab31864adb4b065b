import type { RouteOptions } from 'fastify';
import { type JsonSchema, NAMED_SCHEMAS } from './schemas.ts';

/**
 * The OpenAPI 3.1 document, generated from the route schemas Fastify validates and serialises with:
 * an `onRoute` hook collects every route the plugin registers (`collectRoute`), and
 * `buildOpenApiDocument` turns them into paths. OpenAPI 3.1 uses JSON Schema 2020-12, so the
 * schemas go in as they are; shared ones become `$ref`s to `components/schemas`.
 */

/** What a route's `schema` may carry besides Fastify's own parts, for the document. */
export interface DocumentedSchema {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string, JsonSchema>;
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

/** `/api/life-events/:eventId/journey` → `/api/life-events/{eventId}/journey`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

interface Components {
  schemas: Record<string, JsonSchema>;
}

/** Replace named schemas by `$ref`s (adding them to components once), recursively. */
function withRefs(value: unknown, components: Components, top = false): unknown {
  if (Array.isArray(value)) return value.map((v) => withRefs(v, components));
  if (value === null || typeof value !== 'object') return value;
  const name = NAMED_SCHEMAS.get(value);
  if (name && !top) {
    if (!(name in components.schemas)) {
      components.schemas[name] = {}; // placeholder: a schema may refer to itself
      components.schemas[name] = withRefs(value, components, true) as JsonSchema;
    }
    return { $ref: `#/components/schemas/${name}` };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withRefs(v, components);
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

function responsesOf(response: Record<string, JsonSchema> | undefined, components: Components) {
  const out: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(response ?? {})) {
    // Routes declare responses in Fastify's content-type form, which is OpenAPI's own shape.
    out[status] =
      'content' in r
        ? withRefs(r, components)
        : { description: 'Response', content: { 'application/json': { schema: withRefs(r, components) } } };
  }
  return out;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

export function buildOpenApiDocument(routes: readonly CollectedRoute[], info: OpenApiInfo) {
  const components: Components = { schemas: {} };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const s = route.schema;
    const path = openApiPath(route.url);
    const parameters = [...parametersOf('path', s.params), ...parametersOf('query', s.querystring)];
    const operation: Record<string, unknown> = {
      ...(s.operationId ? { operationId: s.operationId } : {}),
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.description ? { description: s.description } : {}),
      ...(s.tags ? { tags: s.tags } : {}),
      ...(parameters.length > 0 ? { parameters: withRefs(parameters, components) } : {}),
      ...(s.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: withRefs(s.body, components) } },
            },
          }
        : {}),
      responses: responsesOf(s.response, components),
    };
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info,
    paths,
    components,
  };
}
