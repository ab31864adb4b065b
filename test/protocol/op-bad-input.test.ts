import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { newKey, pageFacts, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Hostile or malformed requests to the hub's OpenID Provider endpoints: each gets the exact OAuth /
 * OIDC error (or, where the hub cannot trust the redirect, a GOV.UK error page), never a 500.
 */
const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid' };

describe(`OP endpoints reject bad input with the right error (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  before(async () => {
    hub = await startTestHub();
    rp = await TestRp.register(hub);
  });
  after(async () => {
    await hub?.close();
  });

  function assertErrorPage(status: number, html: string, expected: number) {
    assert.equal(status, expected, html.slice(0, 500));
    const f = pageFacts(html);
    assert.ok(f.govuk, 'GOV.UK-styled page');
    assert.ok(!f.stack, `no stack trace in ${html}`);
  }

  test('unknown client at PAR → 401 invalid_client', async () => {
    const other = new TestRp(hub, 'no-such-client', 'https://nowhere.example/cb', rp.key, rp.dpopKey);
    const res = await other.par(other.authorizationParams(TestRp.pkce(), SG));
    assert.equal(res.status, 401, res.text);
    assert.equal(res.body['error'], 'invalid_client');
  });

  test('unknown client at /authorize → 400 GOV.UK error page (no redirect to an unverified URI)', async () => {
    const url = rp.plainAuthorizeUrl({
      ...rp.authorizationParams(TestRp.pkce(), SG),
      client_id: 'no-such-client',
    });
    const res = await fetch(url, { redirect: 'manual' });
    const html = await res.text();
    assertErrorPage(res.status, html, 400);
    assert.match(html, /invalid_client/);
  });

  test('unregistered redirect_uri at PAR → invalid_request; at /authorize → error page, no redirect', async () => {
    const params = rp.authorizationParams(TestRp.pkce(), { ...SG, redirect_uri: 'https://evil.example/cb' });
    const res = await rp.par(params);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body['error'], 'invalid_request');
    assert.match(String(res.body['error_description']), /redirect_uri/);
    const page = await fetch(rp.plainAuthorizeUrl(params), { redirect: 'manual' });
    const html = await page.text();
    assertErrorPage(page.status, html, 400);
    assert.equal(page.headers.get('location'), null);
  });

  test('missing PKCE at PAR → invalid_request naming code_challenge', async () => {
    const params = rp.authorizationParams(TestRp.pkce(), {
      ...SG,
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    const res = await rp.par(params);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body['error'], 'invalid_request');
    assert.match(String(res.body['error_description']), /PKCE/);
  });

  test('PKCE plain method → invalid_request', async () => {
    const params = rp.authorizationParams(TestRp.pkce(), { ...SG, code_challenge_method: 'plain' });
    const res = await rp.par(params);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body['error'], 'invalid_request');
  });

  test('FAPI 2.0 client calling /authorize without PAR → error to the RP, no login starts', async () => {
    const b = new TestBrowser();
    const r = await rp.browserLogin(b, rp.plainAuthorizeUrl(rp.authorizationParams(TestRp.pkce(), SG)));
    assert.equal(r.error, 'invalid_request', `${r.url} ${r.html.slice(0, 300)}`);
    assert.match(r.errorDescription ?? '', /pushed authorization request/i);
    assert.ok(!b.visited.some((v) => v.includes('/simulators/')), 'never reached the national scheme');
  });

  test('a FAPI 2.0 client registered without PAR/DPoP flags still gets PAR and DPoP enforced', async () => {
    const lax = await TestRp.register(hub, {
      metadata: { require_pushed_authorization_requests: false, dpop_bound_access_tokens: false },
    });
    const r = await lax.browserLogin(
      new TestBrowser(),
      lax.plainAuthorizeUrl(lax.authorizationParams(TestRp.pkce(), SG)),
    );
    assert.equal(r.error, 'invalid_request', `${r.url} ${r.html.slice(0, 300)}`);
    const a = await lax.authorize({ params: SG, push: { dpop: false } });
    assert.ok(a.response.code, a.response.url);
    const tok = await lax.token(a.response.code, a.pkce.verifier, { dpop: false });
    assert.equal(tok.status, 400, tok.text);
    // oidc-provider's error for a missing DPoP proof at the token endpoint.
    assert.equal(tok.body['error'], 'invalid_grant');
  });

  test('code flow: wrong verifier, missing verifier, replayed code (and the first token revoked)', async () => {
    const a = await rp.authorize({ params: SG });
    const code = a.response.code;
    assert.ok(code, a.browser.visited.join('\n'));

    // FAPI 2.0: short-lived codes (at most 60 s).
    const codes = await hub.ctx.storage.db
      .selectFrom('oidc_artefacts')
      .select('expires_at')
      .where('model', '=', 'AuthorizationCode')
      .execute();
    assert.ok(codes.length > 0);
    for (const c of codes) assert.ok(Number(c.expires_at) <= Date.now() + 60_000, 'code lives ≤ 60 s');

    const wrong = await rp.token(code, TestRp.pkce().verifier);
    assert.equal(wrong.status, 400, wrong.text);
    assert.equal(wrong.body['error'], 'invalid_grant');

    // A failed PKCE check consumes nothing the attacker can use; the code still works once.
    const a2 = await rp.authorize({ params: SG });
    const missing = await rp.token(a2.response.code!, undefined);
    assert.equal(missing.status, 400, missing.text);
    assert.equal(missing.body['error'], 'invalid_grant');

    const a3 = await rp.authorize({ params: SG });
    const first = await rp.token(a3.response.code!, a3.pkce.verifier);
    assert.equal(first.status, 200, first.text);
    const at = String(first.body['access_token']);
    assert.equal((await rp.userinfo(at)).status, 200);
    const replay = await rp.token(a3.response.code!, a3.pkce.verifier);
    assert.equal(replay.status, 400, replay.text);
    assert.equal(replay.body['error'], 'invalid_grant');
    const after = await rp.userinfo(at);
    assert.equal(after.status, 401, 'access token from a replayed code is revoked');
    assert.match(after.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  test('DPoP: missing proof, replayed proof, other key at token and userinfo', async () => {
    const a = await rp.authorize({ params: SG });
    const code = a.response.code!;
    const noProof = await rp.token(code, a.pkce.verifier, { dpop: false });
    assert.equal(noProof.status, 400, noProof.text);
    assert.equal(noProof.body['error'], 'invalid_grant');

    const b = await rp.authorize({ params: SG });
    const otherKey = await newKey();
    const wrongKey = await rp.token(b.response.code!, b.pkce.verifier, { dpop: { key: otherKey } });
    assert.equal(wrongKey.status, 400, wrongKey.text);
    assert.equal(wrongKey.body['error'], 'invalid_grant');

    const c = await rp.authorize({ params: SG });
    const proof = await rp.dpopProof('POST', rp.endpoint('/token'));
    const ok = await rp.token(c.response.code!, c.pkce.verifier, { dpopProof: proof });
    assert.equal(ok.status, 200, ok.text);
    const at = String(ok.body['access_token']);

    const d = await rp.authorize({ params: SG });
    const replayed = await rp.token(d.response.code!, d.pkce.verifier, { dpopProof: proof });
    assert.equal(replayed.status, 400, replayed.text);
    // oidc-provider reports a replayed proof at the token endpoint as invalid_grant (not RFC 9449's
    // invalid_dpop_proof); either way the request is refused and no token is issued.
    assert.equal(replayed.body['error'], 'invalid_grant');

    const uiProof = await rp.dpopProof('GET', rp.endpoint('/userinfo'), { accessToken: at });
    assert.equal((await rp.userinfo(at, { dpopProof: uiProof })).status, 200);
    const uiReplay = await rp.userinfo(at, { dpopProof: uiProof });
    assert.equal(uiReplay.status, 401, uiReplay.text);
    // oidc-provider answers a replayed proof at a resource endpoint with invalid_token.
    assert.match(uiReplay.headers.get('www-authenticate') ?? '', /invalid_token|invalid_dpop_proof/);

    const uiOtherKey = await rp.userinfo(at, { dpop: { key: otherKey } });
    assert.equal(uiOtherKey.status, 401, uiOtherKey.text);
    assert.match(uiOtherKey.headers.get('www-authenticate') ?? '', /invalid_token|invalid_dpop_proof/);

    const bearer = await rp.userinfo(at, { dpop: false, scheme: 'Bearer' });
    assert.equal(bearer.status, 401, bearer.text);

    const noAth = await rp.userinfo(at, {
      dpopProof: await rp.dpopProof('GET', rp.endpoint('/userinfo')),
    });
    assert.equal(noAth.status, 401, noAth.text);
    assert.match(noAth.headers.get('www-authenticate') ?? '', /invalid_token|invalid_dpop_proof/);
  });

  test('PAR request_uri: reused → error to the RP; expired → error to the RP', async () => {
    const pushed = await rp.par(rp.authorizationParams(TestRp.pkce(), SG));
    assert.ok(pushed.requestUri, pushed.text);
    const first = await rp.browserLogin(new TestBrowser(), rp.authorizeUrl(pushed.requestUri), {
      decision: 'agree',
    });
    assert.ok(first.code, first.url);
    const again = await rp.browserLogin(new TestBrowser(), rp.authorizeUrl(pushed.requestUri));
    assertRpOrPage(again, 'invalid_request_uri');

    const pushed2 = await rp.par(rp.authorizationParams(TestRp.pkce(), SG));
    await hub.ctx.storage.db
      .updateTable('oidc_artefacts')
      .set({ expires_at: Date.now() - 1000 })
      .where('model', '=', 'PushedAuthorizationRequest')
      .execute();
    const expired = await rp.browserLogin(new TestBrowser(), rp.authorizeUrl(pushed2.requestUri!));
    assertRpOrPage(expired, 'invalid_request_uri');
  });

  function assertRpOrPage(r: Awaited<ReturnType<TestRp['browserLogin']>>, error: string) {
    if (r.error) {
      assert.equal(r.error, error);
      return;
    }
    assertErrorPage(r.status, r.html, 400);
    assert.match(r.html, new RegExp(error));
  }

  test('client assertion signed with another key, or unsigned (alg none) → invalid_client', async () => {
    const params = rp.authorizationParams(TestRp.pkce(), SG);
    const wrong = await rp.par(params, { assertion: { key: await newKey() } });
    assert.equal(wrong.status, 401, wrong.text);
    assert.equal(wrong.body['error'], 'invalid_client');
    const none = await rp.par(params, { assertion: { none: true } });
    assert.equal(none.status, 401, none.text);
    assert.equal(none.body['error'], 'invalid_client');
    const wrongAud = await rp.par(params, { assertion: { aud: rp.endpoint('/par') } });
    assert.equal(wrongAud.status, 401, wrongAud.text);
    assert.equal(wrongAud.body['error'], 'invalid_client');
    const noAuth = await rp.par(params, { assertion: false });
    assert.equal(noAuth.status, 401, noAuth.text);
    assert.equal(noAuth.body['error'], 'invalid_client');

    const a = await rp.authorize({ params: SG });
    const tok = await rp.token(a.response.code!, a.pkce.verifier, { assertion: { none: true } });
    assert.equal(tok.status, 401, tok.text);
    assert.equal(tok.body['error'], 'invalid_client');
  });

  test('signed request object at PAR: accepted when signed by the client, refused unsigned or wrongly signed', async () => {
    const pkce = TestRp.pkce();
    const claims = {
      ...rp.authorizationParams(pkce, { ...SG, scope: 'openid' }),
      iss: rp.clientId,
      aud: hub.url,
    };
    const now = Math.floor(Date.now() / 1000);
    const sign = (key: Awaited<ReturnType<typeof newKey>>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'oauth-authz-req+jwt' })
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 60)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
    const good = await rp.par({ client_id: rp.clientId, request: await sign(rp.key) });
    assert.equal(good.status, 201, good.text);
    const r = await rp.browserLogin(new TestBrowser(), rp.authorizeUrl(good.requestUri!));
    assert.ok(r.code, r.url);

    const wrong = await rp.par({ client_id: rp.clientId, request: await sign(await newKey()) });
    assert.equal(wrong.status, 400, wrong.text);
    assert.equal(wrong.body['error'], 'invalid_request_object');

    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${enc({ alg: 'none' })}.${enc({ ...claims, iat: now, nbf: now, exp: now + 60 })}.`;
    const none = await rp.par({ client_id: rp.clientId, request: unsigned });
    assert.equal(none.status, 400, none.text);
    assert.equal(none.body['error'], 'invalid_request_object');
  });

  test('garbage at the OP endpoints → 4xx with an OAuth error, never 500', async () => {
    const cases: [string, RequestInit][] = [
      [
        '/token',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":1}' },
      ],
      [
        '/token',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
      ],
      [
        '/par',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%' },
      ],
      ['/par', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }],
      ['/userinfo', {}],
      ['/userinfo', { headers: { authorization: 'DPoP not-a-token', dpop: 'not.a.jwt' } }],
      [
        '/token/revocation',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' },
      ],
      [
        '/token/introspection',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' },
      ],
    ];
    for (const [path, init] of cases) {
      const res = await fetch(`${hub.url}${path}`, {
        ...init,
        headers: { accept: 'application/json', ...init.headers },
      });
      const text = await res.text();
      assert.ok(res.status >= 400 && res.status < 500, `${path} ${res.status} ${text}`);
      if (text) assert.doesNotMatch(text, /\.ts:\d+|node:internal|stack/i, path);
    }
  });

  test('hostile requests to the interaction pages → GOV.UK error pages, never 500', async () => {
    const html = { accept: 'text/html' };
    const unknown = await fetch(`${hub.url}/interaction/unknownUid123`, { headers: html });
    assertErrorPage(unknown.status, await unknown.text(), 400);
    const badUid = await fetch(`${hub.url}/interaction/${'a'.repeat(200)}`, { headers: html });
    assert.ok(badUid.status >= 400 && badUid.status < 500, String(badUid.status));
    assert.ok(!pageFacts(await badUid.text()).stack);
    const consent = await fetch(`${hub.url}/interaction/unknownUid123/consent`, { headers: html });
    assertErrorPage(consent.status, await consent.text(), 400);
    const retry = await fetch(`${hub.url}/interaction/unknownUid123/start/singpass`, {
      headers: html,
      redirect: 'manual',
    });
    assertErrorPage(retry.status, await retry.text(), 400);
    const noCsrf = await fetch(`${hub.url}/interaction/unknownUid123/consent`, {
      method: 'POST',
      headers: { ...html, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=agree',
    });
    assertErrorPage(noCsrf.status, await noCsrf.text(), 403);

    // A live interaction whose consent page is opened before any national login happened.
    const b = new TestBrowser();
    const pushed = await rp.par(rp.authorizationParams(TestRp.pkce(), { login_hint: 'sg-citizen-mid' }));
    const chooser = await b.follow(rp.authorizeUrl(pushed.requestUri!));
    await chooser.res.arrayBuffer();
    const early = await b.follow(`${chooser.url}/consent`);
    assertErrorPage(early.res.status, await early.res.text(), 400);
  });

  test('oversized parameters → 4xx, never 500', async () => {
    const big = 'x'.repeat(100 * 1024);
    const par = await rp.par(rp.authorizationParams(TestRp.pkce(), { ...SG, state: big }));
    assert.ok(par.status >= 400 && par.status < 500, `PAR ${par.status}`);
    const par2 = await rp.par(rp.authorizationParams(TestRp.pkce(), { ...SG, login_hint: big }));
    assert.ok(par2.status >= 400 && par2.status < 500, `PAR ${par2.status}`);

    const url = rp.plainAuthorizeUrl(rp.authorizationParams(TestRp.pkce(), { ...SG, login_hint: big }));
    const res = await fetch(url, { redirect: 'manual' });
    assert.ok(res.status >= 400 && res.status < 500, `authorize ${res.status}`);
    await res.arrayBuffer();

    // Under the HTTP header limit but still absurd: a 10 KB state on a correct PAR is not a 500.
    const mid = await rp.par(
      rp.authorizationParams(TestRp.pkce(), { ...SG, login_hint: `sg-citizen-mid${'y'.repeat(10_000)}` }),
    );
    assert.ok(mid.status < 500, `PAR ${mid.status}`);
    assert.ok(mid.requestUri, mid.text);
    // The hub refuses to forward it upstream: the relying party gets invalid_request (was a 500).
    const r = await rp.browserLogin(new TestBrowser(), rp.authorizeUrl(mid.requestUri));
    assert.equal(r.error, 'invalid_request', `${r.status} ${r.url}`);
    assert.match(r.errorDescription ?? '', /login_hint/);

    const tok = await fetch(rp.endpoint('/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=authorization_code&code=${big}`,
    });
    assert.ok(tok.status >= 400 && tok.status < 500, `token ${tok.status}`);
    await tok.arrayBuffer();
  });
});
