import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startSingpassSimulatorServer } from '../../src/simulators/singpass/index.ts';
import { createLogger } from '../../src/web/index.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * The whole hub against a Singpass upstream that behaves like a Login app on MockPass's FAPI mode:
 * every login answers `loa:1` (`amr: ["pwd"]`), the ID token is sealed with A256GCM while discovery
 * lists A256CBC-HS512, `iat` has a fraction, the token response has no `expires_in`, the callback
 * has no `iss` (discovery does not announce it), there is no userinfo endpoint (the name comes only
 * in `sub_attributes`), and `scopes_supported` lists only openid, uinfin, user.identity and name.
 *
 * The trust framework alone judges the level: a relying party that needs `low` signs in and gets the
 * name; one that needs `substantial` is refused with unmet_authentication_requirements.
 */
const LOW = 'urn:govbridge:loa:low';
const SUBSTANTIAL = 'urn:govbridge:loa:substantial';

describe(`Singpass as it really behaves, through the hub (${testDialect()})`, () => {
  let hub: TestHub;
  let sim: Awaited<ReturnType<typeof startSingpassSimulatorServer>>;
  const lines: Record<string, unknown>[] = [];

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
      defaultScenario: 'mockpass_fapi',
      userinfoEndpoint: false,
      issParameter: false,
      scopesSupported: ['openid', 'uinfin', 'user.identity', 'name'],
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    hub = await startTestHub(
      {
        PORT: String(port),
        GOVBRIDGE_SINGPASS_PROFILE: 'fapi',
        GOVBRIDGE_SINGPASS_ISSUER: `${sim.baseUrl}/fapi`,
        GOVBRIDGE_SINGPASS_CLIENT_ID: 'govbridge-hub',
      },
      { logger: createLogger({ logLevel: 'info' }, sink) },
    );
  });

  after(async () => {
    await hub?.close();
    await sim?.close();
  });

  test('a relying party that needs low signs in through a loa:1 upstream and gets the name from sub_attributes', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name', 'email'], minAcr: LOW });
    const r = await rp.login({
      params: {
        scope: 'openid profile email',
        idp_hint: 'singpass',
        login_hint: 'sg-citizen-mid:mockpass_fapi',
        acr_values: LOW,
      },
    });
    assert.equal(r.claims['acr'], LOW);
    assert.equal(typeof r.claims['auth_time'], 'number');
    assert.ok(Number.isInteger(r.claims['auth_time']), 'auth_time in whole seconds');
    const ui = await rp.userinfo(r.accessToken);
    assert.equal(ui.status, 200, ui.text);
    assert.equal(ui.body['name'], 'TEO KAI MING DANIEL');
    // email is not in the upstream's scopes_supported: not asked (the PAR would be refused), not released.
    assert.equal(ui.body['email'], undefined);
    // The name has no Myinfo provenance: it is released, but not as a verified claim.
    assert.equal(ui.body['verified_claims'], undefined);
  });

  test('a relying party that needs substantial is refused with unmet_authentication_requirements', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name'], minAcr: LOW });
    lines.length = 0;
    const a = await rp.authorize({
      params: {
        scope: 'openid profile',
        idp_hint: 'singpass',
        login_hint: 'sg-citizen-mid:mockpass_fapi',
        acr_values: SUBSTANTIAL,
      },
    });
    assert.equal(a.response.error, 'unmet_authentication_requirements', a.response.url);
    assert.match(a.response.errorDescription ?? '', /urn:govbridge:loa:substantial/);
    assert.equal(a.response.code, undefined);
    // …and the operator sees one warn line naming the check that failed.
    const refused = lines.filter((l) => l['event'] === 'login_refused');
    assert.equal(refused.length, 1, JSON.stringify(lines.filter((l) => l['level'] === 40)));
    assert.equal(refused[0]!['level'], 40);
    assert.equal(refused[0]!['errorCode'], 'unmet_authentication_requirements');
    assert.equal(refused[0]!['check'], 'assurance_authentication', 'loa:1 is low authentication');
    assert.equal(refused[0]!['scheme'], 'singpass');
    assert.equal(refused[0]!['clientId'], rp.clientId);
  });
});
