import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildWebTestApp, createLogger, pathOnly, redactDeep } from './index.ts';

const SECRETS = {
  bearer: 'eyJhbGciOiJFUzI1NiJ9.bearer-token-value',
  dpop: 'eyJ0eXAiOiJkcG9wK2p3dCJ9.dpop-proof-value',
  cookie: 'session-cookie-value-123',
  code: 'authorization-code-value-456',
  state: 'state-value-789',
  loginHint: 'login-hint-S1234567D',
  requestUri: 'urn:ietf:params:oauth:request_uri:request-uri-value',
};

function sink(): { text: () => string; stream: Writable } {
  let out = '';
  return {
    text: () => out,
    stream: new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    }),
  };
}

test('a logged request never carries its authorization, cookies, DPoP proof or query', async () => {
  const s = sink();
  const { app } = await buildWebTestApp({
    logStream: s.stream,
    routes: (child) => {
      child.get('/callback', async (request) => {
        // What a careless handler might log: headers and query, at top level and nested.
        request.log.info({ headers: request.headers, query: request.query }, 'callback received');
        request.log.info(
          { upstream: { response: { access_token: SECRETS.bearer, id_token: 'x' } } },
          'nested',
        );
        request.log.info(
          { url: request.url, location: `https://rp.example/cb?code=${SECRETS.code}` },
          'urls',
        );
        return { ok: true };
      });
    },
  });
  try {
    const res = await app.inject({
      url: `/callback?code=${SECRETS.code}&state=${SECRETS.state}&login_hint=${SECRETS.loginHint}&request_uri=${encodeURIComponent(SECRETS.requestUri)}`,
      headers: {
        authorization: `DPoP ${SECRETS.bearer}`,
        dpop: SECRETS.dpop,
        cookie: `govbridge-csrf=${SECRETS.cookie}; other=${SECRETS.cookie}`,
      },
    });
    assert.equal(res.statusCode, 200);
    await app.inject({ url: `/missing?code=${SECRETS.code}` });
  } finally {
    await app.close();
  }
  const out = s.text();
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!out.includes(value), `${name} leaked into the log:\n${out}`);
    assert.ok(!out.includes(encodeURIComponent(value)), `${name} leaked (encoded)`);
  }
  const lines = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const incoming = lines.find(
    (l) => l['msg'] === 'incoming request' && (l['req'] as { path?: string }).path === '/callback',
  );
  assert.deepEqual(incoming?.['req'], { method: 'GET', route: '/callback', path: '/callback' });
  const completed = lines.find((l) => l['msg'] === 'request completed');
  assert.deepEqual(completed?.['res'], { statusCode: 200 });
  const careless = lines.find((l) => l['msg'] === 'callback received');
  assert.ok(careless);
  assert.equal((careless['headers'] as Record<string, unknown>)['authorization'], '[Redacted]');
  assert.equal((careless['query'] as Record<string, unknown>)['code'], '[Redacted]');
  assert.ok(out.includes('"path":"/missing"'), 'the path is still logged');
  const urls = lines.find((l) => l['msg'] === 'urls');
  assert.equal(urls?.['url'], '/callback?[Redacted]');
  assert.equal(urls?.['location'], 'https://rp.example/cb?[Redacted]');
});

test('sensitive keys are redacted at any depth of plain objects, and in errors', () => {
  const s = sink();
  const log = createLogger({ logLevel: 'info' }, s.stream);
  const err = Object.assign(new Error('upstream refused: postgres://hub:db-password@db/hub'), {
    code: 'ECONNREFUSED',
    response: { body: { client_secret: 'cs-value', nonce: 'nonce-value' } },
  });
  log.info(
    {
      client_assertion: 'assertion-value',
      level1: {
        level2: { level3: { password: 'pw-value', privateKey: 'pk-value', items: [{ codeVerifier: 'v' }] } },
      },
      statusCode: 200,
      errorCode: 'not_found',
    },
    'deep',
  );
  log.error({ err }, 'failed');
  const out = s.text();
  for (const v of [
    'db-password',
    'assertion-value',
    'pw-value',
    'pk-value',
    'cs-value',
    'nonce-value',
    '"v"',
  ]) {
    assert.ok(!out.includes(v), `${v} leaked: ${out}`);
  }
  assert.ok(out.includes('"statusCode":200'));
  assert.ok(out.includes('"errorCode":"not_found"'));
  assert.ok(out.includes('"code":"ECONNREFUSED"'), 'an error code is not a secret');
  assert.ok(out.includes('upstream refused'));
});

test('redactDeep copies, survives cycles, and leaves non-plain objects to their serializers', () => {
  const cyclic: Record<string, unknown> = { token: 't' };
  cyclic['self'] = cyclic;
  const out = redactDeep(cyclic) as Record<string, unknown>;
  assert.equal(out['token'], '[Redacted]');
  assert.equal(out['self'], '[Circular]');
  assert.equal(cyclic['token'], 't', 'the original is untouched');
  const date = new Date(0);
  assert.equal((redactDeep({ when: date }) as { when: Date }).when, date);
});

test('pathOnly drops the query and fragment', () => {
  assert.equal(pathOnly('/cb?code=1&state=2'), '/cb');
  assert.equal(pathOnly('/a#frag'), '/a');
  assert.equal(pathOnly('/plain'), '/plain');
  assert.equal(pathOnly(undefined), '');
});
