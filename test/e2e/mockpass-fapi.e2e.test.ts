import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestBrowser } from '../support/http.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * A complete relying-party login through the hub with MockPass's FAPI 2.0 mode (`/singpass/v3/fapi`,
 * MockPass >= 4.6) as the Singpass upstream, the hub's connector in the FAPI profile. MockPass answers
 * loa:1 to every login and puts the name only in `sub_attributes` (no userinfo endpoint): a relying
 * party that needs `low` signs in and gets that name; one that needs `substantial` is refused.
 *
 * The registry's MockPass 4.3.4 has no FAPI routes: the suite then skips, saying so. Set
 * GOVBRIDGE_MOCKPASS_DIR to a MockPass >= 4.6 checkout (dependencies installed) to run it.
 */
const require = createRequire(import.meta.url);
const MOCKPASS_DIR =
  process.env['GOVBRIDGE_MOCKPASS_DIR'] ?? dirname(require.resolve('@opengovsg/mockpass/package.json'));
const MOCKPASS_VERSION = (
  JSON.parse(readFileSync(join(MOCKPASS_DIR, 'package.json'), 'utf8')) as { version: string }
).version;
const HAS_FAPI = existsSync(join(MOCKPASS_DIR, 'lib/express/fapi'));
const LOW = 'urn:govbridge:loa:low';
const SUBSTANTIAL = 'urn:govbridge:loa:substantial';
const NRIC = 'S8979373D';

describe(`end-to-end login with MockPass ${MOCKPASS_VERSION} FAPI as Singpass (${testDialect()})`, {
  skip: HAS_FAPI
    ? false
    : `MockPass ${MOCKPASS_VERSION} has no FAPI routes (added in 4.6); set GOVBRIDGE_MOCKPASS_DIR to a MockPass >= 4.6 checkout`,
}, () => {
  let hub: TestHub;
  let mockpass: Server;
  let issuer: string;
  const saved = { ...console };

  before(async () => {
    const port = await freePort();
    // Read by MockPass when its FAPI module loads.
    process.env['FAPI_CLIENT_JWKS_ENDPOINT'] = `http://127.0.0.1:${port}/connectors/singpass/jwks`;
    console.log = () => {};
    console.warn = () => {};
    console.debug = () => {};
    const { app } = createRequire(join(MOCKPASS_DIR, 'app.js'))(join(MOCKPASS_DIR, 'app.js')) as {
      app: { listen(port: number, host: string, cb: () => void): Server };
    };
    mockpass = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    issuer = `http://127.0.0.1:${(mockpass.address() as AddressInfo).port}/singpass/v3/fapi`;
    hub = await startTestHub({
      PORT: String(port),
      GOVBRIDGE_SINGPASS_PROFILE: 'fapi',
      GOVBRIDGE_SINGPASS_ISSUER: issuer,
      GOVBRIDGE_SINGPASS_CLIENT_ID: 'govbridge-hub',
    });
  });

  after(async () => {
    await hub?.close();
    mockpass?.closeAllConnections();
    await new Promise<void>((resolve) => (mockpass ? mockpass.close(() => resolve()) : resolve()));
    Object.assign(console, saved);
  });

  /** From MockPass's login page, pick a person (its custom-profile link) and continue to the client. */
  async function pickPerson(rp: TestRp, browser: TestBrowser, loginPage: string) {
    const requestUri = new URL(loginPage).searchParams.get('request_uri')!;
    const pick = new URL(`${issuer}/auth/custom-profile`);
    pick.search = new URLSearchParams({ nric: NRIC, uuid: randomUUID(), request_uri: requestUri }).toString();
    const step = await browser.follow(pick.toString(), {}, (u) => u.toString().startsWith(rp.redirectUri));
    if (step.url.startsWith(rp.redirectUri)) return new URL(step.url).searchParams;
    assert.match(step.url, /\/consent$/, `expected the consent page, got ${step.url}`);
    const agreed = await rp.submit(browser, step.url, await step.res.text(), '/consent', {
      decision: 'agree',
    });
    return agreed.params;
  }

  test('a relying party that needs low signs in at loa:1 and gets the name from sub_attributes', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name'], minAcr: LOW });
    const a = await rp.authorize({
      params: { scope: 'openid profile', idp_hint: 'singpass', acr_values: LOW },
      decision: 'stop',
    });
    assert.ok(a.response.url.startsWith(`${issuer}/auth?`), a.response.url);
    assert.match(a.response.html, /data-asserturl=/, 'MockPass shows its login page');
    const params = await pickPerson(rp, a.browser, a.response.url);
    const code = params.get('code');
    assert.ok(code, params.toString());
    const tok = await rp.token(code, a.pkce.verifier);
    assert.equal(tok.status, 200, tok.text);
    const claims = await rp.verifyIdToken(String(tok.body['id_token']), a.params['nonce']);
    assert.equal(claims['acr'], LOW);
    const ui = await rp.userinfo(String(tok.body['access_token']));
    assert.equal(ui.status, 200, ui.text);
    assert.equal(ui.body['name'], `USER ${NRIC}`, 'MockPass FAPI names everyone "USER <NRIC>"');
    assert.equal(ui.body['verified_claims'], undefined);
  });

  test('a relying party that needs substantial is refused with unmet_authentication_requirements', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name'], minAcr: LOW });
    const a = await rp.authorize({
      params: { scope: 'openid profile', idp_hint: 'singpass', acr_values: SUBSTANTIAL },
      decision: 'stop',
    });
    const params = await pickPerson(rp, a.browser, a.response.url);
    assert.equal(params.get('error'), 'unmet_authentication_requirements', params.toString());
    assert.match(params.get('error_description') ?? '', /urn:govbridge:loa:substantial/);
  });
});
