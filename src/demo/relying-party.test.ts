/**
 * The demos against a real OpenID Provider: oidc-provider 9 on 127.0.0.1, configured like the hub
 * (PAR required, DPoP, PKCE, private_key_jwt ES256, `idp_hint`), with a development interaction that
 * logs a test account in at once. The login hint picks the outcome:
 *   `alice`  success at `urn:govbridge:loa:substantial` with verified claims;
 *   `low`    success, but only at `urn:govbridge:loa:low`;
 *   `deny`   the interaction ends with `access_denied`;
 *   `weird`  the interaction ends with an error code the demo does not know.
 * The browser is fetch with redirects followed by hand and a small cookie jar.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { createDemoServices, type DemoClientRegistration } from './index.ts';

const COOKIE_KEY = 'test-cookie-key-that-is-long-enough-0123456789';

interface Seen {
  idpHint?: string | undefined;
  acrValues?: string | undefined;
  scope?: string | undefined;
  loginHint?: string | undefined;
}

// ---------------------------------------------------------------- the hub stand-in

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves an oidc-provider on `server`, already listening at `issuer`, with the demos registered. */
async function serveProvider(
  server: Server,
  issuer: string,
  registrations: readonly DemoClientRegistration[],
  seen: Map<string, Seen>,
): Promise<void> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'hub-test', alg: 'ES256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: registrations.map((r) => structuredClone(r) as unknown as ClientMetadata),
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-cookie-signing-key'] },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
      dPoP: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    clientAuthMethods: ['private_key_jwt'],
    enabledJWA: {
      clientAuthSigningAlgValues: ['ES256'],
      idTokenSigningAlgValues: ['ES256'],
      dPoPSigningAlgValues: ['ES256'],
    },
    responseTypes: ['code'],
    acrValues: ['urn:govbridge:loa:low', 'urn:govbridge:loa:substantial', 'urn:govbridge:loa:high'],
    extraParams: ['idp_hint'],
    extraClientMetadata: {
      properties: [
        'govbridge_country',
        'govbridge_agency',
        'govbridge_purpose',
        'govbridge_attributes',
        'govbridge_min_acr',
        'govbridge_security_profile',
        'govbridge_environment',
      ],
    },
    scopes: ['openid', 'profile', 'email', 'phone', 'address', 'nationality'],
    claims: {
      acr: null,
      auth_time: null,
      sid: null,
      // `amr` under `openid`, so every ID token carries it (as the hub's does).
      openid: ['sub', 'amr'],
      profile: ['name', 'given_name', 'family_name', 'birthdate', 'verified_claims'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
      address: ['address'],
      nationality: ['nationalities'],
    },
    findAccount: (_ctx, accountId) => ({
      accountId,
      claims: () => ({
        sub: accountId,
        name: 'TAN XIAO HUI',
        given_name: 'XIAO HUI',
        family_name: 'TAN',
        birthdate: '1988-10-06',
        nationalities: ['SG'],
        email: 'xiaohui@example.test',
        email_verified: true,
        phone_number: '+6597399245',
        address: { street_address: '123 LORONG 1 TOA PAYOH', postal_code: '310123', country: 'SG' },
        verified_claims: {
          verification: { trust_framework: 'sg_singpass', assurance_level: 'substantial' },
          claims: { given_name: 'XIAO HUI', family_name: 'TAN', birthdate: '1988-10-06' },
        },
      }),
    }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });

  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    const params = details.params as Record<string, string | undefined>;
    const hint = params['login_hint'] ?? 'alice';
    seen.set(String(params['client_id']), {
      idpHint: params['idp_hint'],
      acrValues: params['acr_values'],
      scope: params['scope'],
      loginHint: params['login_hint'],
    });
    if (hint === 'deny') {
      return provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'The person cancelled at the scheme',
      });
    }
    if (hint === 'weird') {
      return provider.interactionFinished(req, res, { error: 'scheme_exploded', error_description: 'Odd' });
    }
    if (details.prompt.name === 'login') {
      const acr = hint === 'low' ? 'urn:govbridge:loa:low' : 'urn:govbridge:loa:substantial';
      return provider.interactionFinished(req, res, {
        login: { accountId: `acct-${hint}`, acr, amr: ['pwd', 'sms'] },
      });
    }
    const grant = new provider.Grant({
      accountId: String(details.session?.accountId),
      clientId: String(params['client_id']),
    });
    grant.addOIDCScope(String(params['scope']));
    const promptDetails = details.prompt.details as { missingOIDCClaims?: string[] };
    if (promptDetails.missingOIDCClaims) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  };

  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    } else {
      callback(req, res);
    }
  });
}

