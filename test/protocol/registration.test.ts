import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { newKey, readResult, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/** Dynamic Client Registration (RFC 7591) behind GOVBRIDGE_INITIAL_ACCESS_TOKEN, with govbridge_* metadata. */
describe(`dynamic client registration (${testDialect()})`, () => {
  const iat = randomBytes(32).toString('base64url');
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ GOVBRIDGE_INITIAL_ACCESS_TOKEN: iat });
  });
  after(async () => {
    await hub?.close();
  });

  async function register(body: Record<string, unknown>, token?: string) {
    const res = await fetch(`${hub.url}/register`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    return readResult(res);
  }

  async function metadata(overrides: Record<string, unknown> = {}) {
    const key = await newKey();
    const { client_id: _id, ...m } = TestRp.metadata({}, key, 'ignored', 'https://dcr.example/cb');
    return { key, body: { ...m, ...overrides } };
  }

  test('discovery advertises the registration endpoint', async () => {
    const d = (await (await fetch(`${hub.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(d['registration_endpoint'], `${hub.url}/register`);
  });

  test('without or with a wrong initial access token → 401 invalid_token', async () => {
    const { body } = await metadata();
    const none = await register(body);
    assert.equal(none.status, 401, none.text);
    assert.equal(none.body['error'], 'invalid_token');
    const wrong = await register(body, `${iat}x`);
    assert.equal(wrong.status, 401, wrong.text);
    assert.equal(wrong.body['error'], 'invalid_token');
  });

  test('with the token and valid metadata → 201, and the new client can push a request', async () => {
    const { key, body } = await metadata();
    const res = await register(body, iat);
    assert.equal(res.status, 201, res.text);
    const clientId = String(res.body['client_id']);
    assert.ok(clientId.length > 0);
    assert.equal(res.body['govbridge_country'], 'GB');
    assert.equal(res.body['token_endpoint_auth_method'], 'private_key_jwt');
    assert.ok(!('client_secret' in res.body), 'no shared secret for a private_key_jwt client');
    const info = await hub.ctx.clients.get(clientId);
    assert.equal(info?.agency, 'Protocol Test Agency');
    assert.equal(info?.minAcr, 'urn:govbridge:loa:low');
    assert.equal(info?.environment, 'uk-public-cloud');
    assert.equal(res.body['govbridge_environment'], 'uk-public-cloud');

    assert.equal(info?.status, 'pending', 'self-registered clients wait for an operator');
    assert.equal(info?.registeredBy, 'self');

    const rp = new TestRp(hub, clientId, 'https://dcr.example/cb', key, await newKey());
    const refused = await rp.par(rp.authorizationParams(TestRp.pkce(), { idp_hint: 'singpass' }));
    assert.equal(refused.status, 401, refused.text);
    assert.equal(refused.body['error'], 'invalid_client');

    assert.equal(await hub.ctx.clients.approve(clientId), true);
    const pushed = await rp.par(rp.authorizationParams(TestRp.pkce(), { idp_hint: 'singpass' }));
    assert.equal(pushed.status, 201, pushed.text);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['govbridge_country FR', { govbridge_country: 'FR' }, /govbridge_country/],
    ['an unknown attribute', { govbridge_attributes: ['name', 'shoe_size'] }, /govbridge_attributes/],
    ['an unknown minimum acr', { govbridge_min_acr: 'urn:other:loa:9' }, /govbridge_min_acr/],
    ['an empty purpose', { govbridge_purpose: '' }, /govbridge_purpose/],
    [
      'no hosting environment',
      { govbridge_environment: undefined },
      /govbridge_environment is required: name the hosting environment .*uk-public-cloud/,
    ],
    [
      'an unknown hosting environment',
      { govbridge_environment: 'a-cupboard' },
      /govbridge_environment names an unknown hosting environment "a-cupboard": use one of uk-public-cloud, uk-accredited, sg-gcc, sg-gcc-plus, sg-on-premises, overseas-commercial/,
    ],
    [
      'a hosting environment that is not a string',
      { govbridge_environment: 7 },
      /govbridge_environment must be a string/,
    ],
    [
      'no govbridge metadata at all',
      { govbridge_country: undefined, govbridge_agency: undefined },
      /govbridge_/,
    ],
    [
      'client_secret_basic',
      { token_endpoint_auth_method: 'client_secret_basic' },
      /token_endpoint_auth_method/,
    ],
    ['a non-ES256 ID token alg', { id_token_signed_response_alg: 'RS256' }, /id_token_signed_response_alg/],
    ['an implicit response type', { response_types: ['id_token'] }, /response_types|grant_types/],
  ];
  for (const [what, overrides, field] of bad) {
    test(`bad metadata (${what}) → 400 invalid_client_metadata naming the field`, async () => {
      const { body } = await metadata(overrides);
      const res = await register(JSON.parse(JSON.stringify(body)) as Record<string, unknown>, iat);
      assert.equal(res.status, 400, res.text);
      assert.ok(
        res.body['error'] === 'invalid_client_metadata' || res.body['error'] === 'invalid_redirect_uri',
        res.text,
      );
      assert.match(String(res.body['error_description']), field);
    });
  }

  test('an unregistered redirect scheme → 400 invalid_redirect_uri', async () => {
    const { body } = await metadata({ redirect_uris: ['javascript:alert(1)'] });
    const res = await register(body, iat);
    assert.equal(res.status, 400, res.text);
    assert.match(String(res.body['error']), /invalid_redirect_uri|invalid_client_metadata/);
  });

  test('a malformed JSON body → 400, not 500', async () => {
    const res = await fetch(`${hub.url}/register`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${iat}`,
        accept: 'application/json',
      },
      body: '{"redirect_uris": [',
    });
    const r = await readResult(res);
    assert.equal(r.status, 400, r.text);
  });
});
