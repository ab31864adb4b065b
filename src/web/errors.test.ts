import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { inlineScripts, titleOf } from '../../test/web/fixtures/html.ts';
import { GovbridgeError } from '../kernel/index.ts';
import { buildWebTestApp, toPublicError } from './index.ts';

const SECRET_MESSAGE = 'database password is hunter2 at db.internal:5432';

function routes(app: FastifyInstance): void {
  app.get('/boom', async () => {
    throw new Error(SECRET_MESSAGE);
  });
  app.get('/api/boom', async () => {
    throw new GovbridgeError('storage_error', SECRET_MESSAGE);
  });
  app.get('/exposed', async () => {
    throw new GovbridgeError('bad_request', 'Enter a date in the past');
  });
  app.get('/forbidden', async () => {
    throw new GovbridgeError('forbidden', 'You cannot see this consent');
  });
  app.get('/too-many', async () => {
    throw new GovbridgeError('bad_request', 'Slow down', { status: 429 });
  });
  app.get('/down', async () => {
    throw new GovbridgeError('upstream_unavailable', `Singpass said 503 to ${SECRET_MESSAGE}`, {
      detail: { retryUrl: '/login/retry?attempt=2' },
    });
  });
  // What storage raises while PostgreSQL restarts (src/storage/unavailable.ts); the driver's
  // message stays in `cause` and must reach neither the caller nor the log line.
  const dbDown = () =>
    new GovbridgeError('database_unavailable', 'The database is unavailable (57P01)', {
      cause: Object.assign(new Error(`terminating connection: ${SECRET_MESSAGE}`), { code: '57P01' }),
      detail: { driverCode: '57P01', reason: 'server_shutdown' },
    });
  app.get('/db-down', async () => {
    throw dbDown();
  });
  app.post('/api/db-down', async () => {
    throw dbDown();
  });
  // A library's error that wraps it (oidc-provider's at the interaction routes).
  app.get('/wrapped-db-down', async () => {
    throw Object.assign(new Error('temporarily_unavailable', { cause: dbDown() }), { statusCode: 503 });
  });
  app.get('/slow', async () => {
    throw new GovbridgeError('upstream_timeout', 'token endpoint timed out', {
      detail: { retryUrl: 'https://evil.example/phish' },
    });
  });
  app.get('/rejected', async () => {
    throw new GovbridgeError('upstream_invalid_response', SECRET_MESSAGE);
  });
  app.post('/api/echo', async (request) => ({ got: request.body }));
  app.post('/form-echo', async () => 'ok');
  app.post(
    '/api/validated',
    { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
    async () => ({ ok: true }),
  );
}

interface Captured {
  lines: Record<string, unknown>[];
  stream: Writable;
}

function capture(): Captured {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, stream };
}

