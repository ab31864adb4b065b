import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type AdminTestApp, auth, buildAdminApp } from './admin-api-app.ts';
import { expectProblem } from './life-events-api-app.ts';

/**
 * The admin API's schemas refuse bad input with problem+json 4xx naming the field — never a 500,
 * never a silent coercion or a dropped field — and the token is still required everywhere but on
 * the OpenAPI document.
 */
let t: AdminTestApp;
before(async () => {
  t = await buildAdminApp();
});
after(() => t.close());

function call(method: string, url: string, body?: unknown, headers: Record<string, string> = auth) {
  return t.app.inject({
    method: method as 'GET',
    url,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}

/** An agency's public encryption key (EC P-256). */
const JWK = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

function registration(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Agency uk_valid',
    country: 'GB',
    website: 'https://www.gov.uk',
    environment: 'uk-public-cloud',
    endpoint: 'https://council.example/notify',
    encryptionJwk: JWK,
    subscriptions: [{ eventType: 'moving-abroad', attributes: ['name'] }],
    ...extra,
  };
}

describe('path parameters', () => {
  for (const [method, url, field] of [
    ['GET', '/admin/api/agencies/bad!id', 'agencyId'],
    ['PUT', '/admin/api/agencies/bad!id', 'agencyId'],
    ['POST', '/admin/api/agencies/bad!id/suspend', 'agencyId'],
    ['POST', '/admin/api/agencies/bad!id/resume', 'agencyId'],
    ['POST', '/admin/api/agencies/bad!id/replay', 'agencyId'],
    ['GET', `/admin/api/notifications/${'n'.repeat(81)}`, 'notificationId'],
    ['POST', '/admin/api/notifications/ntf%20x/replay', 'notificationId'],
  ] as const) {
    it(`${method} ${url.slice(0, 60)}: 400 naming ${field}`, async () => {
      const res = await call(method, url, method === 'PUT' ? registration() : undefined);
      expectProblem(
        res,
        400,
        'bad_request',
        new RegExp(
          `^path parameter ${field} is not valid: expected an? \\w+ id: 1 to 80 letters, digits, _ or -$`,
        ),
      );
    });
  }
});

describe('GET /admin/api/notifications query', () => {
  for (const [query, detail] of [
    ['state=lost', /^query parameter state must be one of pending, sending, retrying, delivered, dead$/],
    ['agency=a!b', /^query parameter agency is not valid: expected the agency's id/],
    ['limit=0', /^query parameter limit must be at least 1$/],
    ['limit=1001', /^query parameter limit must be at most 1000$/],
    ['limit=ten', /^query parameter limit must be a whole number$/],
    ['limit=1.5', /^query parameter limit must be a whole number$/],
    ['limit=1&limit=2', /^query parameter limit must be a whole number$/],
    ['state=lost&limit=0', /state must be one of .*; query parameter limit must be at least 1$/],
  ] as const) {
    it(`?${query}: 400`, async () => {
      expectProblem(await call('GET', `/admin/api/notifications?${query}`), 400, 'bad_request', detail);
    });
  }

  it('a good query still answers, numbers read from text', async () => {
    const res = await call('GET', '/admin/api/notifications?state=dead&agency=uk_x&limit=20');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { notifications: [] });
  });
});

describe('PUT /admin/api/agencies/{agencyId} body', () => {
  for (const [label, body, detail] of [
    ['a list', [1, 2], /^The request body must be a JSON object$/],
    ['a string', '"agency"', /^The request body must be a JSON object$/],
    ['a misspelt field', registration({ nmae: 'x' }), /^nmae is not a field this request accepts$/],
    ['a missing field', registration({ name: undefined }), /^name is required$/],
    ['a number for a name (not turned into text)', registration({ name: 7 }), /^name must be a string$/],
    [
      'text for maxAttempts (not turned into a number)',
      registration({ maxAttempts: '5' }),
      /^maxAttempts must be a whole number$/,
    ],
    ['maxAttempts over 50', registration({ maxAttempts: 51 }), /^maxAttempts must be at most 50$/],
    ['maxAttempts of 0', registration({ maxAttempts: 0 }), /^maxAttempts must be at least 1$/],
    [
      'a name over 200 characters',
      registration({ name: 'n'.repeat(201) }),
      /^name is too long \(at most 200 characters\)$/,
    ],
    [
      '33 subscriptions',
      registration({
        subscriptions: Array.from({ length: 33 }, (_, i) => ({ eventType: `e${i}`, attributes: ['a'] })),
      }),
      /^subscriptions lists too many \(at most 32\)$/,
    ],
    [
      'a key coordinate that is not base64url',
      registration({ encryptionJwk: { ...JWK, x: 'not base64url' } }),
      /^encryptionJwk\.x is not valid: expected a base64url P-256 coordinate$/,
    ],
    ['an unknown country', registration({ country: 'FR' }), /^country must be one of GB, SG$/],
    [
      'an http website',
      registration({ website: 'http://www.gov.uk' }),
      /^website is not valid: expected an https web address$/,
    ],
    ['no subscriptions', registration({ subscriptions: [] }), /^subscriptions must list at least 1$/],
    [
      'a subscription with an unknown field',
      registration({ subscriptions: [{ eventType: 'death', attributes: ['x'], extra: 1 }] }),
      /^subscriptions\.0\.extra is not a field this request accepts$/,
    ],
    [
      'an empty attribute name',
      registration({ subscriptions: [{ eventType: 'death', attributes: [''] }] }),
      /^subscriptions\.0\.attributes\.0 must not be empty$/,
    ],
    [
      'a key that is not EC',
      registration({ encryptionJwk: { ...JWK, kty: 'RSA' } }),
      /^encryptionJwk\.kty must be one of EC$/,
    ],
    [
      'several problems at once',
      { name: '', country: 'FR' },
      /name must not be empty; .*country must be one of GB, SG|country must be one of GB, SG.*name must not be empty/,
    ],
  ] as const) {
    it(`${label}: 400 naming the field`, async () => {
      expectProblem(await call('PUT', '/admin/api/agencies/uk_valid', body), 400, 'bad_request', detail);
    });
  }

  it('what only the registry knows still gets its own reasons', async () => {
    const res = await call('PUT', '/admin/api/agencies/uk_valid', registration({ environment: 'nowhere' }));
    expectProblem(res, 400, 'invalid_request', /unknown hosting environment "nowhere"/);
  });

  it('XML: 415; text: 400; broken JSON: 400; over 64 KiB: 413', async () => {
    const send = (type: string, payload: string) =>
      t.app.inject({
        method: 'PUT',
        url: '/admin/api/agencies/uk_valid',
        headers: { ...auth, 'content-type': type },
        payload,
      });
    expectProblem(await send('application/xml', '<agency/>'), 415, 'unsupported_media_type');
    expectProblem(
      await send('text/plain', 'name=x'),
      400,
      'bad_request',
      /^The request body must be a JSON object$/,
    );
    expectProblem(await call('PUT', '/admin/api/agencies/uk_valid', '{"broken'), 400, 'bad_request');
    const big = registration({ name: 'x'.repeat(70 * 1024) });
    expectProblem(await call('PUT', '/admin/api/agencies/uk_valid', big), 413, 'payload_too_large');
  });

  it('a good registration is created (201), then replaced (200), the path naming the agency', async () => {
    let res = await call('PUT', '/admin/api/agencies/uk_valid', registration());
    assert.equal(res.statusCode, 201, res.body);
    res = await call(
      'PUT',
      '/admin/api/agencies/uk_valid',
      registration({ agencyId: 'uk_other', maxAttempts: 7 }),
    );
    assert.equal(res.statusCode, 200, res.body);
    const agency = res.json() as { agencyId: string; maxAttempts: number };
    assert.deepEqual([agency.agencyId, agency.maxAttempts], ['uk_valid', 7]);
  });
});

describe('the token', () => {
  it('is still required on every route but the document', async () => {
    for (const [method, url] of [
      ['GET', '/admin/api/agencies'],
      ['GET', '/admin/api/notifications?limit=0'],
      ['PUT', '/admin/api/agencies/bad!id'],
      ['GET', '/admin/api/metrics'],
    ] as const) {
      const res = await call(method, url, undefined, {});
      expectProblem(res, 401, 'unauthorized');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="govbridge-admin"');
    }
    const doc = await call('GET', '/admin/api/openapi.json', undefined, {});
    assert.equal(doc.statusCode, 200);
    assert.equal(doc.headers['cache-control'], 'public, max-age=300');
  });
});
