import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTrustFramework, type SchemeId, translateRequest } from './index.ts';
import { TRUST_FRAMEWORK_FILE } from './test-fixtures.ts';

const tf = loadTrustFramework(TRUST_FRAMEWORK_FILE);
const L = (name: string) => `urn:govbridge:loa:${name}`;
const SP = (n: number) => `urn:singpass:authentication:loa:${n}`;
const CORE = 'https://vocab.account.gov.uk/v1/coreIdentityJWT';
const ADDRESS = 'https://vocab.account.gov.uk/v1/address';
const RETURN_CODE = 'https://vocab.account.gov.uk/v1/returnCode';
const PASSPORT = 'https://vocab.account.gov.uk/v1/passport';

describe('translateRequest: every hub level × scheme', () => {
  // The lowest scheme request that reaches the level; `null` = the scheme cannot reach it.
  const table: [string, SchemeId, string | null][] = [
    [L('authenticated'), 'singpass', SP(2)], // loa:1 is not requestable (password only, staging)
    [L('low'), 'singpass', SP(2)],
    [L('substantial'), 'singpass', SP(2)], // loa:3 reaches no higher tier, so never forced on the person
    [L('high'), 'singpass', null],
    [L('authenticated'), 'onelogin', 'Cl'],
    [L('low'), 'onelogin', 'Cl.Cm.P1'],
    [L('substantial'), 'onelogin', 'Cl.Cm.P2'],
    [L('high'), 'onelogin', null],
  ];
  for (const [acr, scheme, expected] of table) {
    it(`${acr} via ${scheme} → ${expected ?? 'unmet_authentication_requirements'}`, () => {
      if (expected === null) {
        assert.throws(
          () => translateRequest(tf, scheme, acr, []),
          (err: Error & { code?: string; status?: number }) => {
            assert.equal(err.code, 'unmet_authentication_requirements');
            assert.equal(err.status, 400);
            assert.match(
              err.message,
              new RegExp(`cannot reach "${acr}" \\(identity high, authentication high\\)`),
            );
            assert.match(
              err.message,
              /its strongest request, ".+", gives identity substantial and authentication substantial, which reaches "urn:govbridge:loa:substantial"/,
            );
            assert.match(err.message, new RegExp(`trust framework ${tf.version.replaceAll('.', '\\.')}`));
            return true;
          },
        );
        return;
      }
      const request = translateRequest(tf, scheme, acr, []);
      if (request.scheme === 'singpass') assert.deepEqual(request.acrValues, [expected]);
      else assert.deepEqual(request.vtr, [expected]);
      assert.deepEqual(
        request.scopes,
        request.scheme === 'singpass' ? ['openid', 'user.identity'] : ['openid'],
      );
    });
  }
});

describe('translateRequest: attributes become scopes and userinfo claims', () => {
  it('Singpass: openid plus the Myinfo scope of each attribute, once each', () => {
    const r = translateRequest(tf, 'singpass', L('substantial'), [
      'name',
      'birthdate',
      'nationalities',
      'address',
      'email',
      'email_verified',
      'phone_number',
      'gender',
      'urn:govbridge:claims:sg_residential_status',
    ]);
    assert.equal(r.scheme, 'singpass');
    assert.deepEqual(r.scopes, [
      'openid',
      'user.identity',
      'name',
      'dob',
      'nationality',
      'regadd',
      'email',
      'mobileno',
      'sex',
      'residentialstatus',
    ]);
  });

  it('Singpass: attributes it cannot supply are not asked for (given_name: Singpass has no name parts)', () => {
    const r = translateRequest(tf, 'singpass', L('low'), ['given_name', 'family_name']);
    assert.deepEqual(r.scopes, ['openid', 'user.identity']);
  });

  it('One Login with an identity vector: coreIdentityJWT, address and passport claims, email and phone scopes', () => {
    const r = translateRequest(tf, 'onelogin', L('substantial'), [
      'given_name',
      'family_name',
      'birthdate',
      'address',
      'nationalities',
      'email',
      'phone_number_verified',
    ]);
    assert.equal(r.scheme, 'onelogin');
    if (r.scheme !== 'onelogin') return;
    assert.deepEqual(r.vtr, ['Cl.Cm.P2']);
    assert.deepEqual(r.scopes, ['openid', 'email', 'phone']);
    assert.deepEqual(r.userinfoClaims, [CORE, RETURN_CODE, ADDRESS, PASSPORT]);
  });

  it('One Login with an identity vector and no attributes still asks for the identity result', () => {
    const r = translateRequest(tf, 'onelogin', L('substantial'), []);
    if (r.scheme !== 'onelogin') return assert.fail('expected onelogin');
    assert.deepEqual(r.vtr, ['Cl.Cm.P2']);
    assert.deepEqual(r.userinfoClaims, [CORE, RETURN_CODE]);
  });

  it('One Login without an identity vector: identity claims are not asked for (One Login sends them only with P1/P2)', () => {
    const r = translateRequest(tf, 'onelogin', L('authenticated'), ['name', 'address', 'email']);
    if (r.scheme !== 'onelogin') return assert.fail('expected onelogin');
    assert.deepEqual(r.vtr, ['Cl']);
    assert.deepEqual(r.scopes, ['openid', 'email']);
    assert.deepEqual(r.userinfoClaims, []);
  });

  it('One Login cannot supply the Singapore residential status: not asked, not an error', () => {
    const r = translateRequest(tf, 'onelogin', L('low'), ['urn:govbridge:claims:sg_residential_status']);
    if (r.scheme !== 'onelogin') return assert.fail('expected onelogin');
    assert.deepEqual(r.vtr, ['Cl.Cm.P1']);
    assert.deepEqual(r.userinfoClaims, [CORE, RETURN_CODE]);
  });

  it('requests are frozen', () => {
    assert.ok(Object.isFrozen(translateRequest(tf, 'singpass', L('low'), [])));
  });
});

describe('translateRequest: bad input', () => {
  it('an acr the hub does not offer', () => {
    assert.throws(() => translateRequest(tf, 'singpass', SP(2), []), {
      code: 'invalid_request',
      message:
        /Unknown acr value "urn:singpass:authentication:loa:2": this hub offers urn:govbridge:loa:authenticated, /,
    });
  });

  it('an attribute outside the catalogue', () => {
    assert.throws(() => translateRequest(tf, 'onelogin', L('low'), ['name', 'shoe_size']), {
      code: 'invalid_request',
      message: /Unknown attribute "shoe_size"/,
    });
  });
});
