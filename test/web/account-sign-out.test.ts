import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/web/index.ts';
import { findForm, TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Signing out of the hub's own pages ends the session on the server (issue 9): a copy of the
 * `govbridge-account` cookie taken before sign-out is refused afterwards on every page that reads
 * it (consents, releases, life-event journeys, Tell Us Once) and by every hub process — here two
 * processes on one database, as behind a load balancer.
 */
describe(`signing out ends the account session on the server (${testDialect()})`, () => {
  let a: TestHub;
  let b: TestHub;
  let bOrigin: string;
  const lines: Record<string, unknown>[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    a = await startTestHub({}, { logger: createLogger({ logLevel: 'info' }, sink) });
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

  /** GET a hub path with only the given cookie header, from process A or B; status and HTML. */
  async function replay(which: 'A' | 'B', path: string, cookie: string) {
    const origin = which === 'A' ? a.url : bOrigin;
    const res = await fetch(`${origin}${path}`, {
      headers: { cookie, 'x-forwarded-host': new URL(a.url).host },
      redirect: 'manual',
    });
    return { status: res.status, html: await res.text() };
  }

  const heading = (html: string) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.trim() ?? '';

  /** Every reader of the account cookie, and how it answers someone signed in and someone not. */
  const PAGES = [
    { path: '/account/consents', signedIn: 'Your consents', signedOut: /^Sign in to see your consents$/ },
    {
      path: '/account/releases',
      signedIn: 'Who has received your information',
      signedOut: /^Sign in to see who has received your information$/,
    },
    { path: '/life-events', signedIn: undefined, signedOut: /^Sign in to plan a life event$/ },
    // A journey that is not this account's: "not found" when signed in, a sign-in page when not.
    {
      path: '/life-events/journeys/00000000-0000-4000-8000-000000000000',
      signedIn: 404,
      signedOut: /^Sign in to plan a life event$/,
    },
    {
      path: '/life-events/journeys/00000000-0000-4000-8000-000000000000/tell',
      signedIn: 404,
      signedOut: /^Sign in to plan a life event$/,
    },
  ] as const;

  test('copy the cookie, sign out, replay the copy on either process: signed out everywhere', async () => {
    const browser = new TestBrowser();
    const signIn = await browser.follow(`${a.url}/account/consents`);
    const persona = await browser.submit(signIn.url, await signIn.res.text(), '/account/sign-in', {
      scheme: 'singpass',
    });
    const done = await browser.submit(persona.url, await persona.res.text(), '', {
      persona: 'sg-citizen-mid',
    });
    const consentsHtml = await done.res.text();
    assert.equal(new URL(done.url).pathname, '/account/consents', browser.visited.join('\n'));
    assert.equal(heading(consentsHtml), 'Your consents');

    const account = browser.cookies.find((c) => c.name === 'govbridge-account');
    assert.ok(account, 'the account cookie is set');
    const copied = `govbridge-account=${account.value}`;

    // Before sign-out the copy works on both processes (the session is in the database).
    for (const which of ['A', 'B'] as const) {
      for (const p of PAGES) {
        const page = await replay(which, p.path, copied);
        if (typeof p.signedIn === 'number') assert.equal(page.status, p.signedIn, `${which} ${p.path}`);
        else {
          assert.equal(page.status, 200, `${which} ${p.path}`);
          assert.doesNotMatch(heading(page.html), p.signedOut, `${which} ${p.path} signed in`);
          if (p.signedIn) assert.equal(heading(page.html), p.signedIn, `${which} ${p.path}`);
        }
      }
    }

    // Sign out (on process B).
    const form = findForm(consentsHtml, '/account/sign-out');
    const out = await fetch(`${bOrigin}${form.action}`, {
      method: 'POST',
      headers: {
        cookie: browser.cookieHeader(new URL(a.url)),
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-host': new URL(a.url).host,
      },
      body: new URLSearchParams(form.fields).toString(),
      redirect: 'manual',
    });
    assert.equal(out.status, 303, await out.text());
    assert.match(out.headers.getSetCookie().join('\n'), /govbridge-account=;/, 'the cookie is cleared');

    // The copy taken before sign-out names no one any more, on either process, on every page.
    lines.length = 0;
    for (const which of ['A', 'B'] as const) {
      for (const p of PAGES) {
        const page = await replay(which, p.path, copied);
        assert.equal(page.status, 200, `${which} ${p.path} after sign-out`);
        assert.match(heading(page.html), p.signedOut, `${which} ${p.path} after sign-out`);
      }
    }
    // Each refusal on process A is one warn line naming the check, never the session id.
    const refused = lines.filter((l) => l['event'] === 'account_session_refused');
    assert.equal(refused.length, PAGES.length, JSON.stringify(lines.filter((l) => l['level'] === 40)));
    for (const l of refused) {
      assert.equal(l['level'], 40);
      assert.equal(l['check'], 'revoked');
    }
    const logged = JSON.stringify(lines);
    const sessionId = decodeURIComponent(account.value).split('.')[0]!;
    assert.ok(!logged.includes(sessionId), 'the session id never reaches a log line');
  });

  test('a validly signed cookie without a live session names no one (the old account|expiry form)', async () => {
    // Before server-side sessions the cookie was `<accountId>|<exp>`, signed: whoever held one was
    // that account until exp. A signature is no longer enough; only a live session row is.
    const row = await a.ctx.storage.db.selectFrom('accounts').select('account_id').executeTakeFirstOrThrow();
    const exp = Math.floor(Date.now() / 1000) + 600;
    const forged = a.app.signCookie(`${row.account_id}|${exp}`);
    const page = await replay('A', '/account/consents', `govbridge-account=${encodeURIComponent(forged)}`);
    assert.equal(page.status, 200);
    assert.match(heading(page.html), /^Sign in to see your consents$/);
  });

  const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', scope: 'openid' };

  test("a service's sign-out at the hub (RP-initiated logout) ends the hub sign-in of the browser too", async () => {
    const rp = await TestRp.register(a);
    const r = await rp.login({ params: SG });
    const account = r.browser.cookies.find((c) => c.name === 'govbridge-account');
    assert.ok(account, 'a login for a service signs the browser in to the hub pages too');
    const copied = `govbridge-account=${account.value}`;
    assert.equal(heading((await replay('A', '/account/consents', copied)).html), 'Your consents');

    const q = new URLSearchParams({ id_token_hint: r.idToken, client_id: rp.clientId });
    const page = await r.browser.follow(`${a.url}/logout?${q.toString()}`);
    const form = findForm(await page.res.text(), '/logout/confirm');
    const res = await r.browser.request(new URL(form.action, page.url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, logout: 'yes' }).toString(),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 303);
    assert.match(res.headers.getSetCookie().join('\n'), /govbridge-account=;/, 'the cookie is cleared');
    assert.equal(
      r.browser.cookies.find((c) => c.name === 'govbridge-account'),
      undefined,
    );
    for (const which of ['A', 'B'] as const) {
      const after = await replay(which, '/account/consents', copied);
      assert.match(
        heading(after.html),
        /^Sign in to see your consents$/,
        `${which} after the service's sign-out`,
      );
    }
  });

  test("signing out of the hub's pages ends the browser's OpenID Provider session too", async () => {
    const rp = await TestRp.register(a);
    const r = await rp.login({ params: SG });
    const opSession = () =>
      a.ctx.storage.db.selectFrom('oidc_artefacts').select('id').where('model', '=', 'Session').execute();
    const before = (await opSession()).length;
    assert.ok(before >= 1);

    const consents = await r.browser.follow(`${a.url}/account/consents`);
    const html = await consents.res.text();
    assert.equal(heading(html), 'Your consents');
    const out = await r.browser.submit(consents.url, html, '/account/sign-out', {});
    await out.res.arrayBuffer();
    assert.equal((await opSession()).length, before - 1, 'the OP session of this browser is gone');

    // The next login on this browser, as another person, is not told someone else is signed in.
    const next = await rp.authorize({
      browser: r.browser,
      params: { ...SG, login_hint: 'sg-pr' },
    });
    assert.ok(next.response.code, `${next.response.url}\n${next.response.html.slice(0, 300)}`);
  });
});
