/**
 * The example relying party of docs/connect-your-service.md (examples/relying-party/relying-party.ts)
 * against a real hub with its simulators: registered both ways the guide describes (the operator
 * path, and Dynamic Client Registration followed by an operator's approval), then a citizen signs in
 * through it — PAR, PKCE, DPoP, private_key_jwt, all done by openid-client — and the example's own
 * web server shows what the hub released.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  connect,
  exampleServer,
  newClientKey,
  registerDynamically,
  registrationMetadata,
  type ServiceDetails,
} from '../../examples/relying-party/relying-party.ts';
import { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

const SUBSTANTIAL = 'urn:govbridge:loa:substantial';

async function startExample(
  hub: TestHub,
  clientId: string,
  privateJwk: Parameters<typeof connect>[0]['privateJwk'],
  port: number,
  request: { scope: string; idpHint: string },
) {
  const base = `http://127.0.0.1:${port}`;
  const rp = await connect({
    issuer: new URL(hub.url),
    clientId,
    privateJwk,
    redirectUri: `${base}/callback`,
  });
  const server = exampleServer({
    rp,
    base,
    request: { ...request, acrValues: SUBSTANTIAL },
    minimumAcr: SUBSTANTIAL,
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { base, server };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Browser: the example's /sign-in → hub → simulator (headless persona) → consent → example's callback. */
async function signIn(base: string, loginHint: string, decision: 'agree' | 'decline' = 'agree') {
  const browser = new TestBrowser();
  const first = await browser.follow(`${base}/sign-in?login_hint=${encodeURIComponent(loginHint)}`);
  let res = first.res;
  let url = first.url;
  if (new URL(url).pathname.endsWith('/consent')) {
    const html = await res.text();
    ({ res, url } = await browser.submit(url, html, '/consent', { decision }));
  }
  assert.ok(url.startsWith(`${base}/callback`), `ended at ${url} (${browser.visited.join(' | ')})`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe(`the example relying party of docs/connect-your-service.md (${testDialect()})`, () => {
  const initialAccessToken = randomBytes(32).toString('base64url');
  let hub: TestHub;
  const servers: { close(): void }[] = [];

  before(async () => {
    hub = await startTestHub({ GOVBRIDGE_INITIAL_ACCESS_TOKEN: initialAccessToken });
  });
  after(async () => {
    for (const s of servers) s.close();
    await hub?.close();
  });

  function details(port: number, publicJwk: ServiceDetails['publicJwk']): ServiceDetails {
    const base = `http://127.0.0.1:${port}`;
    return {
      clientId: `example-rp-${port}`,
      clientName: 'Example service',
      redirectUri: `${base}/callback`,
      postLogoutRedirectUri: `${base}/signed-out`,
      publicJwk,
      country: 'GB',
      agency: 'Example Agency',
      purpose: 'To show how a service connects to the hub',
      attributes: ['name', 'given_name', 'family_name', 'birthdate', 'email'],
      minAcr: SUBSTANTIAL,
      environment: 'uk-public-cloud',
    };
  }

  test('registered by an operator (the registration file), a One Login persona signs in', async () => {
    const port = await freePort();
    const key = await newClientKey();
    const metadata = registrationMetadata(details(port, key.publicJwk));
    // What `npm run cli -- clients register --file registration.json` does.
    const info = await hub.ctx.clients.register(metadata);
    assert.equal(info.status, 'approved');

    const { base, server } = await startExample(hub, info.clientId, key.privateJwk, port, {
      scope: 'openid profile email',
      idpHint: 'onelogin',
    });
    servers.push(server);

    const { status, body } = await signIn(base, 'eleanor-whitfield');
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body['acr'], SUBSTANTIAL);
    const userinfo = body['userinfo'] as Record<string, unknown>;
    assert.equal(userinfo['given_name'], 'Eleanor Mary');
    assert.equal(userinfo['family_name'], 'Whitfield');
    assert.equal(userinfo['birthdate'], '1947-03-14');
    assert.equal(userinfo['email'], 'eleanor.whitfield@govbridge.example');
    assert.ok(userinfo['verified_claims'], 'identity claims come with verified_claims');
    assert.deepEqual(body['withheld'], []);

    // A persona below the level: the hub ends the sign-in with the error the guide describes.
    const low = await signIn(base, 'joseph-lowe');
    assert.equal(low.status, 400);
    assert.equal(low.body['error'], 'unmet_authentication_requirements');

    // The citizen declines on the consent page.
    const declined = await signIn(base, 'rhys-pritchard', 'decline');
    assert.equal(declined.body['error'], 'access_denied');
  });

  test('registered dynamically, refused until an operator approves, then a Singpass persona signs in', async () => {
    const port = await freePort();
    const key = await newClientKey();
    const metadata = registrationMetadata({
      ...details(port, key.publicJwk),
      country: 'SG',
      environment: 'sg-gcc',
      attributes: ['name', 'birthdate', 'email'],
    });
    const clientId = await registerDynamically(new URL(hub.url), initialAccessToken, metadata);
    assert.equal((await hub.ctx.clients.get(clientId))?.status, 'pending');

    // Pending: the hub does not know it yet (PAR answers invalid_client).
    const { base, server } = await startExample(hub, clientId, key.privateJwk, port, {
      scope: 'openid profile',
      idpHint: 'singpass',
    });
    servers.push(server);
    const rp = await connect({
      issuer: new URL(hub.url),
      clientId,
      privateJwk: key.privateJwk,
      redirectUri: `${base}/callback`,
    });
    await assert.rejects(
      rp.startSignIn({ scope: 'openid profile', acrValues: SUBSTANTIAL, idpHint: 'singpass' }),
      (err: unknown) => (err as { error?: string }).error === 'invalid_client',
    );

    // What `npm run cli -- clients approve -- <client_id>` does.
    assert.equal(await hub.ctx.clients.approve(clientId), true);
    const { status, body } = await signIn(base, 'sg-citizen-mid');
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body['acr'], SUBSTANTIAL);
    const userinfo = body['userinfo'] as Record<string, unknown>;
    assert.equal(typeof userinfo['name'], 'string');
    assert.match(String(userinfo['birthdate']), /^\d{4}-\d{2}-\d{2}$/);
  });
});
