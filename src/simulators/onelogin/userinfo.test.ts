import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import {
  CORE_IDENTITY,
  type Harness,
  IDENTITY_CLAIMS,
  type LoginParams,
  login,
  PREFIX,
  redeem,
  startSimulator,
} from './simulator-harness.ts';

const VOCAB = 'https://vocab.account.gov.uk/v1/';

describe('One Login simulator: /userinfo and the core identity', () => {
  let h: Harness;
  let identityKey: CryptoKey;
  let did: { id: string; assertionMethod: { id: string }[] };
  before(async () => {
    h = await startSimulator();
    did = (await h.app.inject({ url: `${PREFIX}/identity/.well-known/did.json` })).json();
    const key = await importJWK(
      (did as unknown as { assertionMethod: { publicKeyJwk: object }[] }).assertionMethod[0]!.publicKeyJwk,
      'ES256',
    );
    identityKey = key as CryptoKey;
  });
  after(() => h.close());

  async function userinfo(p: LoginParams): Promise<{ info: Record<string, unknown>; sub: string }> {
    const code = (await login(h, p)).get('code')!;
    const tokens = (await redeem(h, code)).json();
    const res = await h.app.inject({
      url: `${PREFIX}/userinfo`,
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(res.statusCode, 200);
    return { info: res.json(), sub: decodeJwt(tokens.id_token).sub as string };
  }
  const p2 = (hint: string): LoginParams => ({
    loginHint: hint,
    vtr: '["Cl.Cm.P2"]',
    claims: IDENTITY_CLAIMS,
  });

  it('refuses a missing or unknown bearer token with 401 and WWW-Authenticate', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }]) {
      const res = await h.app.inject({ url: `${PREFIX}/userinfo`, headers });
      assert.equal(res.statusCode, 401);
      assert.match(String(res.headers['www-authenticate']), /^Bearer error="invalid_token"/);
    }
  });

  it('returns sub, email and phone for their scopes, and no identity on a Cl.Cm login even if asked', async () => {
    const { info, sub } = await userinfo({ loginHint: 'rhys-pritchard', claims: IDENTITY_CLAIMS });
    assert.equal(info.sub, sub);
    assert.equal(info.email, 'rhys.pritchard@govbridge.example');
    assert.equal(info.email_verified, true);
    assert.equal(info.phone_number, '+447700900102');
    assert.equal(info.phone_number_verified, true);
    for (const claim of IDENTITY_CLAIMS) assert.equal(info[claim], undefined, claim);
  });

  it('returns only sub for scope openid', async () => {
    const { info } = await userinfo({ loginHint: 'rhys-pritchard', scope: 'openid' });
    assert.deepEqual(Object.keys(info), ['sub']);
  });

  it('returns a core identity JWT signed by the DID key with the documented claims', async () => {
    const { info, sub } = await userinfo(p2('tan-wei-ling'));
    const jwt = info[CORE_IDENTITY] as string;
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.kid, did.assertionMethod[0]?.id);
    assert.equal(header.kid?.split('#')[0], did.id);
    const { payload } = await jwtVerify(jwt, identityKey, {
      algorithms: ['ES256'],
      issuer: `${h.baseUrl}/identity/`,
      audience: h.client.clientId,
      subject: sub,
    });
    assert.equal(payload.vot, 'P2');
    assert.equal(payload.vtm, `${h.baseUrl}/trustmark`);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 1800);
    assert.equal(payload.nbf, payload.iat);
    const vc = payload.vc as {
      type: string[];
      credentialSubject: { name: unknown[]; birthDate: { value: string }[] };
    };
    assert.deepEqual(vc.type, ['VerifiableCredential', 'VerifiableIdentityCredential']);
    assert.deepEqual(vc.credentialSubject.birthDate, [{ value: '1990-08-19' }]);
    assert.deepEqual(vc.credentialSubject.name, [
      {
        nameParts: [
          { value: 'Wei Ling', type: 'GivenName' },
          { value: 'Tan', type: 'FamilyName' },
        ],
      },
    ]);
    assert.equal((info[`${VOCAB}passport`] as { icaoIssuerCode: string }[])[0]?.icaoIssuerCode, 'SGP');
    assert.equal((info[`${VOCAB}address`] as { postalCode: string }[])[0]?.postalCode, 'N1 9ZX');
    assert.equal(info[`${VOCAB}drivingPermit`], undefined, 'she has none');
    assert.equal(info[`${VOCAB}returnCode`], undefined);
  });

  it('releases only the identity claims asked for', async () => {
    const { info } = await userinfo({
      loginHint: 'callum-mackenzie',
      vtr: '["Cl.Cm.P2"]',
      claims: [CORE_IDENTITY],
    });
    assert.ok(info[CORE_IDENTITY]);
    assert.equal(info[`${VOCAB}address`], undefined);
    assert.equal(info[`${VOCAB}passport`], undefined);
  });

  it('carries a name history with validFrom / validUntil', async () => {
    const { info } = await userinfo(p2('sarah-adeyemi'));
    const vc = decodeJwt(info[CORE_IDENTITY] as string).vc as {
      credentialSubject: { name: { validFrom?: string; validUntil?: string }[] };
    };
    const names = vc.credentialSubject.name;
    assert.equal(names.length, 2);
    assert.equal(names[0]?.validFrom, '2015-06-20');
    assert.equal(names[1]?.validUntil, '2015-06-20');
  });

  it('has an overseas current address for the British national in Singapore', async () => {
    const { info } = await userinfo(p2('oliver-bennett'));
    const address = info[`${VOCAB}address`] as { addressCountry: string; validUntil?: string }[];
    assert.equal(address[0]?.addressCountry, 'SG');
    assert.equal(address[1]?.addressCountry, 'GB');
    assert.ok(address[1]?.validUntil);
  });

  it('reports P1 for a P1 login', async () => {
    const { info } = await userinfo({
      loginHint: 'joseph-lowe',
      vtr: '["Cl.Cm.P2","Cl.Cm.P1"]',
      claims: IDENTITY_CLAIMS,
    });
    assert.equal(decodeJwt(info[CORE_IDENTITY] as string).vot, 'P1');
  });

  it('returns return codes and no identity when identity failed and returnCode was asked for', async () => {
    for (const hint of ['daniel-frost', 'eleanor-whitfield:lower_assurance']) {
      const { info } = await userinfo(p2(hint));
      assert.deepEqual(info[`${VOCAB}returnCode`], [{ code: 'X' }], hint);
      assert.equal(info[CORE_IDENTITY], undefined, hint);
      assert.equal(info[`${VOCAB}address`], undefined, hint);
    }
  });

  describe('core identity scenarios', () => {
    const coreIdentityFor = async (scenario: string) => {
      const { info, sub } = await userinfo(p2(`eleanor-whitfield:${scenario}`));
      return { jwt: info[CORE_IDENTITY] as string, sub };
    };

    it('core_identity_bad_signature: the signature does not verify', async () => {
      const { jwt } = await coreIdentityFor('core_identity_bad_signature');
      await assert.rejects(jwtVerify(jwt, identityKey), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    });

    it('core_identity_incorrect_sub: sub is not the ID token sub', async () => {
      const { jwt, sub } = await coreIdentityFor('core_identity_incorrect_sub');
      assert.notEqual(decodeJwt(jwt).sub, sub);
      await jwtVerify(jwt, identityKey);
    });

    it('core_identity_expired: exp has passed', async () => {
      const { jwt } = await coreIdentityFor('core_identity_expired');
      await assert.rejects(jwtVerify(jwt, identityKey), { code: 'ERR_JWT_EXPIRED' });
    });
  });
});
