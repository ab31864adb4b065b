import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attributeCatalogue, loadTrustFramework, mapClaims } from './index.ts';
import { oneLoginAssertion, singpassAssertion, TRUST_FRAMEWORK_FILE } from './test-fixtures.ts';

const tf = loadTrustFramework(TRUST_FRAMEWORK_FILE);
const ALL = Object.keys(tf.claims);

describe('mapClaims: Singpass / Myinfo', () => {
  it('maps a resident with an SG address; government-verified attributes go into verified_claims', () => {
    const m = mapClaims(tf, singpassAssertion(), ALL);
    assert.deepEqual(m.claims, {
      name: 'TAN XIAO HUI',
      birthdate: '1988-10-06',
      gender: 'female',
      nationalities: ['SG'],
      address: {
        formatted: '123 LORONG 1 TOA PAYOH\n#12-22 TOA PAYOH VIEW\nSINGAPORE 310123',
        street_address: '123 LORONG 1 TOA PAYOH\n#12-22 TOA PAYOH VIEW',
        postal_code: '310123',
        country: 'SG',
      },
      email: 'myinfotesting@example.com',
      email_verified: false,
      phone_number: '+6597399245',
      phone_number_verified: false,
      'urn:govbridge:claims:sg_residential_status': 'citizen',
    });
    assert.deepEqual(Object.keys(m.verified_claims?.claims ?? {}).sort(), [
      'address',
      'birthdate',
      'gender',
      'name',
      'nationalities',
      'urn:govbridge:claims:sg_residential_status',
    ]);
    assert.deepEqual(m.verified_claims?.verification, {
      trust_framework: 'sg_singpass',
      assurance_level: 'substantial',
      verification_process: 'myinfo-government-verified-records',
      'urn:govbridge:trust_framework_version': tf.version,
    });
    assert.deepEqual(m.sources['address'], {
      scheme: 'singpass',
      source: 'person.regadd',
      transform: 'myinfo-regadd-to-address',
      verified: true,
    });
    assert.deepEqual(m.sources['email'], {
      scheme: 'singpass',
      source: 'person.email.value',
      verified: false,
    });
    assert.equal(m.trustFrameworkVersion, tf.version);
    assert.ok(Object.isFrozen(m.claims) && Object.isFrozen(m.sources));
  });

  it('never splits the Singpass name into given and family names', () => {
    const m = mapClaims(tf, singpassAssertion(), ['given_name', 'family_name', 'name']);
    assert.deepEqual(m.claims, { name: 'TAN XIAO HUI' });
    assert.deepEqual(Object.keys(m.sources), ['name']);
  });

  it('an UNFORMATTED address is kept whole (MockPass writes the type as "Unformatted")', () => {
    for (const type of ['UNFORMATTED', 'Unformatted']) {
      const base = singpassAssertion();
      const m = mapClaims(
        tf,
        {
          ...base,
          person: {
            ...base.person,
            regadd: {
              type,
              source: '1',
              country: { code: 'MY', desc: 'MALAYSIA' },
              line1: { value: '75 KG SG RAMAL LUAR' },
              line2: { value: '43000 KAJANG' },
            },
          },
        },
        ['address'],
      );
      assert.deepEqual(m.claims['address'], {
        formatted: '75 KG SG RAMAL LUAR\n43000 KAJANG',
        street_address: '75 KG SG RAMAL LUAR\n43000 KAJANG',
        country: 'MY',
      });
    }
  });

  it('a foreign account: only what Myinfo supplies, unknown codes left out, identity not verified at substantial', () => {
    const m = mapClaims(
      tf,
      singpassAssertion({
        accountType: 'foreign',
        identityCoi: 'GB',
        person: {
          name: { value: 'JOHN SMITH', source: '1' },
          nationality: { code: 'GC', desc: 'BRITISH OVERSEAS TERRITORIES CITIZEN', source: '1' },
          residentialstatus: { code: '', desc: '', source: '3' },
          regadd: {
            type: 'UNFORMATTED',
            source: '2',
            line1: { value: '1 HIGH STREET' },
            line2: { value: 'LONDON' },
          },
          sex: { code: 'U', desc: 'UNKNOWN', source: '1' },
        },
      }),
      ALL,
    );
    // GC is Myinfo's own code: no guess at GB. Not-applicable residential status and unknown sex stay missing.
    assert.deepEqual(m.claims, {
      name: 'JOHN SMITH',
      address: { formatted: '1 HIGH STREET\nLONDON', street_address: '1 HIGH STREET\nLONDON' },
    });
    // The user-provided address (source 2) is released but not as verified.
    assert.deepEqual(Object.keys(m.verified_claims?.claims ?? {}), ['name']);
    assert.equal(m.verified_claims?.verification.assurance_level, 'low');
  });

  it('unavailable Myinfo attributes and empty values stay missing', () => {
    const m = mapClaims(
      tf,
      singpassAssertion({
        person: {
          name: { value: '', source: '1' },
          dob: { unavailable: true },
          email: { value: 'x@example.com', source: '3' },
          mobileno: { source: '2', prefix: { value: '+' }, areacode: { value: '65' }, nbr: { value: '' } },
        },
      }),
      ALL,
    );
    assert.deepEqual(m.claims, { phone_number_verified: false });
    assert.equal(m.verified_claims, undefined);
  });
});

