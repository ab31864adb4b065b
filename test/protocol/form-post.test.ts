import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findForm } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * `response_mode=form_post` (OAuth 2.0 Form Post Response Mode): oidc-provider's own page posts the
 * response with an inline script, which the hub's CSP blocks — the person would be left on a blank
 * "Submitting Callback" page. The hub renders its own page instead: the same form, a GOV.UK
 * button, no script, the hub's security headers.
 */
const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid' };

describe(`form_post responses are the hub's own page (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  function expectHubPage(html: string, rp: TestRp) {
    assert.doesNotMatch(html, /Submitting Callback/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.match(html, /govuk-button/);
    const form = findForm(html, rp.redirectUri);
    assert.equal(form.action, rp.redirectUri);
    return form.fields;
  }

  test('a code: the page posts code, state and iss to the redirect URI, and the code works', async () => {
    const rp = await TestRp.register(hub);
    // A state with every character oidc-provider escapes comes back exactly as sent.
    const a = await rp.authorize({
      params: { ...SG, scope: 'openid profile', response_mode: 'form_post', state: `s&<>"'1` },
    });
    assert.equal(a.response.status, 200, a.response.url);
    const fields = expectHubPage(a.response.html, rp);
    assert.deepEqual(Object.keys(fields).sort(), ['code', 'iss', 'state']);
    assert.equal(fields['state'], `s&<>"'1`);
    assert.equal(fields['iss'], hub.url);
    const tokens = await rp.token(fields['code']!, a.pkce.verifier);
    assert.equal(tokens.status, 200, tokens.text);
  });

  test('an error: the page posts error and state to the redirect URI', async () => {
    const rp = await TestRp.register(hub);
    const a = await rp.authorize({
      params: { ...SG, scope: 'openid profile', response_mode: 'form_post' },
      decision: 'decline',
    });
    const fields = expectHubPage(a.response.html, rp);
    assert.equal(fields['error'], 'access_denied');
    assert.equal(fields['state'], a.params['state']);
  });
});
