import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findForm, TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { pageFacts, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Consent (decline, agree, release limited to registered attributes, withdraw and asked again),
 * pairwise subject identifiers per sector, and RP-initiated logout.
 */
const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid' };

describe(`consent, pairwise sub and logout (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('declining consent → access_denied to the relying party', async () => {
    const rp = await TestRp.register(hub);
    const { response: r } = await rp.authorize({
      params: { ...SG, scope: 'openid profile' },
      decision: 'decline',
    });
    assert.equal(r.error, 'access_denied', r.url);
    assert.equal(r.code, undefined);
  });

  test('agree → userinfo releases only the attributes the client registered; withdraw → asked again', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name', 'birthdate'] });
    const b = new TestBrowser();
    const first = await rp.authorize({
      browser: b,
      params: { ...SG, scope: 'openid profile email nationality' },
      decision: 'stop',
    });
    assert.match(first.response.url, /\/consent$/, 'first login asks for consent');
    assert.match(first.response.html, /Share your details with/);
    assert.doesNotMatch(first.response.html, /Email address|email/i, 'unregistered attribute not even shown');
    const agreed = await rp.submit(b, first.response.url, first.response.html, '/consent', {
      decision: 'agree',
    });
    assert.ok(agreed.code, agreed.url);
    const tok = await rp.token(agreed.code, first.pkce.verifier);
    assert.equal(tok.status, 200, tok.text);
    const ui = await rp.userinfo(String(tok.body['access_token']));
    assert.equal(ui.status, 200, ui.text);
    assert.equal(typeof ui.body['name'], 'string');
    assert.equal(typeof ui.body['birthdate'], 'string');
    for (const absent of [
      'email',
      'email_verified',
      'nationalities',
      'given_name',
      'family_name',
      'address',
      'gender',
    ]) {
      assert.ok(!(absent in ui.body), `${absent} must not be released: ${ui.text}`);
    }
    const vc = ui.body['verified_claims'] as { claims?: Record<string, unknown> } | undefined;
    for (const k of Object.keys(vc?.claims ?? {})) assert.ok(['name', 'birthdate'].includes(k), k);

    // Second login: consent remembered.
    const second = await rp.authorize({ browser: b, params: { ...SG, scope: 'openid profile' } });
    assert.ok(second.response.code, `consent remembered: ${second.response.url}`);

    // Withdraw on /account/consents (signed in by the cookie the login set).
    const list = await b.follow(`${hub.url}/account/consents`);
    const html = await list.res.text();
    assert.equal(list.res.status, 200);
    assert.match(html, new RegExp(`Protocol test ${rp.clientId}`));
    const form = findForm(html, '/withdraw');
    const withdrawn = await b.submit(list.url, html, form.action, {});
    assert.equal(withdrawn.res.status, 200, b.visited.join('\n'));
    assert.match(withdrawn.url, /withdrawn=1/);
    await withdrawn.res.arrayBuffer();

    const third = await rp.authorize({
      browser: b,
      params: { ...SG, scope: 'openid profile' },
      decision: 'stop',
    });
    assert.match(third.response.url, /\/consent$/, 'withdrawn consent is asked again');
  });

  test('pairwise sub: different sectors differ, the same client gets the same sub', async () => {
    const a = await TestRp.register(hub, { redirectUri: 'https://sector-a.example/cb' });
    const b = await TestRp.register(hub, { redirectUri: 'https://sector-b.example/cb' });
    const params = { ...SG, scope: 'openid' };
    const a1 = await a.login({ params });
    const a2 = await a.login({ params });
    const b1 = await b.login({ params });
    assert.equal(a1.claims['sub'], a2.claims['sub']);
    assert.notEqual(a1.claims['sub'], b1.claims['sub']);
    const ui = await b.userinfo(b1.accessToken);
    assert.equal(ui.body['sub'], b1.claims['sub']);
  });

  test('RP-initiated logout: GOV.UK confirmation page, then back to the registered URI', async () => {
    const rp = await TestRp.register(hub);
    const r = await rp.login({ params: { ...SG, scope: 'openid' } });
    const q = new URLSearchParams({
      id_token_hint: r.idToken,
      post_logout_redirect_uri: rp.postLogoutRedirectUri,
      state: 'bye',
      client_id: rp.clientId,
    });
    const page = await r.browser.follow(`${hub.url}/logout?${q.toString()}`);
    const html = await page.res.text();
    assert.equal(page.res.status, 200, r.browser.visited.join('\n'));
    assert.ok(pageFacts(html).govuk);
    assert.match(html, /Do you want to sign out/);
    // The last hop leaves the hub for the relying party's host: post the form and read the redirect.
    const form = findForm(html, '/logout/confirm');
    const res = await r.browser.request(new URL(form.action, page.url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, logout: 'yes' }).toString(),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `${rp.postLogoutRedirectUri}?state=bye`);

    const bad = await fetch(
      `${hub.url}/logout?${new URLSearchParams({ id_token_hint: r.idToken, post_logout_redirect_uri: 'https://evil.example/' })}`,
      { headers: { accept: 'text/html' } },
    );
    const badHtml = await bad.text();
    assert.equal(bad.status, 400);
    assert.ok(pageFacts(badHtml).govuk && !pageFacts(badHtml).stack);
  });
});
