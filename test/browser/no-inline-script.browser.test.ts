import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Request level, no browser: every HTML page of the hub, both simulators and both demos — reached
 * over HTTP by the same journeys the Chromium tests click through, error and validation states
 * included — has no `<script>` element without `src` (no inline script, so no CSP nonce or hash is
 * ever needed), and every POST form carries its anti-forgery field: `_csrf` on the hub's pages,
 * `csrf` on the demos', oidc-provider's `xsrf` on the logout confirmation, and the single-use
 * `request_id` / `interaction` on the simulators' persona pages.
 */

interface Seen {
  label: string;
  url: string;
  status: number;
  html: string;
  csp: string;
}

const INLINE_SCRIPT = /<script\b(?![^>]*\ssrc\s*=)[^>]*>/gi;
const FORM = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
const ANTI_FORGERY_FIELDS = ['_csrf', 'csrf', 'xsrf', 'request_id', 'interaction'];

describe(`no inline script, and every form protected against forgery (${testDialect()})`, () => {
  let hub: TestHub;
  const pages: Seen[] = [];
  /** The logout page for a browser without a hub session, checked on its own below. */
  const knownIssues: Seen[] = [];
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  async function keep(label: string, step: { res: Response; url: string }): Promise<Seen> {
    const html = await step.res.text();
    const csp = step.res.headers.get('content-security-policy') ?? '';
    const seen = { label, url: step.url, status: step.res.status, html, csp };
    assert.match(step.res.headers.get('content-type') ?? '', /^text\/html/, `${label}: ${step.url}`);
    pages.push(seen);
    return seen;
  }

  test('walk every page of the journeys', async () => {
    const b = new TestBrowser();
    const at = (path: string) => `${hub.url}${path}`;

    for (const [label, path] of [
      ['hub start', '/'],
      ['cookies', '/cookies'],
      ['accessibility', '/accessibility'],
      ['not found', '/no-such-page'],
      ['expired interaction', '/interaction/no-such-interaction'],
      ['your consents, signed out', '/account/consents'],
      ['UK demo start', '/demo/uk'],
      ['Singapore demo start', '/demo/sg/'],
      ['demo session ended', '/demo/sg/callback?code=x&state=y'],
      ['One Login simulator signed out', '/simulators/onelogin/logout'],
      ['upstream outage', '/demo/uk/sign-in?login_hint=sg-citizen-mid:down'],
    ] as const) {
      await keep(label, await b.follow(at(path)));
    }
    const signInChoice = pages.find((p) => p.label === 'your consents, signed out')!;
    await keep(
      'sign-in choice with an error',
      await b.submit(signInChoice.url, signInChoice.html, '/account/sign-in', {}),
    );
    await keep(
      'expired form (CSRF)',
      await new TestBrowser().submit(signInChoice.url, signInChoice.html, '/account/sign-in', {
        scheme: 'singpass',
      }),
    );

    // UK demo, Singpass persona page (no login_hint), its error states, consent, result, logout.
    const singpass = await keep('Singpass persona page', await b.follow(at('/demo/uk/sign-in')));
    assert.match(singpass.url, /\/simulators\/singpass\/fapi\/auth\?/);
    await keep(
      'Singpass persona page with an error',
      await b.submit(singpass.url, singpass.html, '/login', {}),
    );
    await keep(
      'Singpass expired request',
      await b.submit(singpass.url, singpass.html, '/login', {
        request_id: 'no-such-request',
        persona: 'sg-citizen-mid',
      }),
    );
    const consent = await keep(
      'consent page',
      await b.submit(singpass.url, singpass.html, '/login', {
        persona: 'sg-citizen-mid',
        scenario: 'normal',
      }),
    );
    assert.match(consent.url, /\/interaction\/[^/]+\/consent$/);
    await keep('consent page with an error', await b.submit(consent.url, consent.html, '/consent', {}));
    const result = await keep(
      'UK demo result',
      await b.submit(consent.url, consent.html, '/consent', { decision: 'agree' }),
    );
    assert.match(result.url, /\/demo\/uk\/result$/);
    await keep('your consents, signed in', await b.follow(at('/account/consents')));

    // Logout at the hub itself (signed in, no service): confirmation, then the hub's signed-out page.
    const confirm = await keep('logout confirmation (no service)', await b.follow(at('/logout')));
    assert.match(confirm.html, /Do you want to sign out\?/);
    const loggedOut = await keep(
      'hub logged out',
      await b.submit(confirm.url, confirm.html, '/logout/confirm', { logout: 'yes' }),
    );
    assert.match(loggedOut.html, /You have signed out of govbridge/);

    // The demo's "Sign out" now reaches the hub without a hub session. oidc-provider would answer with
    // its own auto-submitting form_post page (an inline script); the hub asks on its own page instead.
    const noSession = await b.submit(result.url, result.html, '/sign-out', {});
    const autoSubmit = {
      label: 'logout without a hub session',
      url: noSession.url,
      status: noSession.res.status,
      html: await noSession.res.text(),
      csp: noSession.res.headers.get('content-security-policy') ?? '',
    };
    knownIssues.push(autoSubmit);
    const ukSignedOut = await keep(
      'UK demo signed out',
      await b.submit(autoSubmit.url, autoSubmit.html, '/logout/confirm', {}),
    );
    assert.match(ukSignedOut.url, /\/demo\/uk\/signed-out/);

    // Singapore demo, One Login persona page, its error states, consent declined.
    const onelogin = await keep('One Login persona page', await b.follow(at('/demo/sg/sign-in')));
    assert.match(onelogin.url, /\/simulators\/onelogin\/authorize\?/);
    await keep(
      'One Login persona page with an error',
      await b.submit(onelogin.url, onelogin.html, '/authorize/persona', {}),
    );
    await keep(
      'One Login expired link',
      await b.submit(onelogin.url, onelogin.html, '/authorize/persona', {
        interaction: 'x',
        persona: 'rhys-pritchard',
      }),
    );
    const consentSg = await keep(
      'consent page (Singapore)',
      await b.submit(onelogin.url, onelogin.html, '/authorize/persona', {
        persona: 'rhys-pritchard',
        scenario: 'ok',
      }),
    );
    await keep(
      'Singapore demo, consent declined',
      await b.submit(consentSg.url, consentSg.html, '/consent', { decision: 'decline' }),
    );

    // The scheme chooser: a relying party without idp_hint.
    const rp = await TestRp.register(hub);
    const pushed = await rp.par(rp.authorizationParams(TestRp.pkce()));
    assert.ok(pushed.requestUri);
    const chooser = await keep('scheme chooser', await b.follow(rp.authorizeUrl(pushed.requestUri)));
    assert.match(chooser.html, /How do you want to prove your identity/);
    await keep('scheme chooser with an error', await b.submit(chooser.url, chooser.html, '/scheme', {}));
  });

  test('no page has a <script> element without src', () => {
    assert.ok(pages.length >= 30, `pages seen: ${pages.length}`);
    const offending = pages
      .map((p) => ({
        page: `${p.label} (${p.status} ${new URL(p.url).pathname})`,
        inline: p.html.match(INLINE_SCRIPT) ?? [],
      }))
      .filter((p) => p.inline.length > 0);
    assert.deepEqual(offending, []);
    for (const p of pages) {
      assert.match(
        p.html,
        /<script type="module" src="\/assets\/app\.js(\?v=[\w-]+)?"><\/script>/,
        `${p.label}: app.js`,
      );
    }
  });

  test("every page's CSP allows scripts from its own origin only: no 'unsafe-inline', nonce or hash", () => {
    const loose = pages
      .filter((p) => {
        const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(p.csp)?.[1]?.trim();
        return scriptSrc !== "'self'";
      })
      .map((p) => `${p.label}: ${p.csp || '(no CSP)'}`);
    assert.deepEqual(loose, []);
  });

  test('every POST form carries its anti-forgery field', () => {
    const unprotected: string[] = [];
    let forms = 0;
    for (const p of pages) {
      for (const [, attributes = '', body = ''] of p.html.matchAll(FORM)) {
        if (!/\smethod="post"/i.test(attributes)) continue;
        forms++;
        const names = [...body.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)]
          .map((m) => /\sname="([^"]*)"/.exec(m[0])?.[1])
          .filter((n) => n !== undefined);
        const hasToken = names.some((n) => ANTI_FORGERY_FIELDS.includes(n));
        const value = [...body.matchAll(/<input\b[^>]*type="hidden"[^>]*value="([^"]*)"/g)].map((m) => m[1]);
        if (!hasToken || value.some((v) => v === '')) unprotected.push(`${p.label}: <form${attributes}>`);
      }
    }
    assert.ok(forms >= 15, `POST forms seen: ${forms}`);
    assert.deepEqual(unprotected, []);
  });

  test('logout without a hub session: the hub asks on its own page, with no inline script', () => {
    assert.equal(knownIssues.length, 1);
    assert.deepEqual(knownIssues[0]!.html.match(INLINE_SCRIPT) ?? [], []);
    assert.match(knownIssues[0]!.html, /Do you want to sign out/);
    assert.match(knownIssues[0]!.csp, /script-src 'self'(;|$)/);
  });
});
