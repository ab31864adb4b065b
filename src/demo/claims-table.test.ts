import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { claimLabel, claimRows, describeVerification, displayValue, withheldRows } from './claims-table.ts';

describe('claim rows', () => {
  test('marks claims covered by verified_claims with who verified them', () => {
    const rows = claimRows({
      sub: 'abc',
      birthdate: '1988-10-06',
      email: 'a@example.test',
      verified_claims: {
        verification: { trust_framework: 'sg_singpass', assurance_level: 'substantial' },
        claims: { birthdate: '1988-10-06', given_name: 'XIAO HUI' },
      },
    });
    assert.deepEqual(rows, [
      { claim: 'given_name', value: 'XIAO HUI', verifiedBy: 'sg_singpass, assurance level substantial' },
      { claim: 'birthdate', value: '1988-10-06', verifiedBy: 'sg_singpass, assurance level substantial' },
      { claim: 'email', value: 'a@example.test' },
      { claim: 'sub', value: 'abc' },
    ]);
  });

  test('accepts an array of verified_claims, and keeps a differing plain value apart', () => {
    const rows = claimRows({
      family_name: 'SMITH',
      verified_claims: [
        {
          verification: { trust_framework: 'uk_tfida', verifier: { organization: 'GOV.UK One Login' } },
          claims: { family_name: 'SMYTH' },
        },
        { verification: { trust_framework: 'sg_singpass' }, claims: { nationalities: ['SG'] } },
        { verification: 'broken' },
      ],
    });
    assert.deepEqual(rows, [
      { claim: 'family_name', value: 'SMYTH', verifiedBy: 'GOV.UK One Login (uk_tfida)' },
      { claim: 'family_name', value: 'SMITH' },
      { claim: 'nationalities', value: 'SG', verifiedBy: 'sg_singpass' },
    ]);
  });

  test('leaves out protocol claims and empty values', () => {
    const rows = claimRows({
      iss: 'x',
      aud: 'y',
      exp: 1,
      iat: 1,
      _claim_names: {},
      name: '',
      phone_number: null,
    });
    assert.deepEqual(rows, []);
  });

  test('turns values into text', () => {
    assert.equal(displayValue(true), 'Yes');
    assert.equal(displayValue(false), 'No');
    assert.equal(displayValue(['GB', 'SG']), 'GB, SG');
    assert.equal(displayValue({ formatted: '1 Street\nTown' }), '1 Street, Town');
    assert.equal(
      displayValue({ country: 'SG', street_address: '123 LORONG 1 TOA PAYOH', postal_code: '310123' }),
      '123 LORONG 1 TOA PAYOH, 310123, SG',
    );
    assert.equal(displayValue(null), undefined);
    assert.equal(displayValue('x'.repeat(1000))?.length, 300);
  });

  test('describes a verification from whatever it states', () => {
    assert.equal(describeVerification(undefined), 'Verified (no details given)');
    assert.equal(describeVerification({}), 'Verified (no details given)');
    assert.equal(describeVerification({ verifier: { organization: 'Singpass' } }), 'Singpass');
    assert.equal(describeVerification({ assurance_level: 'high' }), 'assurance level high');
  });

  test('labels known claims in plain words', () => {
    assert.equal(claimLabel('birthdate'), 'Date of birth');
    assert.equal(claimLabel('custom_claim'), 'custom_claim');
  });
});

describe('withheld rows (govbridge_withheld)', () => {
  test('lists each withheld claim with its policy, in the claim order, and keeps it out of the claim rows', () => {
    const received = {
      sub: 'abc',
      govbridge_withheld: [
        { claim: 'email', policy: 'above-environment-uk-ceiling' },
        { claim: 'name', policy: 'above-environment-uk-ceiling' },
        { claim: 'name', policy: 'duplicate' },
        { claim: 'birthdate' },
        { policy: 'no-claim' },
        'not an object',
      ],
    };
    assert.deepEqual(withheldRows(received), [
      { claim: 'name', policy: 'above-environment-uk-ceiling' },
      { claim: 'birthdate', policy: 'Not stated' },
      { claim: 'email', policy: 'above-environment-uk-ceiling' },
    ]);
    assert.deepEqual(claimRows(received), [{ claim: 'sub', value: 'abc' }]);
  });

  test('nothing withheld, or not a list: no rows', () => {
    assert.deepEqual(withheldRows({ sub: 'abc' }), []);
    assert.deepEqual(withheldRows({ govbridge_withheld: { claim: 'name', policy: 'x' } }), []);
  });
});