describe('error mapping', () => {
  let app: FastifyInstance;
  const log = capture();
  before(async () => {
    ({ app } = await buildWebTestApp({ routes, bodyLimit: 1024, logStream: log.stream }));
  });
  after(() => app.close());

  const page = async (url: string, status: number, title: string, init: { method?: 'GET' | 'POST' } = {}) => {
    const res = await app.inject({ url, method: init.method ?? 'GET', headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, status, url);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8', url);
    assert.equal(titleOf(res.body), `${title} – govbridge – GOV.UK`, url);
    assert.deepEqual(inlineScripts(res.body), [], url);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/, url);
    assert.equal(res.headers['cache-control'], 'no-store');
    return res;
  };

  test('unknown page → 404 "Page not found"', async () => {
    const res = await page('/no/such/page?code=abc', 404, 'Page not found');
    assert.match(res.body, /If you typed the web address, check it is correct/);
    assert.equal(res.cookies.length, 0, 'error pages set no cookies');
  });

  test('unknown /api/ route → 404 problem+json', async () => {
    const res = await app.inject({ url: '/api/nothing' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual(res.json(), {
      type: 'urn:govbridge:problem:not_found',
      title: 'Not Found',
      status: 404,
      detail: 'Page not found.',
      code: 'not_found',
    });
  });

  test('a client that prefers JSON gets problem+json anywhere; a browser gets a page', async () => {
    const json = await app.inject({ url: '/nowhere', headers: { accept: 'application/json' } });
    assert.equal(json.headers['content-type'], 'application/problem+json; charset=utf-8');
    const problem = await app.inject({ url: '/nowhere', headers: { accept: 'application/problem+json' } });
    assert.equal(problem.headers['content-type'], 'application/problem+json; charset=utf-8');
    const browser = await app.inject({
      url: '/nowhere',
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    assert.equal(browser.headers['content-type'], 'text/html; charset=utf-8');
    const curl = await app.inject({ url: '/nowhere', headers: { accept: '*/*' } });
    assert.equal(curl.headers['content-type'], 'text/html; charset=utf-8');
  });

  test('a thrown non-exposed error → generic 500, message never leaks (page and JSON)', async () => {
    const res = await page('/boom', 500, 'Sorry, there is a problem with the service');
    assert.ok(!res.body.includes('hunter2'));
    assert.ok(!res.body.includes('at '), 'no stack');
    assert.match(res.body, /Reference: <span[^>]*>req-/);
    const api = await app.inject({ url: '/api/boom' });
    assert.equal(api.statusCode, 500);
    assert.deepEqual(api.json(), {
      type: 'urn:govbridge:problem:server_error',
      title: 'Internal Server Error',
      status: 500,
      detail: 'Something went wrong on our side.',
      code: 'server_error',
    });
    assert.ok(!api.body.includes('hunter2'));
    const rejected = await app.inject({ url: '/rejected', headers: { accept: 'application/json' } });
    assert.equal(rejected.statusCode, 500);
    assert.ok(!rejected.body.includes('hunter2'));
  });

  test('an exposed 400 shows its message; 403 and 429 get their own pages', async () => {
    const res = await page('/exposed', 400, 'There is a problem with your request');
    assert.match(res.body, /Enter a date in the past/);
    const forbidden = await page('/forbidden', 403, 'You cannot use this page');
    assert.match(forbidden.body, /You cannot see this consent/);
    const many = await page('/too-many', 429, 'Too many attempts');
    assert.equal(many.headers['retry-after'], '60');
  });

  test('503 "service unavailable" with a same-origin retry link; 504 ignores an off-site one', async () => {
    const down = await page('/down', 503, 'Sorry, the service is unavailable');
    assert.match(down.body, /href="\/login\/retry\?attempt=2" class="govuk-link">Try again</);
    assert.ok(!down.body.includes('hunter2'));
    assert.equal(down.headers['retry-after'], '60');
    const slow = await page('/slow', 504, 'Sorry, the service is unavailable');
    assert.ok(!slow.body.includes('evil.example'));
    const api = await app.inject({ url: '/down', headers: { accept: 'application/json' } });
    assert.equal(api.json().status, 503);
    assert.equal(api.json().code, 'upstream_unavailable');
    assert.equal(api.json().retryUrl, '/login/retry?attempt=2');
    assert.ok(!api.body.includes('hunter2'));
  });

  test('database unavailable → GOV.UK "service unavailable" page / problem+json 503, Retry-After, one warn line', async () => {
    const before = log.lines.length;
    const down = await page('/db-down', 503, 'Sorry, the service is unavailable');
    assert.match(down.body, /You will be able to use the service again in a few minutes/);
    assert.equal(down.headers['retry-after'], '10');
    assert.ok(!down.body.includes('hunter2') && !down.body.includes('57P01'));
    const api = await app.inject({ method: 'POST', url: '/api/db-down', payload: {} });
    assert.equal(api.statusCode, 503);
    assert.equal(api.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(api.headers['retry-after'], '10');
    assert.deepEqual(api.json(), {
      type: 'urn:govbridge:problem:database_unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The service is unavailable. Try again later.',
      code: 'database_unavailable',
    });
    const wrapped = await page('/wrapped-db-down', 503, 'Sorry, the service is unavailable');
    assert.equal(wrapped.headers['retry-after'], '10');
    const lines = log.lines.slice(before).filter((l) => l['errorCode'] === 'database_unavailable');
    assert.equal(lines.length, 3, 'one line per failed request');
    for (const l of lines) {
      assert.equal(l['level'], 40, 'warn, not error: an outage is not a bug');
      assert.equal(l['dbError'], '57P01');
      assert.equal(l['msg'], 'database unavailable');
      assert.ok(!JSON.stringify(l).includes('hunter2'), 'the driver message never reaches the log');
    }
  });

  test('bad JSON body → 400 problem+json', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"not json',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(res.json().code, 'bad_request');
    assert.equal(res.json().detail, 'The request body is not valid JSON.');
  });

  test('body too large → 413 (page for a form, problem+json for the API)', async () => {
    const big = 'x'.repeat(4096);
    const res = await app.inject({
      method: 'POST',
      url: '/form-echo',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: `name=${big}`,
    });
    assert.equal(res.statusCode, 413);
    assert.equal(titleOf(res.body), 'What you sent is too large – govbridge – GOV.UK');
    const api = await app.inject({
      method: 'POST',
      url: '/api/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ big }),
    });
    assert.equal(api.statusCode, 413);
    assert.equal(api.json().code, 'payload_too_large');
  });

  test('unsupported media type → 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().code, 'unsupported_media_type');
    assert.ok(!res.body.includes('application/xml'), 'the header is not echoed');
  });

  test('schema validation failure → 400 invalid_request', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/validated',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'invalid_request');
  });

  test('malformed URL → 400 page with security headers, path not echoed', async () => {
    const res = await app.inject({ url: '/%E0%A4%A<script>', headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(titleOf(res.body), 'There is a problem with your request – govbridge – GOV.UK');
    assert.match(res.body, /The web address is not valid/);
    assert.ok(!res.body.includes('%E0'));
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    const api = await app.inject({ url: '/api/%E0%A4%A' });
    assert.equal(api.statusCode, 400);
    assert.equal(api.json().code, 'bad_request');
  });

  test('5xx are logged with the error at "error"; client errors at "info" without bodies', async () => {
    log.lines.length = 0;
    await app.inject({ url: '/boom' });
    await app.inject({
      method: 'POST',
      url: '/api/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"password":"pw-in-body"',
    });
    const failed = log.lines.find((l) => l['msg'] === 'request failed');
    assert.ok(failed);
    assert.equal(failed['level'], 50);
    assert.equal((failed['err'] as { message?: string }).message, SECRET_MESSAGE, 'the log keeps the detail');
    assert.equal(failed['errorCode'], 'server_error');
    const client = log.lines.find((l) => l['msg'] === 'client error');
    assert.ok(client);
    assert.equal(client['level'], 30);
    assert.equal(client['err'], undefined);
    assert.ok(!JSON.stringify(log.lines).includes('pw-in-body'));
  });
});

describe('toPublicError', () => {
  test('maps by stable code, never by message', () => {
    assert.deepEqual(toPublicError(new GovbridgeError('not_found', 'No such consent')), {
      status: 404,
      code: 'not_found',
      message: 'No such consent',
    });
    assert.deepEqual(toPublicError(new GovbridgeError('csrf_invalid', 'bad token')), {
      status: 403,
      code: 'csrf_invalid',
      message: 'bad token',
    });
    assert.equal(toPublicError(new GovbridgeError('key_error', 'kid k1 missing')).code, 'server_error');
    assert.equal(
      toPublicError(new GovbridgeError('key_error', 'x')).message,
      'Something went wrong on our side.',
    );
    assert.equal(toPublicError('a string').status, 500);
    assert.equal(toPublicError(null).status, 500);
    assert.equal(
      toPublicError({ statusCode: 500, message: 'leak' }).message,
      'Something went wrong on our side.',
    );
    assert.equal(toPublicError({ statusCode: 429 }).code, 'rate_limited');
    assert.equal(toPublicError({ code: 'FST_CSRF_INVALID_TOKEN', statusCode: 403 }).code, 'csrf_invalid');
  });
});
