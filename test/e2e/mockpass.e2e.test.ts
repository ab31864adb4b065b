import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * A complete relying-party login with MockPass (npm `@opengovsg/mockpass` 4.3.4, its Singpass v2
 * flow) as the Singpass upstream instead of the built-in simulator: the hub runs its Singpass
 * connector in the legacy profile against a third-party implementation. (MockPass 4.3.4 has no FAPI
 * mode; src/connectors/singpass/singpass-mockpass-fapi.test.ts runs against one when available, and
 * test/protocol/singpass-real-world.test.ts plays its FAPI behaviour with the built-in simulator.)
 *
 * MockPass sends no `acr`, so the trust framework reads the login at the lowest Singpass level
 * (loa:1: identity substantial for an NRIC holder, authentication low): it reaches
 * `urn:govbridge:loa:low` and is refused at `substantial`.
 */
describe(`end-to-end login with MockPass as Singpass (${testDialect()})`, () => {
  let hub: TestHub;
  let mockpass: Server;
  const saved = { ...console };

  before(async () => {
    const port = await freePort();
    process.env['SP_RP_JWKS_ENDPOINT'] = `http://127.0.0.1:${port}/connectors/singpass/jwks`;
    process.env['SHOW_LOGIN_PAGE'] = 'false';
    process.env['MOCKPASS_NRIC'] = 'S8979373D';
    // MockPass logs every request and token it makes; keep the test output readable.
    console.log = () => {};
    console.warn = () => {};
    console.debug = () => {};
    const require = createRequire(import.meta.url);
    const { app } = require('@opengovsg/mockpass/app') as {
      app: { listen(port: number, host: string, cb: () => void): Server };
    };
    mockpass = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const issuer = `http://127.0.0.1:${(mockpass.address() as AddressInfo).port}/singpass/v2`;
    hub = await startTestHub({
      PORT: String(port),
      GOVBRIDGE_SINGPASS_PROFILE: 'legacy',
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

  test('a relying party signs in with MockPass through the hub and gets a verified ID token', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name'], minAcr: 'urn:govbridge:loa:low' });
    const r = await rp.login({
      params: { scope: 'openid', idp_hint: 'singpass', acr_values: 'urn:govbridge:loa:low' },
    });
    assert.equal(r.claims['acr'], 'urn:govbridge:loa:low');
    assert.equal(r.claims['iss'], hub.url);
    assert.equal(typeof r.claims['sub'], 'string');
    assert.notEqual(r.claims['sub'], 'S8979373D', 'the NRIC never becomes the subject');
    const account = await hub.ctx.storage.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    assert.equal(account.scheme, 'singpass');
    assert.match(account.upstream_subject, /^[0-9a-f-]{36}$/i, 'the hub keeps the u= UUID, not the NRIC');
  });

  // MockPass 4.3.4's v2 authorize answers 400 invalid_scope to anything but `openid`; its discovery
  // says so (`scopes_supported: ["openid"]`), so the hub asks for openid alone and the login completes.
  test('a relying party asking for its name still signs in; MockPass cannot supply it, so none is released', async () => {
    const rp = await TestRp.register(hub, {
      attributes: ['name', 'birthdate'],
      minAcr: 'urn:govbridge:loa:low',
    });
    const r = await rp.login({
      params: { scope: 'openid profile', idp_hint: 'singpass', acr_values: 'urn:govbridge:loa:low' },
    });
    assert.equal(r.claims['acr'], 'urn:govbridge:loa:low');
    const ui = await rp.userinfo(r.accessToken);
    assert.equal(ui.status, 200, ui.text);
    assert.equal(ui.body['name'], undefined);
    assert.equal(ui.body['birthdate'], undefined);
  });

  test('the same MockPass login is refused at substantial: no acr proves no second factor', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name'], minAcr: 'urn:govbridge:loa:low' });
    const a = await rp.authorize({
      params: { scope: 'openid', idp_hint: 'singpass', acr_values: 'urn:govbridge:loa:substantial' },
    });
    assert.equal(a.response.error, 'unmet_authentication_requirements');
    assert.match(a.response.errorDescription ?? '', /urn:govbridge:loa:substantial/);
  });
});