// ---------------------------------------------------------------- the browser stand-in

/** Cookies by name, with their path; enough for one host (cookies ignore ports). */
class Browser {
  readonly jar = new Map<string, { value: string; path: string }>();

  cookieHeader(url: URL): string {
    return [...this.jar.entries()]
      .filter(
        ([, c]) =>
          url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  store(response: Response, url: URL): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = new Map(
        attributes.map((a) => {
          const i = a.indexOf('=');
          return i === -1 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
        }),
      );
      const expired =
        attr.get('max-age') === '0' ||
        (attr.has('expires') && Date.parse(attr.get('expires') ?? '') < Date.now());
      if (expired || value === '') this.jar.delete(name);
      else
        this.jar.set(name, { value, path: attr.get('path') ?? url.pathname.replace(/\/[^/]*$/, '') ?? '/' });
    }
  }

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.store(response, target);
    return response;
  }

  /** Follows redirects until a response that is not one, or until `stop` says so. */
  async follow(
    url: string | URL,
    stop: (next: URL) => boolean = () => false,
  ): Promise<{ response: Response; url: URL }> {
    let current = new URL(url);
    for (let i = 0; i < 20; i++) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null)
        return { response, url: current };
      const next = new URL(location, current);
      if (stop(next)) return { response, url: current };
      current = next;
    }
    throw new Error('too many redirects');
  }
}

