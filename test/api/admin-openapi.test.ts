import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { flagProblem } from '../../src/ledger/index.ts';
import { openApiPath } from '../../src/web/api-docs/openapi-document.ts';
import { type AdminTestApp, auth, buildAdminApp } from './admin-api-app.ts';

/**
 * GET /admin/api/openapi.json: a valid OpenAPI 3.1 document, generated from the route schemas,
 * covering every route Fastify registered under /admin/api, with the bearer scheme; and the
 * API's real answers match what it documents.
 */

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string; description: string };
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Record<string, unknown>>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
}

let t: AdminTestApp;
let doc: OpenApi;
before(async () => {
  t = await buildAdminApp();
  // No token: the document describes the API and holds nothing of the hub's.
  const res = await t.app.inject({ method: 'GET', url: '/admin/api/openapi.json' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  doc = res.json() as OpenApi;
});
after(() => t.close());

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ path, method, op })),
  );
}

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

describe('GET /admin/api/openapi.json', () => {
  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(
      structuredClone(doc) as unknown as Parameters<Validator['validate']>[0],
    );
    assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors, null, 2));
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'govbridge admin API');
  });

  it('every schema in it is valid JSON Schema 2020-12, and every $ref resolves', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema(doc, 'admin.json');
    for (const name of Object.keys(doc.components.schemas)) {
      assert.ok(ajv.compile({ $ref: `admin.json#/components/schemas/${name}` }), name);
    }
    const all = refs(doc);
    assert.ok(all.length > 0);
    for (const ref of all) {
      const name = ref.replace('#/components/schemas/', '');
      assert.ok(ref.startsWith('#/components/schemas/') && doc.components.schemas[name], `${ref} resolves`);
    }
  });

  it('documents every route Fastify registered under /admin/api, and nothing else', () => {
    const registered = t.routes
      .filter((r) => r.url.startsWith('/admin/api/'))
      .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((m) => ({ m, url: r.url })))
      .filter(({ m }) => m !== 'HEAD')
      .map(({ m, url }) => `${m.toLowerCase()} ${openApiPath(url)}`)
      .sort();
    const documented = operations()
      .map(({ path, method }) => `${method} ${path}`)
      .sort();
    assert.deepEqual(documented, registered);
    // The list as it stands, so that a route added without a schema is noticed here too.
    assert.deepEqual(documented, [
      'get /admin/api/agencies',
      'get /admin/api/agencies/{agencyId}',
      'get /admin/api/ledger/problems',
      'get /admin/api/metrics',
      'get /admin/api/notifications',
      'get /admin/api/notifications/queues',
      'get /admin/api/notifications/{notificationId}',
      'get /admin/api/openapi.json',
      'post /admin/api/agencies/{agencyId}/replay',
      'post /admin/api/agencies/{agencyId}/resume',
      'post /admin/api/agencies/{agencyId}/suspend',
      'post /admin/api/notifications/{notificationId}/replay',
      'put /admin/api/agencies/{agencyId}',
    ]);
  });

  it('says the operations need the bearer token, except the document itself', () => {
    assert.deepEqual(doc.components.securitySchemes, {
      operatorToken: {
        type: 'http',
        scheme: 'bearer',
        description: 'The operator token, GOVBRIDGE_ADMIN_TOKEN (at least 32 characters).',
      },
    });
    assert.deepEqual(doc.security, [{ operatorToken: [] }]);
    for (const { path, method, op } of operations()) {
      if (path === '/admin/api/openapi.json') {
        assert.deepEqual(op.security, []);
        assert.equal(op.responses['401'], undefined);
      } else {
        assert.equal(op.security, undefined, `${method} ${path} uses the document's security`);
        assert.ok(op.responses['401'], `${method} ${path} documents 401`);
      }
    }
  });

  it('every operation has an id, a summary, a success response and problem+json errors', () => {
    const ids = new Set<string>();
    for (const { path, method, op } of operations()) {
      assert.ok(op.operationId && !ids.has(op.operationId), `${method} ${path}: unique operationId`);
      ids.add(op.operationId);
      assert.ok(op.summary, `${method} ${path}: summary`);
      assert.ok(op.responses['200']?.content, `${method} ${path}: 200`);
      for (const [status, response] of Object.entries(op.responses)) {
        assert.ok(response.description, `${method} ${path} ${status}: description`);
        if (Number(status) >= 400) {
          assert.deepEqual(response.content?.['application/problem+json']?.schema, {
            $ref: '#/components/schemas/Problem',
          });
        }
      }
      for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
        const p = op.parameters?.find((x) => x.name === name && x.in === 'path');
        assert.ok(p?.required, `${method} ${path}: path parameter ${name}`);
        assert.ok(p.schema['pattern'], `${method} ${path}: ${name} has a pattern`);
        assert.ok(op.responses['400'], `${method} ${path}: a bad ${name} is a documented 400`);
      }
    }
  });

  it('documents the registration body, the notification filters and the metrics as text', () => {
    const put = doc.paths['/admin/api/agencies/{agencyId}']?.['put'];
    assert.deepEqual(put?.requestBody?.content['application/json']?.schema, {
      $ref: '#/components/schemas/AgencyRegistration',
    });
    assert.deepEqual(Object.keys(put?.responses ?? {}).sort(), ['200', '201', '400', '401', '413', '415']);
    const registration = doc.components.schemas['AgencyRegistration']!;
    assert.equal(registration['additionalProperties'], false);
    assert.deepEqual(registration['required'], [
      'name',
      'country',
      'website',
      'environment',
      'endpoint',
      'encryptionJwk',
      'subscriptions',
    ]);
    const list = doc.paths['/admin/api/notifications']?.['get'];
    assert.deepEqual(
      list?.parameters?.map((p) => [p.name, p.in, p.required]),
      [
        ['state', 'query', false],
        ['agency', 'query', false],
        ['limit', 'query', false],
      ],
    );
    const metrics = doc.paths['/admin/api/metrics']?.['get'];
    assert.deepEqual(Object.keys(metrics?.responses['200']?.content ?? {}), ['text/plain']);
  });
});

