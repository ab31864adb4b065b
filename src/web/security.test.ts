import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { exampleFormPlugin } from '../../test/web/fixtures/example-form.ts';
import {
  cookieHeader,
  inlineScripts,
  inlineStyles,
  openForm,
  titleOf,
} from '../../test/web/fixtures/html.ts';
import { buildWebTestApp } from './index.ts';

const PAGES = ['/', '/cookies', '/accessibility', '/example/form', '/does-not-exist'];

describe('web security (http public URL)', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await buildWebTestApp({ routes: exampleFormPlugin }));
  });
  after(() => app.close());

  test('every page has a strict CSP and no inline script or style', async () => {
    for (const url of PAGES) {
      const res = await app.inject({ url });
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/, url);
      assert.match(csp, /style-src 'self'(;|$)/, url);
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.match(csp, /object-src 'none'/, url);
      assert.match(csp, /form-action 'self'/, url);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|nonce-/, url);
      assert.deepEqual(inlineScripts(res.body), [], `${url} has inline script`);
      assert.deepEqual(inlineStyles(res.body), [], `${url} has inline style`);
      assert.match(res.body, /<script type="module" src="\/assets\/app\.js\?v=[\w-]+"><\/script>/, url);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over http');
      assert.equal(res.headers['cache-control'], 'no-store', url);
    }
  });

  test('pages follow the GOV.UK title pattern and declare their language', async () => {
    const home = await app.inject({ url: '/' });
    assert.equal(titleOf(home.body), 'Use a UK or Singapore digital identity – govbridge – GOV.UK');
    assert.match(home.body, /<html lang="en"/);
    assert.match(home.body, /class="govuk-skip-link"/);
    assert.match(home.body, /govuk-phase-banner/);
    assert.match(home.body, /href="\/demo\/uk"[^>]*>UK service: sign in with Singpass</);
    assert.match(home.body, /href="\/demo\/sg"[^>]*>Singapore service: sign in with GOV.UK One Login</);
    assert.match(home.body, /href="\/account\/consents"[^>]*>Your consents</);
    const cookies = await app.inject({ url: '/cookies' });
    assert.equal(titleOf(cookies.body), 'Cookies – govbridge – GOV.UK');
    const a11y = await app.inject({ url: '/accessibility' });
    assert.equal(titleOf(a11y.body), 'Accessibility statement – govbridge – GOV.UK');
  });

  test('the CSRF cookie is signed, HttpOnly, SameSite=Lax, and set once per browser', async () => {
    const first = await app.inject({ url: '/example/form' });
    const [cookie] = first.cookies;
    assert.ok(cookie);
    assert.equal(cookie.name, 'govbridge-csrf');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    assert.match(cookie.value, /\./, 'signed value carries its signature');
    const again = await app.inject({ url: '/example/form', headers: { cookie: cookieHeader(first) } });
    assert.equal(again.cookies.length, 0, 'the secret is reused, not re-issued');
  });

  test('a form with a valid token is accepted; a re-rendered form with errors says "Error:"', async () => {
    const { cookie, token } = await openForm(app, '/example/form');
    const ok = await app.inject({
      method: 'POST',
      url: '/example/form',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: token, name: 'Ada' }).toString(),
    });
    assert.equal(ok.statusCode, 303);
    const bad = await app.inject({
      method: 'POST',
      url: '/example/form',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: token, name: '' }).toString(),
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(titleOf(bad.body), 'Error: What is your name? – govbridge – GOV.UK');
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /href="#name">Enter your name</);
    assert.match(bad.body, /id="name-error"/);
  });

  const expired = async (headers: Record<string, string>, body: Record<string, string>) => {
    const res = await app.inject({
      method: 'POST',
      url: '/example/form',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(body).toString(),
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(titleOf(res.body), 'This form has expired – govbridge – GOV.UK');
    assert.match(res.body, /<h1 class="govuk-heading-l">This form has expired<\/h1>/);
    assert.match(res.body, /href="\/example\/form" class="govuk-link">Go back to the form and try again</);
    assert.doesNotMatch(res.body, /csrf|FST_|at .*\.js:\d+/i, 'no internals');
    assert.deepEqual(inlineScripts(res.body), []);
  };

  test('CSRF: no cookie and no token → 403 "This form has expired"', () => expired({}, { name: 'Ada' }));

  test('CSRF: cookie but no token → 403', async () => {
    const { cookie } = await openForm(app, '/example/form');
    await expired({ cookie }, { name: 'Ada' });
  });

  test('CSRF: wrong token, or a token from another browser → 403', async () => {
    const mine = await openForm(app, '/example/form');
    const theirs = await openForm(app, '/example/form');
    await expired({ cookie: mine.cookie }, { _csrf: 'forged', name: 'Ada' });
    await expired({ cookie: mine.cookie }, { _csrf: theirs.token, name: 'Ada' });
  });

  test('CSRF: a tampered (unsigned) cookie → 403', async () => {
    const { token } = await openForm(app, '/example/form');
    await expired({ cookie: 'govbridge-csrf=attacker-chosen-secret' }, { _csrf: token, name: 'Ada' });
  });

  test('CSRF: the token is never taken from the query string', async () => {
    const { cookie, token } = await openForm(app, '/example/form');
    const res = await app.inject({
      method: 'POST',
      url: `/example/form?_csrf=${encodeURIComponent(token)}`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=Ada',
    });
    assert.equal(res.statusCode, 403);
  });
});

describe('web security (https public URL)', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await buildWebTestApp({
      env: { GOVBRIDGE_PUBLIC_URL: 'https://hub.example.gov.uk' },
      routes: exampleFormPlugin,
    }));
  });
  after(() => app.close());

  test('HSTS, upgrade-insecure-requests, no plaintext form targets, __Host- Secure cookies', async () => {
    const res = await app.inject({ url: '/example/form' });
    assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /upgrade-insecure-requests/);
    assert.match(csp, /form-action 'self' https:(;|$)/);
    const [cookie] = res.cookies;
    assert.equal(cookie?.name, '__Host-govbridge-csrf');
    assert.equal(cookie?.secure, true);
    assert.equal(cookie?.path, '/');
    assert.equal(cookie?.domain, undefined, '__Host- cookies are host-only');
    const cookiesPage = await app.inject({ url: '/cookies' });
    assert.match(cookiesPage.body, /__Host-govbridge-csrf/, 'the cookies page names the real cookie');
  });
});
