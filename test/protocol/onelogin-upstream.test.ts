import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { settings } from '../../src/config/schema.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * GOV.UK One Login through the whole hub:
 * - a coreIdentityJWT that is authentic but whose `vot` is below the level asked for reaches the
 *   relying party as `error=unmet_authentication_requirements` (not `access_denied`);
 * - the form of `claims` in the request object: the documented JSON object by default; the public
 *   simulator's strictness (scenario `claims_string_only`) needs GOVBRIDGE_ONELOGIN_REQUEST_OBJECT_CLAIMS=string.
 */
const SUBSTANTIAL = 'urn:govbridge:loa:substantial';

describe(`One Login upstream answers through the hub (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  before(async () => {
    hub = await startTestHub();
    rp = await TestRp.register(hub, { minAcr: SUBSTANTIAL });
  });
  after(async () => {
    await hub?.close();
  });

  const identityLogin = (loginHint: string) =>
    rp.authorize({
      params: {
        scope: 'openid profile',
        idp_hint: 'onelogin',
        login_hint: loginHint,
        acr_values: SUBSTANTIAL,
      },
    });

  test('a coreIdentityJWT vot below the requested P2 → error=unmet_authentication_requirements', async () => {
    const { response: r, browser } = await identityLogin('eleanor-whitfield:core_identity_lower_vot');
    assert.equal(r.code, undefined);
    assert.equal(r.error, 'unmet_authentication_requirements', `${r.url}\n${browser.visited.join('\n')}`);
    assert.ok(
      r.errorDescription?.includes(SUBSTANTIAL),
      `description names the level: ${r.errorDescription}`,
    );
    assert.ok(r.url.startsWith(rp.redirectUri), 'the relying party receives the error');
  });

  test('an ID token vot (credential trust) below the requested Cl.Cm → error=unmet_authentication_requirements', async () => {
    const { response: r, browser } = await identityLogin('eleanor-whitfield:incorrect_vot');
    assert.equal(r.code, undefined);
    assert.equal(r.error, 'unmet_authentication_requirements', `${r.url}\n${browser.visited.join('\n')}`);
    assert.ok(r.url.startsWith(rp.redirectUri), 'the relying party receives the error');
  });

  test('the same persona without the scenario signs in (the refusal is the vot, nothing else)', async () => {
    const { response: r } = await identityLogin('eleanor-whitfield');
    assert.ok(r.code, `${r.error} ${r.errorDescription}`);
  });

  test('by default the documented object form is sent: the public simulator’s strictness refuses it', async () => {
    const { response: r } = await identityLogin('eleanor-whitfield:claims_string_only');
    assert.equal(r.code, undefined);
    assert.equal(r.status, 500);
    assert.match(r.url, /\/simulators\/onelogin\/authorize\?/);
  });

  test('the connector guide names real settings and the hub URLs a simulator needs', async () => {
    const guide = readFileSync(new URL('../../docs/connectors/onelogin.md', import.meta.url), 'utf8');
    const known = new Set(Object.values(settings).map((s) => s.env));
    for (const [variable] of guide.matchAll(/\bGOVBRIDGE_[A-Z_]+\b/g)) {
      assert.ok(known.has(variable), `${variable} in docs/connectors/onelogin.md is not a setting`);
    }
    const section = guide.split('## Connect to the GOV.UK One Login simulator')[1] ?? '';
    for (const needed of [
      'SIMULATOR_URL',
      'REDIRECT_URLS',
      'JWKS_URL',
      'GOVBRIDGE_ONELOGIN_DID_URL=',
      '/.well-known/did.json',
      'GOVBRIDGE_ONELOGIN_REQUEST_OBJECT_CLAIMS=string',
      'Known differences',
    ]) {
      assert.ok(section.includes(needed), `the simulator section states ${needed}`);
    }
    assert.match(guide, /<GOVBRIDGE_PUBLIC_URL>\/callback\/onelogin/);
    assert.match(guide, /<GOVBRIDGE_PUBLIC_URL>\/connectors\/onelogin\/jwks/);
    const jwks = (await (await fetch(`${hub.url}/connectors/onelogin/jwks`)).json()) as {
      keys: { kty: string; kid?: string; d?: string }[];
    };
    assert.ok(jwks.keys.some((k) => k.kty === 'RSA' && k.kid && k.d === undefined));
  });
});

describe(`One Login with GOVBRIDGE_ONELOGIN_REQUEST_OBJECT_CLAIMS=string (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  before(async () => {
    hub = await startTestHub({
      GOVBRIDGE_ONELOGIN_REQUEST_OBJECT_CLAIMS: 'string',
      GOVBRIDGE_ONELOGIN_SIMULATOR_SCENARIO: 'claims_string_only',
    });
    rp = await TestRp.register(hub, { minAcr: SUBSTANTIAL });
  });
  after(async () => {
    await hub?.close();
  });

  test('an identity login completes against the public simulator’s strictness', async () => {
    const r = await rp.login({
      params: {
        scope: 'openid profile',
        idp_hint: 'onelogin',
        login_hint: 'eleanor-whitfield',
        acr_values: SUBSTANTIAL,
      },
    });
    assert.equal(r.claims['acr'], SUBSTANTIAL);
  });
});
