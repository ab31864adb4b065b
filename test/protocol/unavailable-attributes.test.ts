import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSingpassSimulatorServer } from '../../src/simulators/singpass/index.ts';
import { pageText } from '../support/http.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * A relying party's attribute that needs a scope the upstream does not list in its discovery
 * `scopes_supported` is not asked for upstream (the PAR would be refused) and the citizen is told on
 * the consent page that the scheme cannot provide it; the release names only what was shared.
 */
describe(`attributes the upstream cannot provide (${testDialect()})`, () => {
  let hub: TestHub;
  let sim: Awaited<ReturnType<typeof startSingpassSimulatorServer>>;

  before(async () => {
    const port = await freePort();
    const hubUrl = `http://127.0.0.1:${port}`;
    sim = await startSingpassSimulatorServer({
      clients: [
        {
          clientId: 'govbridge-hub',
          jwksUri: `${hubUrl}/connectors/singpass/jwks`,
          redirectUris: [`${hubUrl}/callback/singpass`],
        },
      ],
      userinfoEndpoint: false,
      scopesSupported: ['openid', 'user.identity', 'name'],
    });
    hub = await startTestHub({
      PORT: String(port),
      LOG_LEVEL: 'silent',
      GOVBRIDGE_SINGPASS_PROFILE: 'fapi',
      GOVBRIDGE_SINGPASS_ISSUER: `${sim.baseUrl}/fapi`,
      GOVBRIDGE_SINGPASS_CLIENT_ID: 'govbridge-hub',
    });
  });
  after(async () => {
    await hub?.close();
    await sim?.close();
  });

  test('the consent page lists what Singpass cannot provide; only the name is shared and recorded', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name', 'email', 'phone_number'] });
    const params = {
      scope: 'openid profile email phone',
      idp_hint: 'singpass',
      login_hint: 'sg-citizen-mid',
    };
    const stopped = await rp.authorize({ params, decision: 'stop' });
    const text = pageText(stopped.response.html);
    assert.match(stopped.response.url, /\/consent$/, stopped.browser.visited.join('\n'));
    assert.match(text, /Details Singpass cannot provide/);
    const section = stopped.response.html.slice(stopped.response.html.indexOf('id="unavailable"'));
    assert.match(section, /Email/);
    assert.match(section, /(Phone|Mobile)/i);

    const r = await rp.login({ params });
    const ui = await rp.userinfo(r.accessToken);
    assert.equal(ui.body['name'], 'TEO KAI MING DANIEL');
    assert.equal(ui.body['email'], undefined);
    const row = await hub.ctx.storage.db
      .selectFrom('releases')
      .select('attributes')
      .where('client_id', '=', rp.clientId)
      .orderBy('released_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.attributes), ['name']);
  });
});