describe('the admin API answers as its document says', () => {
  function validatorFor(path: string, method: string, status: string) {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema(doc, 'admin.json');
    const pointer = `/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${status}/content/application~1json/schema`;
    return ajv.compile({ $ref: `admin.json#${pointer}` });
  }

  async function expectDocumented(method: string, url: string, path: string, status: string, body?: unknown) {
    const res = await t.app.inject({
      method: method.toUpperCase() as 'GET',
      url,
      headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    assert.equal(res.statusCode, Number(status), `${method} ${url}: ${res.body}`);
    const validate = validatorFor(path, method, status);
    const json = res.json();
    assert.ok(validate(json), `${method} ${url}: ${JSON.stringify(validate.errors)}`);
    return json as Record<string, unknown>;
  }

  it('agencies, notifications, queues and the ledger state, with real rows', async () => {
    const registration = {
      name: 'Agency uk_docs',
      country: 'GB',
      website: 'https://www.gov.uk',
      environment: 'uk-public-cloud',
      endpoint: 'https://council.example/notify',
      encryptionJwk: t.fixture.hubPublicJwk,
      subscriptions: [{ eventType: 'moving-abroad', attributes: ['name', 'new_address'] }],
    };
    const created = await expectDocumented(
      'put',
      '/admin/api/agencies/uk_docs',
      '/admin/api/agencies/{agencyId}',
      '201',
      registration,
    );
    assert.equal(created['status'], 'active');
    assert.equal((created['encryptionJwk'] as { kid?: string }).kid, t.fixture.hubPublicJwk.kid);
    await expectDocumented('get', '/admin/api/agencies', '/admin/api/agencies', '200');
    await expectDocumented('get', '/admin/api/agencies/uk_docs', '/admin/api/agencies/{agencyId}', '200');

    await t.fixture.reports.submit({
      accountId: 'acc-docs',
      eventType: 'moving-abroad',
      occurredOn: '2026-12-01',
      fields: {
        name: 'A N Other',
        birthdate: '1985-04-12',
        nationalities: ['GB'],
        date_of_move: '2026-12-01',
        from_country: 'GB',
        to_country: 'SG',
        previous_address: '1 High Street, London',
        new_address: '2 Orchard Road, Singapore',
        email: 'a@example.gov.uk',
      },
      submissionKey: 'docs-1',
    });
    const { notifications } = (await expectDocumented(
      'get',
      '/admin/api/notifications?agency=uk_docs&limit=5',
      '/admin/api/notifications',
      '200',
    )) as { notifications: { notificationId: string; attributes: string[] }[] };
    assert.equal(notifications.length, 1);
    assert.deepEqual(notifications[0]!.attributes, ['name', 'new_address']);
    await expectDocumented(
      'get',
      `/admin/api/notifications/${notifications[0]!.notificationId}`,
      '/admin/api/notifications/{notificationId}',
      '200',
    );
    const { queues } = (await expectDocumented(
      'get',
      '/admin/api/notifications/queues',
      '/admin/api/notifications/queues',
      '200',
    )) as { queues: { agencyId: string; state: string; count: number }[] };
    assert.deepEqual(
      queues.map((q) => [q.agencyId, q.state, q.count]),
      [['uk_docs', 'pending', 1]],
    );

    assert.ok(
      await flagProblem(t.fixture.storage, {
        kind: 'release_client_unknown',
        ref: 'rel_docs',
        message: 'the client is not registered',
      }),
    );
    const state = (await expectDocumented(
      'get',
      '/admin/api/ledger/problems',
      '/admin/api/ledger/problems',
      '200',
    )) as { problems: { ref: string; firstSeenAt: string }[]; witnesses: { url: string }[] };
    assert.equal(state.problems[0]?.ref, 'rel_docs');
    assert.match(state.problems[0]!.firstSeenAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(
      state.witnesses.map((w) => w.url),
      ['http://127.0.0.1:9'],
    );

    const suspended = await expectDocumented(
      'post',
      '/admin/api/agencies/uk_docs/suspend',
      '/admin/api/agencies/{agencyId}/suspend',
      '200',
    );
    assert.deepEqual(suspended, { agencyId: 'uk_docs', status: 'suspended' });
    await expectDocumented(
      'post',
      '/admin/api/agencies/uk_docs/replay',
      '/admin/api/agencies/{agencyId}/replay',
      '200',
    );
  });

  it('the metrics are the Prometheus text exposition', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/api/metrics', headers: auth });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.body, /^# HELP govbridge_/m);
  });
});
