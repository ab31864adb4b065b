import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { pageFacts, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * What the national identity providers can do wrong (simulator scenarios chosen with
 * `login_hint=<persona>:<scenario>`), and hostile callbacks to the hub: the relying party gets the
 * OIDC error it can act on; a person facing an outage gets a GOV.UK page with a working retry.
 */
describe(`upstream failures and hostile callbacks (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  before(async () => {
    // Short enough for the slow scenario, long enough for a loaded CI machine's ordinary answers.
    hub = await startTestHub({ GOVBRIDGE_UPSTREAM_TIMEOUT_MS: '2500' });
    rp = await TestRp.register(hub);
  });
  after(async () => {
    await hub?.close();
  });

  function assertPage(status: number, html: string, expected: number) {
    assert.equal(status, expected, html.slice(0, 400));
    const f = pageFacts(html);
    assert.ok(f.govuk, 'GOV.UK-styled page');
    assert.ok(!f.stack, 'no stack trace');
    assert.doesNotMatch(html, /GovbridgeError|upstream_|ECONN|fetch failed|AbortError/);
  }

  // First: the `slow` scenario leaves the simulator sleeping (10 s) after the hub gave up; that
  // runs down while the other tests run.
  /** Start without login_hint: the simulator's persona page, where the person picks a scenario. */
  async function startAtPersonaPage(scheme: string) {
    const b = new TestBrowser();
    const pkce = TestRp.pkce();
    const params = rp.authorizationParams(pkce, { idp_hint: scheme, scope: 'openid' });
    const pushed = await rp.par(params);
    assert.ok(pushed.requestUri, pushed.text);
    const page = await b.follow(rp.authorizeUrl(pushed.requestUri));
    assert.equal(page.res.status, 200, b.visited.join('\n'));
    assert.match(page.url, new RegExp(`/simulators/${scheme}/`));
    return { b, pkce, params, page, html: await page.res.text() };
  }

  for (const [scenario, status] of [
    ['slow', 504],
    ['down', 503],
  ] as const) {
    test(`singpass ${scenario} → ${status} page with a retry link; retrying completes the login`, async () => {
      const s = await startAtPersonaPage('singpass');
      const failed = await rp.submit(s.b, s.page.url, s.html, '/login', {
        persona: 'sg-citizen-mid',
        scenario,
      });
      const html = failed.html;
      assertPage(failed.status, html, status);
      assert.match(html, /Sorry, the service is unavailable/);
      const retry = /<a [^>]*href="(\/interaction\/[^"]+\/start\/singpass)"/.exec(html)?.[1];
      assert.ok(retry, 'retry link on the page');

      // Retry: back to the scheme, a normal login this time, and the relying party gets its code.
      const again = await s.b.follow(new URL(retry, hub.url).toString());
      assert.equal(again.res.status, 200, s.b.visited.join('\n'));
      const r = await rp.submit(s.b, again.url, await again.res.text(), '/login', {
        persona: 'sg-citizen-mid',
        scenario: 'normal',
      });
      assert.ok(r.code, `${r.url}\n${s.b.visited.join('\n')}`);
      assert.equal(r.params.get('state'), s.params['state']);
      const tok = await rp.token(r.code, s.pkce.verifier);
      assert.equal(tok.status, 200, tok.text);
      await rp.verifyIdToken(String(tok.body['id_token']), s.params['nonce']);
    });
  }

  const cases: [string, string, string][] = [
    ['singpass', 'sg-citizen-mid:bad_signature', 'access_denied'],
    ['singpass', 'sg-citizen-mid:expired_token', 'access_denied'],
    ['singpass', 'sg-citizen-mid:wrong_nonce', 'access_denied'],
    ['singpass', 'sg-citizen-mid:wrong_audience', 'access_denied'],
    ['singpass', 'sg-citizen-mid:access_denied', 'access_denied'],
    ['singpass', 'sg-citizen-mid:temporarily_unavailable', 'temporarily_unavailable'],
    ['onelogin', 'eleanor-whitfield:bad_signature', 'access_denied'],
    ['onelogin', 'eleanor-whitfield:invalid_iss', 'access_denied'],
    ['onelogin', 'eleanor-whitfield:core_identity_bad_signature', 'access_denied'],
    ['onelogin', 'eleanor-whitfield:access_denied', 'access_denied'],
    ['onelogin', 'eleanor-whitfield:temporarily_unavailable', 'temporarily_unavailable'],
  ];
  for (const [scheme, hint, error] of cases) {
    test(`${scheme} ${hint} → ${error} to the relying party`, async () => {
      const { response: r, browser } = await rp.authorize({
        params: { idp_hint: scheme, login_hint: hint, scope: 'openid profile' },
      });
      assert.equal(r.error, error, `${r.url}\n${browser.visited.join('\n')}`);
      assert.ok(r.errorDescription && r.errorDescription.length > 10, 'a description a developer can act on');
      assert.doesNotMatch(r.errorDescription ?? '', /Error:|at .*\.ts|stack/);
      assert.equal(r.params.get('iss'), hub.url);
      assert.equal(r.code, undefined);
    });
  }

  test('onelogin down → 503 page with retry link', async () => {
    const s = await startAtPersonaPage('onelogin');
    const form = /<form[^>]*action="([^"]+)"/.exec(s.html)?.[1] ?? '';
    const failed = await s.b.submit(s.page.url, s.html, form, {
      persona: 'eleanor-whitfield',
      scenario: 'down',
    });
    const html = await failed.res.text();
    assertPage(failed.res.status, html, 503);
    assert.match(html, /href="\/interaction\/[^"]+\/start\/onelogin"/);
  });

  test('one interaction cannot make the hub start unlimited national logins (429 after 5)', async () => {
    const s = await startAtPersonaPage('onelogin');
    const failed = await s.b.submit(
      s.page.url,
      s.html,
      /<form[^>]*action="([^"]+)"/.exec(s.html)?.[1] ?? '',
      {
        persona: 'eleanor-whitfield',
        scenario: 'down',
      },
    );
    const retry = /href="(\/interaction\/[^"]+\/start\/onelogin)"/.exec(await failed.res.text())?.[1];
    assert.ok(retry);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await s.b.request(new URL(retry, hub.url).toString());
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    // The first start came from the chooser hop; four more fit the limit of five; the fifth retry does not.
    assert.deepEqual(statuses, [303, 303, 303, 303, 429]);
    const page = await s.b.request(new URL(retry, hub.url).toString());
    assertPage(page.status, await page.text(), 429);
  });

  /** A normal login stopped at the hub's fixed callback URL. */
  async function callbackUrl() {
    const b = new TestBrowser();
    const pkce = TestRp.pkce();
    const pushed = await rp.par(
      rp.authorizationParams(pkce, { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', scope: 'openid' }),
    );
    const stop = await b.follow(
      rp.authorizeUrl(pushed.requestUri!),
      {},
      (u) => u.pathname === '/callback/singpass',
    );
    assert.match(stop.url, /\/callback\/singpass\?/);
    return { b, pkce, url: stop.url };
  }

  test('callback with a tampered (unknown) state → 400 page', async () => {
    const { b, url } = await callbackUrl();
    const u = new URL(url);
    u.searchParams.set('state', `${u.searchParams.get('state')}x`);
    const res = await b.follow(u.toString());
    assertPage(res.res.status, await res.res.text(), 400);
    const none = await b.follow(`${hub.url}/callback/singpass?code=abc`);
    assertPage(none.res.status, await none.res.text(), 400);
    const badScheme = await b.follow(`${hub.url}/callback/nowhere?code=abc&state=x`);
    assert.ok(badScheme.res.status >= 400 && badScheme.res.status < 500);
    await badScheme.res.arrayBuffer();
  });

  test('callback replayed a second time → 400 page (the first one completed the login)', async () => {
    const { b, url } = await callbackUrl();
    const r = await rp.browserLogin(b, url);
    assert.ok(r.code, r.url);
    const replay = await b.follow(url);
    assertPage(replay.res.status, await replay.res.text(), 400);
  });

  test('callback from a different browser → 400 page, and the real browser can still finish', async () => {
    const { b, url } = await callbackUrl();
    const other = new TestBrowser();
    const res = await other.follow(url);
    assertPage(res.res.status, await res.res.text(), 400);
    // The stolen callback did not use the state up.
    const r = await rp.browserLogin(b, url);
    assert.ok(r.code, r.url);
  });
});
