import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { findForm, TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Two hub processes on one database serve one login. Both are configured with the same public URL
 * (hub A's), as they would be behind a load balancer; requests are "load balanced" by sending them
 * to B's port with `X-Forwarded-Host` naming the public host (oidc-provider runs with proxy = true),
 * and the browser's cookies are the public host's, whichever process set them.
 *
 *   PAR → A · /authorize → B · /interaction (chooser, start upstream) → A · national callback → B ·
 *   consent page → B, decision → A · resume /authorize/:uid → B · token → A · userinfo → B
 */
describe(`two hub processes share one login (${testDialect()})`, () => {
  let a: TestHub;
  let b: TestHub;
  let bOrigin: string;
  before(async () => {
    a = await startTestHub();
    const shared: Record<string, string> = { GOVBRIDGE_PUBLIC_URL: a.url };
    if (a.env['GOVBRIDGE_SQLITE_PATH']) shared['GOVBRIDGE_SQLITE_PATH'] = a.env['GOVBRIDGE_SQLITE_PATH'];
    if (a.env['GOVBRIDGE_DATABASE_SCHEMA'])
      shared['GOVBRIDGE_DATABASE_SCHEMA'] = a.env['GOVBRIDGE_DATABASE_SCHEMA'];
    b = await startTestHub(shared);
    bOrigin = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  test('both processes publish the same issuer and keys', async () => {
    const da = (await (await fetch(`${a.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    const db = (await (
      await fetch(`${bOrigin}/.well-known/openid-configuration`, {
        headers: { 'x-forwarded-host': new URL(a.url).host },
      })
    ).json()) as Record<string, unknown>;
    assert.equal(da['issuer'], db['issuer']);
    const ka = await (await fetch(`${a.url}/jwks`)).text();
    const kb = await (await fetch(`${bOrigin}/jwks`)).text();
    assert.equal(ka, kb);
  });

  test('a login started on A finishes on B (and back)', async () => {
    const publicHost = new URL(a.url).host;
    const browser = new TestBrowser();
    const served: string[] = [];

    /** One hop, sent to the process `which`, as the public URL `logical`. */
    async function hop(logical: URL, which: 'A' | 'B', init: RequestInit = {}) {
      const physical = new URL(logical.pathname + logical.search, which === 'A' ? a.url : bOrigin);
      const headers = new Headers(init.headers);
      headers.set('x-forwarded-host', publicHost);
      // The browser's cookies belong to the public host, whichever process is answering.
      const cookie = browser.cookieHeader(logical);
      if (cookie) headers.set('cookie', cookie);
      const res = await fetch(physical, { ...init, headers, redirect: 'manual' });
      for (const raw of res.headers.getSetCookie()) browser.storeSetCookie(logical, raw);
      served.push(`${init.method ?? 'GET'} ${logical.pathname} → ${which} ${res.status}`);
      return res;
    }

    const rp = await TestRp.register(a, { redirectUri: 'https://two-process.example/cb' });
    const pkce = TestRp.pkce();
    const params = rp.authorizationParams(pkce, { login_hint: 'sg-citizen-mid', scope: 'openid profile' });
    const pushed = await rp.par(params); // → A
    assert.ok(pushed.requestUri, pushed.text);

    const route = (u: URL): 'A' | 'B' => {
      if (u.pathname.startsWith('/simulators/')) return 'A'; // the national scheme: not a hub process
      if (u.pathname === '/authorize') return 'B';
      if (/^\/interaction\/[^/]+$/.test(u.pathname)) return 'A';
      if (u.pathname.includes('/callback/')) return 'B';
      if (u.pathname.endsWith('/consent')) return 'B';
      if (u.pathname.startsWith('/authorize/')) return 'B';
      return 'A';
    };
    async function drive(start: URL, which?: 'A' | 'B', init: RequestInit = {}) {
      let current = start;
      let res = await hop(current, which ?? route(current), init);
      while (res.status >= 300 && res.status < 400) {
        const next = new URL(res.headers.get('location')!, current);
        await res.arrayBuffer();
        if (next.toString().startsWith(rp.redirectUri)) return { res, url: next };
        current = next;
        res = await hop(current, route(current));
      }
      return { res, url: current };
    }

    // Chooser (served by A for an interaction B created).
    const chooser = await drive(new URL(rp.authorizeUrl(pushed.requestUri)));
    const chooserHtml = await chooser.res.text();
    assert.equal(chooser.res.status, 200, served.join('\n'));
    assert.match(chooserHtml, /How do you want to prove your identity/);
    const scheme = findForm(chooserHtml, '/scheme');
    // Choice posted to B; the national scheme answers; callback and consent page on B.
    const consent = await drive(new URL(scheme.action, chooser.url), 'B', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...scheme.fields, scheme: 'singpass' }).toString(),
    });
    const consentHtml = await consent.res.text();
    assert.equal(consent.res.status, 200, served.join('\n'));
    assert.match(consent.url.pathname, /\/consent$/);
    // Decision posted to A; resume on B; back to the relying party.
    const form = findForm(consentHtml, '/consent');
    const back = await drive(new URL(form.action, consent.url), 'A', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, decision: 'agree' }).toString(),
    });
    const code = back.url.searchParams.get('code');
    assert.ok(code, `${back.url}\n${served.join('\n')}`);
    assert.ok(served.some((s) => s.includes('→ A')) && served.some((s) => s.includes('→ B')));

    // Token on A, userinfo on B.
    const tokens = await rp.token(code, pkce.verifier);
    assert.equal(tokens.status, 200, tokens.text);
    const claims = await rp.verifyIdToken(String(tokens.body['id_token']), params['nonce']);
    rp.baseUrl = bOrigin;
    rp.headers = { 'x-forwarded-host': publicHost };
    const ui = await rp.userinfo(String(tokens.body['access_token']));
    assert.equal(ui.status, 200, ui.text);
    assert.equal(ui.body['sub'], claims['sub']);
    assert.equal(typeof ui.body['name'], 'string');

    // A replay of the same code on B is refused: the code's state is shared, not per process.
    const replay = await rp.token(code, pkce.verifier);
    assert.equal(replay.status, 400, replay.text);
    assert.equal(replay.body['error'], 'invalid_grant');
  });
});
