import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from 'jose';
import {
  authorizeQuery,
  createTestClient,
  type Harness,
  IDENTITY_CLAIMS,
  login,
  PREFIX,
  REDIRECT_URI,
  signJar,
  startSimulator,
} from './simulator-harness.ts';

function redirectParams(location: unknown): URLSearchParams {
  const url = new URL(String(location));
  assert.equal(`${url.origin}${url.pathname}`, REDIRECT_URI);
  return url.searchParams;
}

describe('One Login simulator: /authorize', () => {
  let h: Harness;
  before(async () => {
    h = await startSimulator();
  });
  after(() => h.close());

  const jarUrl = (request: string, query: Record<string, string> = {}) =>
    `${PREFIX}/authorize?${new URLSearchParams({
      response_type: 'code',
      scope: 'openid email',
      client_id: h.client.clientId,
      request,
      ...query,
    })}`;
  const jarPayload = (extra: Record<string, unknown> = {}) => ({
    response_type: 'code',
    client_id: h.client.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    state: 'jar-state',
    nonce: 'jar-nonce',
    vtr: ['Cl.Cm.P2'],
    login_hint: 'tan-wei-ling',
    ...extra,
  });

  describe('query parameters', () => {
    it('completes a headless login with code and state', async () => {
      const params = await login(h, { loginHint: 'rhys-pritchard', state: 'abc' });
      assert.equal(params.get('state'), 'abc');
      assert.match(params.get('code') ?? '', /^[\w-]{43}$/);
    });

    it('rejects a missing or unknown client_id with HTTP 400, not a redirect', async () => {
      const unknown = await h.app.inject({
        url: authorizeQuery(h).replace(h.client.clientId, 'someone-else'),
      });
      assert.equal(unknown.statusCode, 400);
      const missing = await h.app.inject({ url: `${PREFIX}/authorize?response_type=code` });
      assert.equal(missing.statusCode, 400);
    });

    it('rejects an unregistered redirect_uri with HTTP 400', async () => {
      const url = authorizeQuery(h, { loginHint: 'rhys-pritchard' }).replace(
        encodeURIComponent(REDIRECT_URI),
        encodeURIComponent('https://evil.example/callback'),
      );
      const res = await h.app.inject({ url });
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers.location, undefined);
    });

    for (const vtr of ['["Cl.Cm.P3"]', 'Cl.Cm', '["Cl.Cm.P1.P2"]', '["Cl.Xx"]', '["Cl.Cm.P2","Cl.Cm"]']) {
      it(`rejects vtr ${vtr} as invalid_request`, async () => {
        const res = await h.app.inject({ url: authorizeQuery(h, { vtr, loginHint: 'eleanor-whitfield' }) });
        assert.equal(res.statusCode, 302);
        const params = redirectParams(res.headers.location);
        assert.equal(params.get('error'), 'invalid_request');
        assert.equal(params.get('error_description'), 'Request vtr not valid');
        assert.equal(params.get('state'), 'state-1');
      });
    }

    for (const vtr of ['["Cl.P2"]', '["P2"]', '["Cl.P1"]']) {
      it(`rejects identity without Cl.Cm (${vtr}) as invalid_request`, async () => {
        const res = await h.app.inject({ url: authorizeQuery(h, { vtr, loginHint: 'eleanor-whitfield' }) });
        assert.equal(redirectParams(res.headers.location).get('error'), 'invalid_request');
      });
    }

    it('accepts Cl, Cl.Cm (any order), Cl.Cm.P2 and no vtr at all', async () => {
      for (const vtr of ['["Cl"]', '["Cm.Cl"]', '["Cl.Cm.P2"]', '[]', '["Cl.P0"]']) {
        const params = await login(h, { vtr });
        assert.ok(params.get('code'), vtr);
      }
    });

    it('requires state and nonce', async () => {
      const noNonce = await h.app.inject({ url: authorizeQuery(h, { nonce: '' }) });
      assert.equal(redirectParams(noNonce.headers.location).get('error'), 'invalid_request');
      const noState = await h.app.inject({ url: authorizeQuery(h, { state: '' }) });
      const params = redirectParams(noState.headers.location);
      assert.equal(params.get('error'), 'invalid_request');
      assert.equal(params.get('state'), null);
    });

    it('rejects unknown scopes, scopes without openid and other response types', async () => {
      for (const scope of ['openid profile', 'email']) {
        const res = await h.app.inject({ url: authorizeQuery(h, { scope }) });
        assert.equal(redirectParams(res.headers.location).get('error'), 'invalid_scope', scope);
      }
      const res = await h.app.inject({
        url: authorizeQuery(h).replace('response_type=code', 'response_type=token'),
      });
      assert.equal(redirectParams(res.headers.location).get('error'), 'unsupported_response_type');
    });

    it('rejects unknown userinfo claims and a code_challenge_method other than S256', async () => {
      const claims = await h.app.inject({
        url: authorizeQuery(h, { claims: ['https://vocab.account.gov.uk/v1/shoeSize'] }),
      });
      assert.equal(redirectParams(claims.headers.location).get('error'), 'invalid_request');
      const plain = await h.app.inject({
        url: authorizeQuery(h, { extra: { code_challenge: 'abc', code_challenge_method: 'plain' } }),
      });
      assert.equal(redirectParams(plain.headers.location).get('error'), 'invalid_request');
    });

    it('rejects a login_hint naming an unknown scenario', async () => {
      const res = await h.app.inject({
        url: authorizeQuery(h, { loginHint: 'eleanor-whitfield:no_such_thing' }),
      });
      assert.equal(redirectParams(res.headers.location).get('error'), 'invalid_request');
    });
  });

  describe('request object (JAR)', () => {
    it('accepts a signed request object with claims as a JSON object', async () => {
      const jar = await signJar(
        h.client,
        jarPayload({ claims: { userinfo: { [IDENTITY_CLAIMS[0] as string]: null } } }),
        { baseUrl: h.baseUrl },
      );
      const res = await h.app.inject({ url: jarUrl(jar) });
      const params = redirectParams(res.headers.location);
      assert.ok(params.get('code'));
      assert.equal(params.get('state'), 'jar-state');
    });

    it('accepts claims as a JSON string, as the public simulator requires', async () => {
      const jar = await signJar(
        h.client,
        jarPayload({ claims: JSON.stringify({ userinfo: { [IDENTITY_CLAIMS[0] as string]: null } }) }),
        { baseUrl: h.baseUrl },
      );
      assert.ok(redirectParams((await h.app.inject({ url: jarUrl(jar) })).headers.location).get('code'));
    });

    it('takes login_hint from the query when the request object has none', async () => {
      const jar = await signJar(h.client, jarPayload({ login_hint: undefined }), { baseUrl: h.baseUrl });
      const res = await h.app.inject({ url: jarUrl(jar, { login_hint: 'callum-mackenzie' }) });
      assert.ok(redirectParams(res.headers.location).get('code'));
    });

    it('rejects a request object signed by a key that is not registered (HTTP 400)', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const jar = await signJar(h.client, jarPayload(), { baseUrl: h.baseUrl, key: privateKey });
      const res = await h.app.inject({ url: jarUrl(jar) });
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers.location, undefined);
    });

    it('rejects a request object signed by another client', async () => {
      const other = await createTestClient('other-client', 'other-key');
      const jar = await signJar(other, jarPayload(), { baseUrl: h.baseUrl, kid: h.client.kid });
      assert.equal((await h.app.inject({ url: jarUrl(jar) })).statusCode, 400);
    });

    it('rejects an expired request object', async () => {
      const jar = await signJar(h.client, jarPayload(), {
        baseUrl: h.baseUrl,
        exp: Math.floor(Date.now() / 1000) - 600,
      });
      assert.equal((await h.app.inject({ url: jarUrl(jar) })).statusCode, 400);
    });

    it('answers access_denied when aud is not the authorize endpoint', async () => {
      const jar = await signJar(h.client, jarPayload(), { baseUrl: h.baseUrl, aud: `${h.baseUrl}/token` });
      const params = redirectParams((await h.app.inject({ url: jarUrl(jar) })).headers.location);
      assert.equal(params.get('error'), 'access_denied');
      assert.equal(params.get('state'), 'jar-state');
    });

    it('answers unauthorized_client when iss is not the client_id', async () => {
      const jar = await signJar(h.client, jarPayload(), { baseUrl: h.baseUrl, iss: 'someone-else' });
      assert.equal(
        redirectParams((await h.app.inject({ url: jarUrl(jar) })).headers.location).get('error'),
        'unauthorized_client',
      );
    });

    it('requires response_type and scope identical in the query and the object', async () => {
      const jar = await signJar(h.client, jarPayload(), { baseUrl: h.baseUrl });
      const res = await h.app.inject({ url: jarUrl(jar, { scope: 'openid' }) });
      assert.equal(redirectParams(res.headers.location).get('error'), 'invalid_request');
    });

    it('validates vtr inside the request object (P2 without Cl.Cm)', async () => {
      const jar = await signJar(h.client, jarPayload({ vtr: ['Cl.P2'] }), { baseUrl: h.baseUrl });
      const params = redirectParams((await h.app.inject({ url: jarUrl(jar) })).headers.location);
      assert.equal(params.get('error'), 'invalid_request');
      assert.equal(params.get('error_description'), 'Request vtr not valid');
    });

    it('rejects an unregistered redirect_uri inside the request object with HTTP 400', async () => {
      const jar = await signJar(h.client, jarPayload({ redirect_uri: 'https://evil.example/cb' }), {
        baseUrl: h.baseUrl,
      });
      assert.equal((await h.app.inject({ url: jarUrl(jar) })).statusCode, 400);
    });
  });

  describe('scenarios at /authorize', () => {
    for (const scenario of ['access_denied', 'temporarily_unavailable']) {
      it(`${scenario} goes back to the client as error=${scenario} with state`, async () => {
        const res = await h.app.inject({
          url: authorizeQuery(h, { loginHint: `eleanor-whitfield:${scenario}` }),
        });
        const params = redirectParams(res.headers.location);
        assert.equal(params.get('error'), scenario);
        assert.equal(params.get('state'), 'state-1');
        assert.equal(params.get('code'), null);
      });
    }

    it('lower_assurance on a P2 request answers access_denied', async () => {
      const res = await h.app.inject({
        url: authorizeQuery(h, { loginHint: 'eleanor-whitfield:lower_assurance', vtr: '["Cl.Cm.P2"]' }),
      });
      assert.equal(redirectParams(res.headers.location).get('error'), 'access_denied');
    });

    it('lower_assurance with returnCode asked for issues a code instead', async () => {
      const params = await login(h, {
        loginHint: 'eleanor-whitfield:lower_assurance',
        vtr: '["Cl.Cm.P2"]',
        claims: IDENTITY_CLAIMS,
      });
      assert.ok(params.get('code'));
    });

    it('lower_assurance does not affect a login without identity', async () => {
      assert.ok((await login(h, { loginHint: 'eleanor-whitfield:lower_assurance' })).get('code'));
    });

    it('a persona who cannot prove identity gets access_denied for P2, a code for Cl.Cm', async () => {
      const res = await h.app.inject({
        url: authorizeQuery(h, { loginHint: 'daniel-frost', vtr: '["Cl.Cm.P2"]' }),
      });
      assert.equal(redirectParams(res.headers.location).get('error'), 'access_denied');
      assert.ok((await login(h, { loginHint: 'daniel-frost' })).get('code'));
    });

    it('a P1-only persona is refused P2 but can satisfy ["Cl.Cm.P2","Cl.Cm.P1"]', async () => {
      const res = await h.app.inject({
        url: authorizeQuery(h, { loginHint: 'joseph-lowe', vtr: '["Cl.Cm.P2"]' }),
      });
      assert.equal(redirectParams(res.headers.location).get('error'), 'access_denied');
      assert.ok((await login(h, { loginHint: 'joseph-lowe', vtr: '["Cl.Cm.P2","Cl.Cm.P1"]' })).get('code'));
    });
  });

  describe('persona chooser', () => {
    async function openChooser(): Promise<{ html: string; interaction: string; csp: string }> {
      const res = await h.app.inject({ url: authorizeQuery(h, { vtr: '["Cl.Cm.P2"]' }) });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      const interaction = /name="interaction" value="([^"]+)"/.exec(res.body)?.[1];
      assert.ok(interaction);
      return { html: res.body, interaction, csp: String(res.headers['content-security-policy']) };
    }
    const post = (form: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: `${PREFIX}/authorize/persona`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      });

    it('renders a GOV.UK page with a novalidate form, every persona and scenario, and no script of ours', async () => {
      const { html, csp } = await openChooser();
      assert.match(
        html,
        /<form method="post" action="\/simulators\/onelogin\/authorize\/persona" novalidate>/,
      );
      assert.match(html, /govuk-template__body/);
      assert.match(html, /href="\/assets\/govuk-frontend.min.css"/);
      for (const id of [
        'eleanor-whitfield',
        'tan-wei-ling',
        'oliver-bennett',
        'sarah-adeyemi',
        'daniel-frost',
      ]) {
        assert.match(html, new RegExp(`value="${id}"`));
      }
      assert.match(html, /value="core_identity_expired"/);
      // No inline script: the only script is the hub's external module, which sets js-enabled.
      assert.deepEqual(html.match(/<script\b[^>]*>/g), ['<script type="module" src="/assets/app.js">']);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /nonce-|unsafe-inline/);
      assert.doesNotMatch(html, /\son(click|load|submit)=/);
    });

    it('completes the login with the chosen persona and scenario, once', async () => {
      const { interaction } = await openChooser();
      const res = await post({ interaction, persona: 'sarah-adeyemi', scenario: 'ok' });
      assert.equal(res.statusCode, 302);
      assert.ok(redirectParams(res.headers.location).get('code'));
      const again = await post({ interaction, persona: 'sarah-adeyemi', scenario: 'ok' });
      assert.equal(again.statusCode, 400);
      assert.match(again.body, /expired/);
    });

    it('applies a scenario chosen on the page', async () => {
      const { interaction } = await openChooser();
      const res = await post({ interaction, persona: 'eleanor-whitfield', scenario: 'access_denied' });
      assert.equal(redirectParams(res.headers.location).get('error'), 'access_denied');
    });

    it('shows an error summary when no persona is chosen, and keeps the form usable', async () => {
      const { interaction } = await openChooser();
      const res = await post({ interaction });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /govuk-error-summary/);
      assert.match(res.body, /href="#persona"/);
      assert.match(res.body, /<title>Error: /);
      const ok = await post({ interaction, persona: 'eleanor-whitfield' });
      assert.equal(ok.statusCode, 302);
    });

    it('rejects a made-up interaction identifier', async () => {
      assert.equal((await post({ interaction: 'made-up', persona: 'eleanor-whitfield' })).statusCode, 400);
    });
  });
});
