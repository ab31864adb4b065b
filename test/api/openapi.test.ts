import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { openApiPath } from '../../src/web/life-events-api/index.ts';
import { buildApiApp, catalogue } from './life-events-api-app.ts';

/** GET /api/openapi.json: generated from the route schemas, and matching the routes exactly. */

interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: { name: string; in: string; required: boolean; schema: object }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

let app: FastifyInstance;
let routes: RouteOptions[];
let doc: OpenApi;
before(async () => {
  ({ app, routes } = await buildApiApp());
  const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  doc = res.json() as OpenApi;
});
after(() => app.close());

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ path, method, op })),
  );
}

/** Every `$ref` in the document, wherever it is. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document that says where verified values come from for now', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'govbridge life events API');
    assert.match(doc.info.version, /^\d+\.\d+\.\d+$/);
    assert.match(doc.info.description, /calling agency service supplies verified values/);
    assert.match(doc.info.description, /consented sign-in/);
  });

  it('documents every route the plugin registers, and nothing else', () => {
    const registered = routes
      .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((m) => ({ m, url: r.url })))
      .filter(({ m }) => m !== 'HEAD')
      .map(({ m, url }) => `${m.toLowerCase()} ${openApiPath(url)}`)
      .sort();
    const documented = operations()
      .map(({ path, method }) => `${method} ${path}`)
      .sort();
    assert.deepEqual(documented, registered);
    assert.deepEqual(documented, [
      'get /api/life-events',
      'get /api/life-events/{eventId}',
      'get /api/openapi.json',
      'post /api/life-events/{eventId}/journey',
    ]);
  });

  it('every documented path exists as a route of the app', () => {
    for (const { path, method } of operations()) {
      const url = path.replace(/\{([^}]+)\}/g, ':$1');
      assert.ok(app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${method} ${path} is a route`);
    }
  });

  it('every operation has an id, a summary, a success response and problem+json errors', () => {
    const ids = new Set<string>();
    for (const { path, method, op } of operations()) {
      assert.ok(op.operationId && !ids.has(op.operationId), `${method} ${path}: unique operationId`);
      ids.add(op.operationId);
      assert.ok(op.summary, `${method} ${path}: summary`);
      assert.ok(op.responses['200']?.content?.['application/json']?.schema, `${method} ${path}: 200 JSON`);
      for (const [status, response] of Object.entries(op.responses)) {
        assert.ok(response.description, `${method} ${path} ${status}: description`);
        if (Number(status) >= 400) {
          assert.deepEqual(response.content?.['application/problem+json']?.schema, {
            $ref: '#/components/schemas/Problem',
          });
        }
      }
      // Path parameters are declared, and required.
      for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
        const p = op.parameters?.find((x) => x.name === name && x.in === 'path');
        assert.ok(p?.required, `${method} ${path}: path parameter ${name}`);
      }
    }
  });

  it('the journey operation documents its body, ?trace, and its 400/404/413/415 problems', () => {
    const op = doc.paths['/api/life-events/{eventId}/journey']?.['post'];
    assert.ok(op);
    assert.deepEqual(Object.keys(op.responses).sort(), ['200', '400', '404', '413', '415']);
    assert.deepEqual(op.responses['200']?.content?.['application/json']?.schema, {
      $ref: '#/components/schemas/Journey',
    });
    const trace = op.parameters?.find((p) => p.name === 'trace');
    assert.deepEqual(trace && { in: trace.in, required: trace.required, schema: trace.schema }, {
      in: 'query',
      required: false,
      schema: { type: 'boolean', default: false },
    });
    const body = op.requestBody?.content['application/json']?.schema as {
      required: string[];
      properties: Record<
        string,
        { propertyNames?: { enum: string[] }; maxProperties?: number; format?: string }
      >;
    };
    assert.ok(op.requestBody?.required);
    assert.deepEqual(body.required, ['eventDate', 'facts']);
    assert.equal(body.properties['eventDate']?.format, 'date');
    // The facts the body accepts are the catalogue's, as Fastify validates them.
    assert.deepEqual(body.properties['facts']?.propertyNames?.enum, [...catalogue.facts.keys()].sort());
    assert.equal(body.properties['facts']?.maxProperties, catalogue.facts.size);
    assert.ok(body.properties['verified']);
  });

  it('the Journey schema describes sources, conflicts and the trace with parameters in force', () => {
    const s = doc.components.schemas;
    const journey = s['Journey'] as { properties: Record<string, unknown>; required: string[] };
    assert.deepEqual(journey.required, [
      'catalogueVersion',
      'eventId',
      'eventName',
      'eventDate',
      'services',
      'questions',
      'facts',
      'conflicts',
    ]);
    assert.deepEqual(journey.properties['conflicts'], {
      type: 'array',
      items: { $ref: '#/components/schemas/Conflict' },
    });
    const decision = s['ServiceDecision'] as { properties: Record<string, { properties?: object }> };
    assert.deepEqual(decision.properties['trace']?.properties, {
      eligibility: { $ref: '#/components/schemas/Trace' },
      deadline: { $ref: '#/components/schemas/Trace' },
      amount: { $ref: '#/components/schemas/Trace' },
    });
    const trace = s['Trace'] as {
      properties: { parameters: { items: { properties: Record<string, unknown>; required: string[] } } };
    };
    assert.deepEqual(trace.properties.parameters.items.required, ['id', 'value', 'from', 'reference']);
  });

  it('every $ref resolves to a component', () => {
    const all = refs(doc);
    assert.ok(all.length > 0);
    for (const ref of all) {
      const name = ref.replace('#/components/schemas/', '');
      assert.ok(ref.startsWith('#/components/schemas/') && doc.components.schemas[name], `${ref} resolves`);
    }
  });
});
