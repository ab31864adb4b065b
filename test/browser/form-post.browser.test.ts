import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * `response_mode=form_post` in real Chromium: the hub's own page (not oidc-provider's blank
 * auto-submitting one, which the CSP blocks), axe-clean, no inline script; pressing Continue posts
 * the authorization response to the service's redirect URI.
 */
const browser = useBrowser();

describe(`form_post response page in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('consent → the hub page with a Continue button → the service receives code, state and iss', async () => {
    const rp = await TestRp.register(hub);
    const pkce = TestRp.pkce();
    const params = rp.authorizationParams(pkce, {
      idp_hint: 'singpass',
      login_hint: 'sg-citizen-mid',
      scope: 'openid profile',
      response_mode: 'form_post',
    });
    const pushed = await rp.par(params);
    assert.ok(pushed.requestUri, pushed.text);

    const context = await browser().newContext();
    try {
      // The service's redirect URI is on a host that does not exist: answer it here.
      let received: URLSearchParams | undefined;
      await context.route(`${rp.redirectUri}*`, async (route) => {
        received = new URLSearchParams(route.request().postData() ?? '');
        await route.fulfill({ status: 200, contentType: 'text/plain', body: 'received' });
      });
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(rp.authorizeUrl(pushed.requestUri));
      await page.waitForURL(/\/consent$/);
      await j.check('consent page', { heading: /^Share your details with / });
      await page.getByRole('button', { name: 'Agree and share' }).click();
      await page.waitForURL(/\/authorize\/[^/]+$/);
      await j.check('form_post page', { heading: /^Continue to / });
      await Promise.all([
        page.waitForURL(`${rp.redirectUri}`),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
      assert.ok(received, 'the service received a POST');
      assert.deepEqual([...received.keys()].sort(), ['code', 'iss', 'state']);
      assert.equal(received.get('state'), params['state']);
      const tokens = await rp.token(received.get('code')!, pkce.verifier);
      assert.equal(tokens.status, 200, tokens.text);
    } finally {
      await context.close();
    }
  });
});
