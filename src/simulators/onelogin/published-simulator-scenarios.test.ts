import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import {
  authorizeQuery,
  CORE_IDENTITY,
  type Harness,
  IDENTITY_CLAIMS,
  login,
  PREFIX,
  REDIRECT_URI,
  redeem,
  signJar,
  startSimulator,
} from './simulator-harness.ts';

/**
 * Scenarios that play behaviours of the public GOV.UK One Login simulator
 * (github.com/govuk-one-login/simulator) or of an upstream answering below the requested level:
 * - `claims_string_only`: a request object whose `claims` is a JSON object gets HTTP 500 (the
 *   public simulator's `JSON.parse` of it fails); a JSON string, and query parameters, work;
 * - `core_identity_lower_vot`: a validly signed coreIdentityJWT whose `vot` is below the level reached.
 */
const CLAIMS = { userinfo: Object.fromEntries(IDENTITY_CLAIMS.map((c) => [c, null])) };

function jarPayload(h: Harness, extra: Record<string, unknown> = {}) {
  return {
    response_type: 'code',
    client_id: h.client.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    state: 'jar-state',
    nonce: 'jar-nonce',
    vtr: ['Cl.Cm.P2'],
    ...extra,
  };
}

function jarUrl(h: Harness, request: string): string {
  return `${PREFIX}/authorize?${new URLSearchParams({
    response_type: 'code',
    scope: 'openid email',
    client_id: h.client.clientId,
    request,
  })}`;
}

describe('One Login simulator: scenario claims_string_only', () => {
  let h: Harness;
  before(async () => {
    h = await startSimulator();
  });
  after(() => h.close());

  const authorize = async (claims: unknown, loginHint?: string) => {
    const jar = await signJar(h.client, jarPayload(h, { claims, login_hint: loginHint }), {
      baseUrl: h.baseUrl,
    });
    return h.app.inject({ url: jarUrl(h, jar) });
  };

  it('answers HTTP 500 to claims as a JSON object, as the public simulator does', async () => {
    const res = await authorize(CLAIMS, 'eleanor-whitfield:claims_string_only');
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { message: 'Internal Server Error' });
  });

  it('completes with claims as a JSON string', async () => {
    const res = await authorize(JSON.stringify(CLAIMS), 'eleanor-whitfield:claims_string_only');
    assert.equal(res.statusCode, 302);
    assert.ok(new URL(String(res.headers.location)).searchParams.get('code'));
  });

  it('does not affect a request object without claims, or query parameters', async () => {
    assert.equal((await authorize(undefined, 'eleanor-whitfield:claims_string_only')).statusCode, 302);
    const params = await login(h, {
      loginHint: 'eleanor-whitfield:claims_string_only',
      vtr: '["Cl.Cm.P2"]',
      claims: IDENTITY_CLAIMS,
    });
    assert.ok(params.get('code'));
  });

  it('without the scenario, both forms are accepted (as GOV.UK One Login does)', async () => {
    assert.equal((await authorize(CLAIMS, 'eleanor-whitfield')).statusCode, 302);
    assert.equal((await authorize(JSON.stringify(CLAIMS), 'eleanor-whitfield')).statusCode, 302);
  });

  it('chosen on the persona page, it refuses an object there too', async () => {
    const open = await authorize(CLAIMS);
    assert.equal(open.statusCode, 200);
    const interaction = /name="interaction" value="([^"]+)"/.exec(open.body)?.[1];
    assert.ok(interaction);
    assert.match(open.body, /value="claims_string_only"/);
    const res = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/authorize/persona`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        interaction,
        persona: 'eleanor-whitfield',
        scenario: 'claims_string_only',
      }).toString(),
    });
    assert.equal(res.statusCode, 500);
  });
});

describe('One Login simulator: claims_string_only as the default scenario', () => {
  let h: Harness;
  before(async () => {
    h = await startSimulator({ defaultScenario: 'claims_string_only' });
  });
  after(() => h.close());

  it('refuses an object before the persona chooser, like the public simulator for every login', async () => {
    const jar = await signJar(h.client, jarPayload(h, { claims: CLAIMS }), { baseUrl: h.baseUrl });
    assert.equal((await h.app.inject({ url: jarUrl(h, jar) })).statusCode, 500);
    const str = await signJar(h.client, jarPayload(h, { claims: JSON.stringify(CLAIMS) }), {
      baseUrl: h.baseUrl,
    });
    assert.equal((await h.app.inject({ url: jarUrl(h, str) })).statusCode, 200);
  });
});

describe('One Login simulator: scenario core_identity_lower_vot', () => {
  let h: Harness;
  before(async () => {
    h = await startSimulator();
  });
  after(() => h.close());

  async function coreIdentityVot(loginHint: string, vtr: string): Promise<unknown> {
    const params = await login(h, { loginHint, vtr, claims: IDENTITY_CLAIMS });
    const token = (await redeem(h, String(params.get('code')))).json() as { access_token: string };
    const userinfo = await h.app.inject({
      url: `${PREFIX}/userinfo`,
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    return decodeJwt(String(userinfo.json()[CORE_IDENTITY])).vot;
  }

  it('issues a validly signed coreIdentityJWT one level below the one reached', async () => {
    assert.equal(await coreIdentityVot('eleanor-whitfield', '["Cl.Cm.P2"]'), 'P2');
    assert.equal(await coreIdentityVot('eleanor-whitfield:core_identity_lower_vot', '["Cl.Cm.P2"]'), 'P1');
    assert.equal(await coreIdentityVot('joseph-lowe:core_identity_lower_vot', '["Cl.Cm.P1"]'), 'P0');
  });

  it('is offered on the persona page', async () => {
    const res = await h.app.inject({ url: authorizeQuery(h, { vtr: '["Cl.Cm.P2"]' }) });
    assert.match(res.body, /value="core_identity_lower_vot"/);
  });
});