function assertGovukPage(html: string): void {
  assert.match(html, /<html lang="en" class="govuk-template">/);
  assert.match(html, /href="\/assets\/govuk-frontend\.min\.css"/);
  assert.match(html, /<script type="module" src="\/assets\/app\.js"><\/script>/);
  // No inline script anywhere: every <script> has a src.
  for (const tag of html.match(/<script\b[^>]*>/g) ?? [])
    assert.match(tag, /\ssrc="/, `inline script: ${tag}`);
  assert.doesNotMatch(html, /\bat .*\.ts:\d+/, 'no stack trace');
  assert.match(html, /not a real government service/);
}

// ---------------------------------------------------------------- the tests

describe('demo relying parties against oidc-provider', () => {
  const seen = new Map<string, Seen>();
  const hub = { issuer: '', server: createServer() };
  let demo: FastifyInstance;
  let demoServer: Server;
  let demoUrl: string;
  let registrations: DemoClientRegistration[];

  before(async () => {
    // The demo's server listens first so its public URL (and so its redirect URIs) is known
    // before the provider registers the clients; the demos fetch discovery lazily.
    demoServer = createServer();
    demoUrl = await listen(demoServer);
    hub.issuer = await listen(hub.server);

    const services = await createDemoServices({
      hubIssuer: hub.issuer,
      publicUrl: demoUrl,
      cookieKey: COOKIE_KEY,
    });
    registrations = services.registrations;
    demo = Fastify({
      serverFactory: (handler) => {
        demoServer.on('request', handler);
        return demoServer;
      },
    });
    await demo.register(services.plugin);
    await demo.ready();

    // As in the hub: the demos are created first, their registrations go into the provider.
    await serveProvider(hub.server, hub.issuer, services.registrations, seen);
  });

  after(async () => {
    demoServer.closeAllConnections();
    hub.server.closeAllConnections();
    await demo.close();
    // Fastify closes only a server it started listening itself.
    await new Promise<void>((resolve) => demoServer.close(() => resolve()));
    await new Promise<void>((resolve) => hub.server.close(() => resolve()));
  });

  test('registrations carry the FAPI 2.0 and govbridge metadata', () => {
    const uk = registrations.find((r) => r.client_id === 'demo-uk-service');
    const sg = registrations.find((r) => r.client_id === 'demo-sg-service');
    assert.ok(uk && sg);
    assert.deepEqual(uk.redirect_uris, [`${demoUrl}/demo/uk/callback`]);
    assert.deepEqual(uk.post_logout_redirect_uris, [`${demoUrl}/demo/uk/signed-out`]);
    assert.equal(uk.token_endpoint_auth_method, 'private_key_jwt');
    assert.equal(uk.token_endpoint_auth_signing_alg, 'ES256');
    assert.equal(uk.id_token_signed_response_alg, 'ES256');
    assert.equal(uk.dpop_bound_access_tokens, true);
    assert.equal(uk.require_pushed_authorization_requests, true);
    assert.deepEqual(uk.response_types, ['code']);
    assert.equal(uk.govbridge_country, 'GB');
    assert.equal(sg.govbridge_country, 'SG');
    assert.equal(uk.govbridge_min_acr, 'urn:govbridge:loa:substantial');
    assert.equal(uk.govbridge_security_profile, 'fapi2');
    assert.equal(uk.govbridge_environment, 'uk-public-cloud');
    assert.equal(sg.govbridge_environment, 'sg-gcc');
    const abroad = registrations.find((r) => r.client_id === 'demo-overseas-service');
    assert.ok(abroad);
    assert.deepEqual(abroad.redirect_uris, [`${demoUrl}/demo/abroad/callback`]);
    assert.equal(abroad.govbridge_country, 'GB');
    assert.equal(abroad.govbridge_environment, 'overseas-commercial');
    const [key] = uk.jwks.keys;
    assert.ok(key);
    assert.equal(key.kty, 'EC');
    assert.equal(key.crv, 'P-256');
    assert.equal(key.d, undefined, 'only the public key is published');
    assert.notEqual(key.kid, sg.jwks.keys[0]?.kid, 'each demo has its own key');
  });

  test('another hub process with the same secret registers the same keys', async () => {
    const again = await createDemoServices({
      hubIssuer: hub.issuer,
      publicUrl: demoUrl,
      cookieKey: COOKIE_KEY,
    });
    assert.deepEqual(again.registrations, registrations);
  });

  test('discovery is fetched on first sign-in, through the given fetch, and a failure is not cached', async () => {
    const calls: string[] = [];
    let failNext = true;
    const flakyFetch: typeof fetch = async (input, init) => {
      calls.push(String(input));
      if (failNext) {
        failNext = false;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const services = await createDemoServices({
      hubIssuer: hub.issuer,
      publicUrl: demoUrl,
      cookieKey: COOKIE_KEY,
      fetch: flakyFetch,
    });
    const app = Fastify();
    await app.register(services.plugin);
    assert.equal(calls.length, 0, 'nothing is fetched at start');
    const first = await app.inject({ method: 'GET', url: '/demo/uk/sign-in' });
    assert.equal(first.statusCode, 503);
    const second = await app.inject({ method: 'GET', url: '/demo/uk/sign-in' });
    assert.equal(second.statusCode, 303);
    assert.ok(second.headers.location?.startsWith(`${hub.issuer}/`));
    assert.deepEqual(
      calls.map((u) => new URL(u).pathname),
      ['/.well-known/openid-configuration', '/.well-known/openid-configuration', '/request'],
    );
    await app.close();
  });

  test('the start pages say what the service is, that it is a demo, and link to sign-in', async () => {
    for (const slug of ['uk', 'sg', 'abroad']) {
      const response = await fetch(`${demoUrl}/demo/${slug}/`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const html = await response.text();
      assertGovukPage(html);
      assert.match(html, /Start now/);
      assert.match(html, new RegExp(`href="/demo/${slug}/sign-in"`));
      // Only the demo hosted abroad says where it keeps details, and that the hub will withhold them.
      assert.equal(/Where this service keeps your details/.test(html), slug === 'abroad');
    }
    const abroad = await (await fetch(`${demoUrl}/demo/abroad/`)).text();
    assert.match(abroad, /outside both the UK and Singapore/);
    assert.match(abroad, /withhold your personal details/);
  });

  for (const [slug, clientId, idpHint, scheme] of [
    ['uk', 'demo-uk-service', 'singpass', 'Singpass'],
    ['sg', 'demo-sg-service', 'onelogin', 'GOV.UK One Login'],
  ] as const) {
    test(`${slug}: sign-in through PAR, callback, result, sign-out`, async () => {
      const browser = new Browser();
      const start = await browser.request(`${demoUrl}/demo/${slug}/sign-in?login_hint=alice`);
      assert.equal(start.status, 303);
      const authorize = new URL(start.headers.get('location') ?? '');
      assert.equal(authorize.origin, hub.issuer);
      // PAR: only client_id and request_uri travel through the browser.
      assert.deepEqual([...authorize.searchParams.keys()].sort(), ['client_id', 'request_uri']);
      assert.equal(authorize.searchParams.get('client_id'), clientId);

      const session = start.headers.getSetCookie().find((c) => c.startsWith(`govbridge-${clientId}=`));
      assert.ok(session);
      assert.match(session, /HttpOnly/i);
      assert.match(session, /SameSite=Lax/i);
      assert.match(session, new RegExp(`Path=/demo/${slug}`));

      const { response: landed, url } = await browser.follow(authorize, (next) =>
        next.pathname.endsWith('/result'),
      );
      assert.equal(url.pathname, `/demo/${slug}/callback`);
      assert.equal(landed.status, 303);
      assert.equal(seen.get(clientId)?.idpHint, idpHint);
      assert.equal(seen.get(clientId)?.acrValues, 'urn:govbridge:loa:substantial');
      assert.equal(seen.get(clientId)?.loginHint, 'alice');
      assert.match(seen.get(clientId)?.scope ?? '', /\bopenid\b/);
      const signedIn = browser.jar.get(`govbridge-${clientId}`);
      assert.ok(signedIn);
      assert.ok(signedIn.value.length < 3500, `session cookie is ${signedIn.value.length} characters`);

      const result = await browser.request(`${demoUrl}/demo/${slug}/result`);
      assert.equal(result.status, 200);
      const html = await result.text();
      assertGovukPage(html);
      assert.match(html, /You have signed in/);
      assert.match(html, new RegExp(`with ${scheme} through govbridge`));
      assert.match(html, /Date of birth \(birthdate\)/);
      assert.match(html, /1988-10-06/);
      assert.match(html, /sg_singpass, assurance level substantial/);
      assert.match(html, /urn:govbridge:loa:substantial/);
      assert.match(html, /pwd, sms/);
      assert.match(html, /<form method="post" action="\/demo\/[a-z]+\/sign-out" novalidate>/);

      // Sign-out with a wrong CSRF token is refused and keeps the session.
      const refused = await browser.request(`${demoUrl}/demo/${slug}/sign-out`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=wrong',
      });
      assert.equal(refused.status, 403);
      assertGovukPage(await refused.text());

      const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
      assert.ok(csrf);
      const signOut = await browser.request(`${demoUrl}/demo/${slug}/sign-out`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf }).toString(),
      });
      assert.equal(signOut.status, 303);
      const endSession = new URL(signOut.headers.get('location') ?? '');
      assert.equal(`${endSession.origin}${endSession.pathname}`, `${hub.issuer}/session/end`);
      assert.ok(endSession.searchParams.get('id_token_hint'));
      assert.equal(
        endSession.searchParams.get('post_logout_redirect_uri'),
        `${demoUrl}/demo/${slug}/signed-out`,
      );
      assert.equal(browser.jar.has(`govbridge-${clientId}`), false, 'the demo session is cleared');

      // The hub asks for confirmation; confirming brings the browser back to the demo.
      const confirm = await browser.request(endSession);
      assert.equal(confirm.status, 200);
      const form = await confirm.text();
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1];
      const action = /action="([^"]+)"/.exec(form)?.[1];
      assert.ok(xsrf && action);
      const confirmed = await browser.request(new URL(action, hub.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      });
      assert.equal(confirmed.status, 303);
      assert.equal(confirmed.headers.get('location'), `${demoUrl}/demo/${slug}/signed-out`);
      const signedOut = await browser.request(`${demoUrl}/demo/${slug}/signed-out`);
      assert.equal(signedOut.status, 200);
      assert.match(await signedOut.text(), /You have signed out/);

      // After sign-out the result page sends the person back to the start.
      const again = await browser.request(`${demoUrl}/demo/${slug}/result`);
      assert.equal(again.status, 303);
      assert.equal(again.headers.get('location'), `/demo/${slug}/`);
    });
  }

  /** Starts a sign-in with `hint` and follows it to the demo's callback response. */
  async function signInUntilCallback(
    browser: Browser,
    hint: string,
  ): Promise<{ response: Response; url: URL }> {
    const start = await browser.request(`${demoUrl}/demo/uk/sign-in?login_hint=${hint}`);
    assert.equal(start.status, 303);
    return browser.follow(new URL(start.headers.get('location') ?? ''), (next) =>
      next.pathname.endsWith('/result'),
    );
  }

  test('error=access_denied from the hub: plain-words page, 400, try-again link', async () => {
    const browser = new Browser();
    const { response, url } = await signInUntilCallback(browser, 'deny');
    assert.equal(url.pathname, '/demo/uk/callback');
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(response.status, 400);
    const html = await response.text();
    assertGovukPage(html);
    assert.match(html, /You have not signed in/);
    assert.match(html, /You cancelled signing in with Singpass/);
    assert.match(html, /href="\/demo\/uk\/sign-in">Try again</);
    assert.doesNotMatch(html, /The person cancelled at the scheme/, 'the hub description is not echoed');
    assert.equal(browser.jar.has('govbridge-demo-uk-service'), false, 'the used state is cleared');
  });

  test('an error code the demo does not know: general problem page, 400', async () => {
    const { response, url } = await signInUntilCallback(new Browser(), 'weird');
    assert.equal(url.searchParams.get('error'), 'scheme_exploded');
    assert.equal(response.status, 400);
    const html = await response.text();
    assertGovukPage(html);
    assert.match(html, /Sorry, there was a problem signing you in/);
    assert.doesNotMatch(html, /scheme_exploded/);
  });

  test('an acr below the one asked for is refused', async () => {
    const { response } = await signInUntilCallback(new Browser(), 'low');
    assert.equal(response.status, 400);
    assert.match(await response.text(), /We could not confirm your identity well enough/);
  });

  test('a callback without state is refused with 400', async () => {
    const browser = new Browser();
    const start = await browser.request(`${demoUrl}/demo/uk/sign-in`);
    assert.equal(start.status, 303);
    const response = await browser.request(
      `${demoUrl}/demo/uk/callback?code=forged&iss=${encodeURIComponent(hub.issuer)}`,
    );
    assert.equal(response.status, 400);
    const html = await response.text();
    assertGovukPage(html);
    assert.match(html, /did not match the sign-in you started/);
  });

  test('a callback with a state from another sign-in is refused with 400', async () => {
    const browser = new Browser();
    await browser.request(`${demoUrl}/demo/uk/sign-in`);
    const response = await browser.request(
      `${demoUrl}/demo/uk/callback?code=forged&state=not-mine&iss=${encodeURIComponent(hub.issuer)}`,
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /did not match the sign-in you started/);
  });

  test('a tampered session cookie counts as no session: 400', async () => {
    const browser = new Browser();
    const start = await browser.request(`${demoUrl}/demo/uk/sign-in?login_hint=alice`);
    const cookie = browser.jar.get('govbridge-demo-uk-service');
    assert.ok(cookie);
    const last = cookie.value.at(-2) === 'A' ? 'B' : 'A';
    cookie.value = `${cookie.value.slice(0, -2)}${last}${cookie.value.at(-1)}`;
    const { response, url } = await browser.follow(new URL(start.headers.get('location') ?? ''), (next) =>
      next.pathname.endsWith('/result'),
    );
    assert.equal(url.pathname, '/demo/uk/callback');
    assert.equal(response.status, 400);
    const html = await response.text();
    assertGovukPage(html);
    assert.match(html, /Your session has ended/);
  });

  test('a callback with no session at all: 400', async () => {
    const response = await fetch(`${demoUrl}/demo/uk/callback?error=access_denied`, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /Your session has ended/);
  });

  test('a UK cookie is not accepted by the Singapore demo', async () => {
    const browser = new Browser();
    await browser.request(`${demoUrl}/demo/uk/sign-in`);
    const uk = browser.jar.get('govbridge-demo-uk-service');
    assert.ok(uk);
    const response = await fetch(`${demoUrl}/demo/sg/callback?code=x&state=y`, {
      headers: { cookie: `govbridge-demo-sg-service=${uk.value}` },
      redirect: 'manual',
    });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /Your session has ended/);
  });

  test('sign-out without a session goes to the signed-out page', async () => {
    const response = await fetch(`${demoUrl}/demo/sg/sign-out`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=x',
      redirect: 'manual',
    });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/demo/sg/signed-out');
  });
});

