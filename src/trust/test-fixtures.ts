import { fileURLToPath } from 'node:url';
import type { OneLoginAssertion, SingpassAssertion } from './assertions.ts';

/**
 * Test data shared by the trust tests (imported only by `*.test.ts`). Personas follow the MockPass
 * Myinfo v3 data and the One Login simulator's documented default persona; all fictional.
 */
export const TRUST_FRAMEWORK_FILE = fileURLToPath(
  new URL('../../trust/trust-framework.yaml', import.meta.url),
);

const myinfo = (extra: Record<string, unknown>) => ({
  source: '1',
  classification: 'C',
  lastupdated: '2020-04-16',
  ...extra,
});

export function singpassAssertion(overrides: Partial<SingpassAssertion> = {}): SingpassAssertion {
  return {
    scheme: 'singpass',
    profile: 'fapi',
    subject: '3f1c1c7e-3c2b-4e55-9c55-1f2a3b4c5d6e',
    acr: 'urn:singpass:authentication:loa:2',
    amr: ['pwd', 'sms'],
    accountType: 'standard',
    person: {
      name: myinfo({ value: 'TAN XIAO HUI' }),
      sex: myinfo({ code: 'F', desc: 'FEMALE' }),
      dob: myinfo({ value: '1988-10-06' }),
      nationality: myinfo({ code: 'SG', desc: 'SINGAPORE CITIZEN' }),
      residentialstatus: myinfo({ code: 'C', desc: 'CITIZEN' }),
      regadd: myinfo({
        type: 'SG',
        country: { code: 'SG', desc: 'SINGAPORE' },
        block: { value: '123' },
        building: { value: 'TOA PAYOH VIEW' },
        floor: { value: '12' },
        unit: { value: '22' },
        street: { value: 'LORONG 1 TOA PAYOH' },
        postal: { value: '310123' },
      }),
      mobileno: myinfo({
        source: '2',
        prefix: { value: '+' },
        areacode: { value: '65' },
        nbr: { value: '97399245' },
      }),
      email: myinfo({ source: '2', value: 'myinfotesting@example.com' }),
    },
    ...overrides,
  };
}

export function oneLoginAssertion(overrides: Partial<OneLoginAssertion> = {}): OneLoginAssertion {
  return {
    scheme: 'onelogin',
    subject: 'urn:fdc:gov.uk:2022:56P4CMsGh_02YOlWpd8PAOI-2sVlB2nsNU7mcLZYhYw=',
    vot: 'Cl.Cm',
    vtm: 'https://oidc.integration.account.gov.uk/trustmark',
    email: 'geoffrey.hearnshaw@example.com',
    emailVerified: true,
    phoneNumber: '+447700900000',
    phoneNumberVerified: true,
    coreIdentity: {
      vot: 'P2',
      vtm: 'https://oidc.integration.account.gov.uk/trustmark',
      name: [
        {
          validUntil: '1999-12-31',
          nameParts: [
            { type: 'GivenName', value: 'GEOFFREY' },
            { type: 'FamilyName', value: 'SMITH' },
          ],
        },
        {
          validFrom: '2000-01-01',
          nameParts: [
            { type: 'GivenName', value: 'GEOFFREY' },
            { type: 'GivenName', value: 'JOHN' },
            { type: 'FamilyName', value: 'HEARNSHAW' },
          ],
        },
      ],
      birthDate: [{ value: '1955-04-19' }],
    },
    address: [
      {
        uprn: '10022812929',
        buildingNumber: '8',
        streetName: 'HADLEY ROAD',
        addressLocality: 'BATH',
        postalCode: 'BA2 5AA',
        addressCountry: 'GB',
        validUntil: '2019-01-01',
      },
      {
        subBuildingName: 'FLAT 5',
        buildingName: 'WEST LEA',
        buildingNumber: '16',
        dependentStreetName: 'KINGS PARK',
        streetName: 'HIGH STREET',
        dependentAddressLocality: 'LONG EATON',
        addressLocality: 'NOTTINGHAM',
        postalCode: 'NG10 1LL',
        addressCountry: 'GB',
        validFrom: '2019-01-01',
      },
    ],
    passport: [{ documentNumber: '321654987', icaoIssuerCode: 'GBR', expiryDate: '2030-01-01' }],
    ...overrides,
  };
}