describe('mapClaims: GOV.UK One Login', () => {
  it('the current name among historic names, its parts, birth date, current address, nationality from a GBR passport', () => {
    const m = mapClaims(tf, oneLoginAssertion(), ALL);
    assert.deepEqual(m.claims, {
      given_name: 'GEOFFREY JOHN',
      family_name: 'HEARNSHAW',
      name: 'GEOFFREY JOHN HEARNSHAW',
      birthdate: '1955-04-19',
      nationalities: ['GB'],
      address: {
        formatted: 'FLAT 5\nWEST LEA\n16 KINGS PARK\nHIGH STREET\nLONG EATON\nNOTTINGHAM\nNG10 1LL',
        street_address: 'FLAT 5\nWEST LEA\n16 KINGS PARK\nHIGH STREET\nLONG EATON',
        locality: 'NOTTINGHAM',
        postal_code: 'NG10 1LL',
        country: 'GB',
      },
      email: 'geoffrey.hearnshaw@example.com',
      email_verified: true,
      phone_number: '+447700900000',
      phone_number_verified: true,
    });
    assert.deepEqual(m.verified_claims?.verification, {
      trust_framework: 'uk_tfida',
      assurance_level: 'medium',
      verification_process: 'gov-uk-one-login-identity-check',
      'urn:govbridge:trust_framework_version': tf.version,
    });
    assert.deepEqual(Object.keys(m.verified_claims?.claims ?? {}).sort(), [
      'address',
      'birthdate',
      'family_name',
      'given_name',
      'name',
      'nationalities',
    ]);
    assert.deepEqual(m.sources['given_name'], {
      scheme: 'onelogin',
      source: 'coreIdentity.name',
      transform: 'onelogin-current-given-name',
      verified: true,
    });
  });

  it('only previous addresses and names (all with validUntil): missing, never the old one', () => {
    const base = oneLoginAssertion();
    const m = mapClaims(
      tf,
      {
        ...base,
        address: [base.address![0]!],
        coreIdentity: { ...base.coreIdentity!, name: [base.coreIdentity!.name[0]!] },
      },
      ['name', 'given_name', 'address', 'birthdate'],
    );
    assert.deepEqual(m.claims, { birthdate: '1955-04-19' });
  });

  it('several current addresses: the latest validFrom', () => {
    const base = oneLoginAssertion();
    const m = mapClaims(
      tf,
      {
        ...base,
        address: [
          { buildingNumber: '1', streetName: 'OLD ROAD', postalCode: 'AA1 1AA', validFrom: '2010-01-01' },
          { buildingNumber: '2', streetName: 'NEW ROAD', postalCode: 'BB2 2BB', validFrom: '2021-06-01' },
        ],
      },
      ['address'],
    );
    assert.equal((m.claims['address'] as { postal_code?: string }).postal_code, 'BB2 2BB');
  });

  it('a non-UK passport proves no nationality: left out', () => {
    const m = mapClaims(
      tf,
      oneLoginAssertion({
        passport: [{ documentNumber: '1', icaoIssuerCode: 'D', expiryDate: '2030-01-01' }],
      }),
      ['nationalities'],
    );
    assert.deepEqual(m.claims, {});
  });

  it('without a coreIdentity nothing identity-related appears and nothing is verified', () => {
    const m = mapClaims(
      tf,
      oneLoginAssertion({
        coreIdentity: undefined,
        address: undefined,
        passport: undefined,
        phoneNumber: undefined,
        phoneNumberVerified: undefined,
      }),
      ALL,
    );
    assert.deepEqual(m.claims, { email: 'geoffrey.hearnshaw@example.com', email_verified: true });
    assert.equal(m.verified_claims, undefined);
  });

  it('only requested claims are returned', () => {
    const m = mapClaims(tf, oneLoginAssertion(), ['birthdate']);
    assert.deepEqual(m.claims, { birthdate: '1955-04-19' });
    assert.deepEqual(Object.keys(m.sources), ['birthdate']);
  });

  it('an unknown attribute is invalid_request', () => {
    assert.throws(() => mapClaims(tf, oneLoginAssertion(), ['favourite_colour']), {
      code: 'invalid_request',
    });
  });
});

describe('attributeCatalogue', () => {
  it('lists each claim with its description, both classifications, rank and per-scheme sources', () => {
    const c = attributeCatalogue(tf);
    assert.deepEqual(Object.keys(c), ALL);
    assert.deepEqual(c['name']?.classification, {
      uk: { marking: 'OFFICIAL', descriptor: 'PERSONAL' },
      sg: { classification: 'RESTRICTED', sensitivity: 'SENSITIVE-NORMAL' },
      rank: 1,
    });
    assert.deepEqual(c['name']?.sources.singpass, {
      source: 'person.name.value',
      fallback: 'subAttributes.name',
      scopes: ['name'],
      userinfoClaims: [],
    });
    assert.equal(c['given_name']?.sources.singpass, undefined);
    assert.deepEqual(c['given_name']?.sources.onelogin?.userinfoClaims, [
      'https://vocab.account.gov.uk/v1/coreIdentityJWT',
    ]);
    assert.equal(c['urn:govbridge:claims:sg_residential_status']?.classification.rank, 2);
    assert.ok(Object.isFrozen(c));
  });
});