describe('demo relying parties when the hub is down', () => {
  test('sign-in shows "not available" with 503, never 500', async () => {
    const closed = createServer();
    const issuer = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const services = await createDemoServices({
      hubIssuer: issuer,
      publicUrl: 'http://127.0.0.1:9',
      cookieKey: COOKIE_KEY,
    });
    const app = Fastify();
    await app.register(services.plugin);
    const response = await app.inject({ method: 'GET', url: '/demo/sg/sign-in' });
    assert.equal(response.statusCode, 503);
    assertGovukPage(response.body);
    assert.match(response.body, /We could not reach the govbridge hub/);
    assert.equal(response.headers['set-cookie'], undefined);
    await app.close();
  });
});

describe('createDemoServices options', () => {
  test('the plugin can be registered without a prefix or at /demo, and nowhere else', async () => {
    const services = await createDemoServices({
      hubIssuer: 'http://127.0.0.1:9',
      publicUrl: 'http://127.0.0.1:9',
      cookieKey: COOKIE_KEY,
    });
    for (const prefix of [undefined, '/demo']) {
      const app = Fastify();
      if (prefix === undefined) await app.register(services.plugin);
      else await app.register(services.plugin, { prefix });
      for (const url of ['/demo/uk/', '/demo/sg/', '/demo/uk']) {
        const response = await app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 200, `${prefix ?? '(none)'} ${url}`);
      }
      await app.close();
    }
    const wrong = Fastify();
    await assert.rejects(async () => {
      await wrong.register(services.plugin, { prefix: '/elsewhere' });
      await wrong.ready();
    }, /without a prefix or at \/demo/);
    await wrong.close().catch(() => undefined);
  });

  test('refuses a plain-HTTP issuer that is not on the loopback interface', async () => {
    await assert.rejects(
      createDemoServices({
        hubIssuer: 'http://hub.example',
        publicUrl: 'http://127.0.0.1:3000',
        cookieKey: COOKIE_KEY,
      }),
      /https:\/\/, or http:\/\/ on 127\.0\.0\.1 or localhost only/,
    );
  });

  test('refuses a short cookie key', async () => {
    await assert.rejects(
      createDemoServices({
        hubIssuer: 'https://hub.example',
        publicUrl: 'https://hub.example',
        cookieKey: 'short',
      }),
      /cookieKey must be at least 32 characters/,
    );
  });

  test('builds redirect URIs under a public URL with a path', async () => {
    const services = await createDemoServices({
      hubIssuer: 'https://hub.example',
      publicUrl: 'https://hub.example/gb/',
      cookieKey: COOKIE_KEY,
    });
    const uk = services.registrations.find((r) => r.govbridge_country === 'GB');
    assert.deepEqual(uk?.redirect_uris, ['https://hub.example/gb/demo/uk/callback']);
    assert.deepEqual(uk?.post_logout_redirect_uris, ['https://hub.example/gb/demo/uk/signed-out']);
  });
});
