import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isValidNricOrFin } from './check-nric.ts';
import { personas } from './personas.ts';
import { createTestClient } from './simulator-test-client.ts';
import { startSingpassSimulatorServer } from './start-simulator-server.ts';

describe('Singpass simulator: discovery and keys', () => {
  let sim: Awaited<ReturnType<typeof startSingpassSimulatorServer>>;
  before(async () => {
    const client = await createTestClient();
    sim = await startSingpassSimulatorServer({
      clients: [{ clientId: client.clientId, jwks: client.publicJwks, redirectUris: [client.redirectUri] }],
    });
  });
  after(() => sim.close());

  it('publishes the FAPI 2.0 metadata under /fapi', async () => {
    const doc = (await (
      await fetch(`${sim.baseUrl}/fapi/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    assert.equal(doc.issuer, `${sim.baseUrl}/fapi`);
    assert.equal(doc.pushed_authorization_request_endpoint, `${sim.baseUrl}/fapi/par`);
    assert.equal(doc.require_pushed_authorization_requests, true);
    assert.deepEqual(doc.dpop_signing_alg_values_supported, ['ES256']);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256']);
    assert.equal(doc.authorization_response_iss_parameter_supported, true);
    for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']) {
      assert.ok(String(doc[key]).startsWith(`${sim.baseUrl}/fapi/`), key);
    }
  });

  it('publishes the legacy metadata at the root, without PAR or DPoP', async () => {
    const doc = (await (await fetch(`${sim.baseUrl}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(doc.issuer, sim.baseUrl);
    assert.equal(doc.authorization_endpoint, `${sim.baseUrl}/auth`);
    assert.equal(doc.pushed_authorization_request_endpoint, undefined);
    assert.equal(doc.dpop_signing_alg_values_supported, undefined);
  });

  it('serves its ES256 public key, without private parts', async () => {
    for (const path of ['/fapi/.well-known/keys', '/.well-known/keys']) {
      const jwks = (await (await fetch(`${sim.baseUrl}${path}`)).json()) as {
        keys: Record<string, unknown>[];
      };
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0]?.alg, 'ES256');
      assert.equal(jwks.keys[0]?.crv, 'P-256');
      assert.equal(jwks.keys[0]?.d, undefined);
    }
  });
});

describe('Singpass simulator: personas', () => {
  it('has at least six personas with unique ids and UUIDs', () => {
    assert.ok(personas.length >= 6);
    assert.equal(new Set(personas.map((p) => p.id)).size, personas.length);
    assert.equal(new Set(personas.map((p) => p.uuid)).size, personas.length);
  });
  it('gives every standard account a checksum-valid NRIC/FIN', () => {
    for (const p of personas.filter((q) => q.accountType === 'standard')) {
      assert.ok(isValidNricOrFin(p.uinfin), p.id);
      assert.equal(p.myinfo.uinfin?.value, p.uinfin);
    }
  });
  it('rejects a wrong check letter', () => {
    assert.equal(isValidNricOrFin('S8979373D'), true);
    assert.equal(isValidNricOrFin('S8979373E'), false);
    assert.equal(isValidNricOrFin('X1234567A'), false);
  });
  it('covers the required kinds of people', () => {
    const status = (code: string) => personas.filter((p) => p.myinfo.residentialstatus?.code === code);
    assert.ok(status('C').length >= 3);
    assert.ok(status('P').length >= 1);
    assert.ok(personas.some((p) => p.myinfo.nationality?.code === 'GB' && p.uinfin.startsWith('G')));
    assert.ok(personas.some((p) => p.accountType === 'foreign'));
    assert.ok(personas.some((p) => p.myinfo.regadd?.type === 'UNFORMATTED'));
    assert.ok(personas.some((p) => p.maxLoa === 1));
  });
});
