import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { pageFacts, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Requested assurance (acr_values, an essential acr claim, the client's registered floor) against
 * what the national login reached, the ID token's acr/amr, and idp_hint / the scheme chooser.
 */
const LOW = 'urn:govbridge:loa:low';
const SUBSTANTIAL = 'urn:govbridge:loa:substantial';
const HIGH = 'urn:govbridge:loa:high';

describe(`assurance and scheme choice (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  let strict: TestRp;
  before(async () => {
    hub = await startTestHub();
    rp = await TestRp.register(hub, { minAcr: LOW });
    strict = await TestRp.register(hub, { minAcr: SUBSTANTIAL });
  });
  after(async () => {
    await hub?.close();
  });

  async function expectUnmet(client: TestRp, params: Record<string, string>, level: string) {
    const { response: r, browser } = await client.authorize({ params: { scope: 'openid', ...params } });
    assert.equal(r.error, 'unmet_authentication_requirements', `${r.url}\n${browser.visited.join('\n')}`);
    assert.ok(r.errorDescription?.includes(level), `description names ${level}: ${r.errorDescription}`);
    return r;
  }

  test('acr_values high (no scheme reaches it) → unmet_authentication_requirements naming the level', async () => {
    await expectUnmet(rp, { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', acr_values: HIGH }, HIGH);
    await expectUnmet(rp, { idp_hint: 'onelogin', login_hint: 'eleanor-whitfield', acr_values: HIGH }, HIGH);
  });

  // The hub asks for returnCode with every identity vector, so a failed identity check comes back
  // as return codes (no coreIdentity) and is judged by the trust framework, not as access_denied.
  test('One Login P1-only and failed-identity personas asked for substantial → unmet', async () => {
    await expectUnmet(
      rp,
      { idp_hint: 'onelogin', login_hint: 'joseph-lowe', acr_values: SUBSTANTIAL },
      SUBSTANTIAL,
    );
    await expectUnmet(
      rp,
      { idp_hint: 'onelogin', login_hint: 'daniel-frost', acr_values: SUBSTANTIAL },
      SUBSTANTIAL,
    );
  });

  test('One Login P1-only and failed-identity personas asked for substantial → no success, no identity', async () => {
    for (const hint of ['joseph-lowe', 'daniel-frost']) {
      const { response: r } = await rp.authorize({
        params: { scope: 'openid profile', idp_hint: 'onelogin', login_hint: hint, acr_values: SUBSTANTIAL },
      });
      assert.equal(r.code, undefined, `${hint} must not succeed at substantial`);
      assert.ok(['unmet_authentication_requirements', 'access_denied'].includes(r.error ?? ''), r.url);
    }
  });

  test('Singpass password-only persona asked for substantial → unmet', async () => {
    await expectUnmet(
      rp,
      { idp_hint: 'singpass', login_hint: 'sg-citizen-password-only', acr_values: SUBSTANTIAL },
      SUBSTANTIAL,
    );
  });

  test('Singpass login at substantial → ID token acr substantial, amr present', async () => {
    const r = await rp.login({
      params: {
        scope: 'openid',
        idp_hint: 'singpass',
        login_hint: 'sg-citizen-mid',
        acr_values: SUBSTANTIAL,
      },
    });
    assert.equal(r.claims['acr'], SUBSTANTIAL);
    assert.ok(Array.isArray(r.claims['amr']) && r.claims['amr'].length > 0, JSON.stringify(r.claims));
    assert.equal(typeof r.claims['auth_time'], 'number');
  });

  test('One Login P2 persona at substantial → acr substantial, amr present', async () => {
    const r = await rp.login({
      params: {
        scope: 'openid profile',
        idp_hint: 'onelogin',
        login_hint: 'eleanor-whitfield',
        acr_values: SUBSTANTIAL,
      },
    });
    assert.equal(r.claims['acr'], SUBSTANTIAL);
    assert.ok(Array.isArray(r.claims['amr']) && r.claims['amr'].length > 0, JSON.stringify(r.claims));
  });

  // The identity result (coreIdentityJWT) is asked for with every identity vector, attributes or not.
  test('One Login P2 persona at substantial with scope openid only', async () => {
    const r = await rp.login({
      params: {
        scope: 'openid',
        idp_hint: 'onelogin',
        login_hint: 'eleanor-whitfield',
        acr_values: SUBSTANTIAL,
      },
    });
    assert.equal(r.claims['acr'], SUBSTANTIAL);
  });

  test('prompt=login and max_age reach One Login as a fresh sign-in, and the login completes', async () => {
    for (const extra of [{ prompt: 'login' }, { max_age: '60' }]) {
      const r = await rp.login({
        params: {
          scope: 'openid',
          idp_hint: 'onelogin',
          login_hint: 'eleanor-whitfield',
          acr_values: SUBSTANTIAL,
          ...extra,
        },
      });
      assert.equal(r.claims['acr'], SUBSTANTIAL);
      assert.ok(typeof r.claims['auth_time'] === 'number');
    }
  });

  test('essential acr claim in the claims parameter is honoured', async () => {
    const claims = JSON.stringify({ id_token: { acr: { essential: true, value: SUBSTANTIAL } } });
    await expectUnmet(
      rp,
      { idp_hint: 'singpass', login_hint: 'sg-citizen-password-only', claims },
      SUBSTANTIAL,
    );
    const r = await rp.login({
      params: { scope: 'openid', idp_hint: 'singpass', login_hint: 'sg-citizen-mid', claims },
    });
    assert.equal(r.claims['acr'], SUBSTANTIAL);
  });

  test('a client registered with minimum substantial gets substantial even when asking for low', async () => {
    await expectUnmet(
      strict,
      { idp_hint: 'singpass', login_hint: 'sg-citizen-password-only', acr_values: LOW },
      SUBSTANTIAL,
    );
    const r = await strict.login({
      params: { scope: 'openid', idp_hint: 'singpass', login_hint: 'sg-citizen-mid', acr_values: LOW },
    });
    assert.equal(r.claims['acr'], SUBSTANTIAL);
  });

  test('without acr_values the ID token still carries acr and amr', async () => {
    const r = await rp.login({
      params: { scope: 'openid', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
    });
    assert.ok(
      typeof r.claims['acr'] === 'string' && r.claims['acr'].startsWith('urn:govbridge:loa:'),
      JSON.stringify(r.claims),
    );
    assert.ok(Array.isArray(r.claims['amr']), JSON.stringify(r.claims));
  });

  test('idp_hint with an unknown value → invalid_request to the relying party', async () => {
    const { response: r } = await rp.authorize({
      params: { idp_hint: 'eidas', login_hint: 'sg-citizen-mid' },
    });
    assert.equal(r.error, 'invalid_request', r.url);
    assert.match(r.errorDescription ?? '', /idp_hint/);
  });

  test('without idp_hint the chooser appears; choosing Singpass completes the login', async () => {
    const b = new TestBrowser();
    const pkce = TestRp.pkce();
    const params = rp.authorizationParams(pkce, { login_hint: 'sg-citizen-mid', scope: 'openid' });
    const pushed = await rp.par(params);
    const chooser = await b.follow(rp.authorizeUrl(pushed.requestUri!));
    const html = await chooser.res.text();
    assert.equal(chooser.res.status, 200, b.visited.join('\n'));
    assert.match(chooser.url, /\/interaction\/[^/]+$/);
    assert.ok(pageFacts(html).govuk);
    assert.match(html, /How do you want to prove your identity\?/);
    assert.match(html, /value="singpass"/);
    assert.match(html, /value="onelogin"/);

    // No choice → the same page with an error summary (400), not a crash.
    const none = await rp.submit(b, chooser.url, html, '/scheme', {});
    assert.equal(none.status, 400);
    assert.match(none.html, /govuk-error-summary/);

    const r = await rp.submit(b, chooser.url, html, '/scheme', { scheme: 'singpass' });
    assert.ok(r.code, `${r.url}\n${b.visited.join('\n')}`);
    const tok = await rp.token(r.code, pkce.verifier);
    assert.equal(tok.status, 200, tok.text);
  });
});
