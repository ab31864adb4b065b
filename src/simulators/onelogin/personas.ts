import type { Persona } from './types.ts';

/**
 * Fictional people for the simulator. Every name, date, address, document number and phone number
 * here is invented: phone numbers are in Ofcom's drama range (07700 900xxx), e-mail addresses use
 * reserved `.example` domains, UPRNs and document numbers are made up. Shapes follow "Prove your
 * user's identity" (docs.sign-in.service.gov.uk): `name[].nameParts`, `birthDate[]`, address
 * objects with PAF field names, `passport[]`, `drivingPermit[]`, `returnCode[]`.
 */
export const PERSONAS: readonly Persona[] = [
  {
    id: 'eleanor-whitfield',
    label: 'Eleanor Whitfield',
    summary: 'Born 1947, retired teacher in Truro, Cornwall. British passport. Can prove her identity (P2).',
    email: 'eleanor.whitfield@govbridge.example',
    phoneNumber: '+447700900101',
    maxConfidence: 'P2',
    name: [
      {
        nameParts: [
          { value: 'Eleanor', type: 'GivenName' },
          { value: 'Mary', type: 'GivenName' },
          { value: 'Whitfield', type: 'FamilyName' },
        ],
      },
    ],
    birthDate: [{ value: '1947-03-14' }],
    address: [
      {
        uprn: '900000000101',
        buildingNumber: '7',
        streetName: 'LAMORNA GARDENS',
        addressLocality: 'TRURO',
        postalCode: 'TR1 9ZX',
        addressCountry: 'GB',
        validFrom: '1989-06-01',
      },
    ],
    passport: [{ documentNumber: '900000101', icaoIssuerCode: 'GBR', expiryDate: '2031-05-20' }],
  },
  {
    id: 'rhys-pritchard',
    label: 'Rhys Pritchard',
    summary: 'Born 2001, postgraduate student in Cardiff. Driving licence. Can prove his identity (P2).',
    email: 'rhys.pritchard@govbridge.example',
    phoneNumber: '+447700900102',
    maxConfidence: 'P2',
    name: [
      {
        nameParts: [
          { value: 'Rhys', type: 'GivenName' },
          { value: 'Owain', type: 'GivenName' },
          { value: 'Pritchard', type: 'FamilyName' },
        ],
      },
    ],
    birthDate: [{ value: '2001-11-02' }],
    address: [
      {
        uprn: '900000000102',
        subBuildingName: 'FLAT 3',
        buildingName: 'TY GWYN',
        buildingNumber: '21',
        streetName: 'HEOL Y DDRAIG',
        dependentAddressLocality: 'CATHAYS',
        addressLocality: 'CARDIFF',
        postalCode: 'CF24 9ZX',
        addressCountry: 'GB',
        validFrom: '2023-09-01',
      },
      {
        uprn: '900000000112',
        buildingNumber: '4',
        streetName: 'MAES Y FELIN',
        addressLocality: 'CAERNARFON',
        postalCode: 'LL55 9ZX',
        addressCountry: 'GB',
        validUntil: '2023-09-01',
      },
    ],
    drivingPermit: [
      {
        expiryDate: '2032-11-01',
        issueNumber: '12',
        issuedBy: 'DVLA',
        personalNumber: 'PRITC011021RO9ZX',
      },
    ],
  },
  {
    id: 'callum-mackenzie',
    label: 'Callum MacKenzie',
    summary:
      'Born 1973, fisheries inspector in Inverness. Passport and driving licence. Can prove identity (P2).',
    email: 'callum.mackenzie@govbridge.example',
    phoneNumber: '+447700900103',
    maxConfidence: 'P2',
    name: [
      {
        nameParts: [
          { value: 'Callum', type: 'GivenName' },
          { value: 'MacKenzie', type: 'FamilyName' },
        ],
      },
    ],
    birthDate: [{ value: '1973-02-27' }],
    address: [
      {
        uprn: '900000000103',
        buildingNumber: '15',
        streetName: 'CULDUTHEL BRAE',
        addressLocality: 'INVERNESS',
        postalCode: 'IV2 9ZX',
        addressCountry: 'GB',
        validFrom: '2004-04-01',
      },
    ],
    passport: [{ documentNumber: '900000103', icaoIssuerCode: 'GBR', expiryDate: '2029-08-09' }],
    drivingPermit: [
      {
        expiryDate: '2028-02-26',
        issueNumber: '34',
        issuedBy: 'DVLA',
        personalNumber: 'MACKE702273C99ZX',
      },
    ],
  },
  {
    id: 'tan-wei-ling',
    label: 'Tan Wei Ling',
    summary:
      'Born 1990, Singapore citizen working in London. Singapore passport. Can prove her identity (P2).',
    email: 'weiling.tan@govbridge.example',
    phoneNumber: '+447700900104',
    maxConfidence: 'P2',
    name: [
      {
        nameParts: [
          { value: 'Wei Ling', type: 'GivenName' },
          { value: 'Tan', type: 'FamilyName' },
        ],
      },
    ],
    birthDate: [{ value: '1990-08-19' }],
    address: [
      {
        uprn: '900000000104',
        subBuildingName: 'FLAT 12',
        buildingName: 'CANAL VIEW HOUSE',
        streetName: 'WHARF ROAD',
        addressLocality: 'LONDON',
        postalCode: 'N1 9ZX',
        addressCountry: 'GB',
        validFrom: '2022-02-01',
      },
    ],
    passport: [{ documentNumber: 'K9000104Z', icaoIssuerCode: 'SGP', expiryDate: '2030-01-15' }],
  },
  {
    id: 'oliver-bennett',
    label: 'Oliver Bennett',
    summary:
      'Born 1979, British engineer working in Singapore since 2021. British passport. Can prove identity (P2).',
    email: 'oliver.bennett@govbridge.example',
    phoneNumber: '+447700900105',
    maxConfidence: 'P2',
    name: [
      {
        nameParts: [
          { value: 'Oliver', type: 'GivenName' },
          { value: 'James', type: 'GivenName' },
          { value: 'Bennett', type: 'FamilyName' },
        ],
      },
    ],
    birthDate: [{ value: '1979-05-03' }],
    address: [
      {
        buildingNumber: '88',
        streetName: 'TANJONG RHU ROAD',
        addressLocality: 'SINGAPORE',
        postalCode: '436900',
        addressCountry: 'SG',
        validFrom: '2021-03-01',
      },
      {
        uprn: '900000000105',
        buildingNumber: '32',
        streetName: 'ALDER GROVE',
        dependentAddressLocality: 'HEATON',
        addressLocality: 'NEWCASTLE UPON TYNE',
        postalCode: 'NE6 9ZX',
        addressCountry: 'GB',
        validUntil: '2021-03-01',
      },
    ],
    passport: [{ documentNumber: '900000105', icaoIssuerCode: 'GBR', expiryDate: '2033-10-30' }],
  },
  {
    id: 'sarah-adeyemi',
    label: 'Sarah Adeyemi (formerly Thompson)',
    summary:
      'Born 1986, nurse in Leeds; changed her family name on marriage in 2015. Can prove identity (P2).',
    email: 'sarah.adeyemi@govbridge.example',
    phoneNumber: '+447700900106',
    maxConfidence: 'P2',
    name: [
      {
        validFrom: '2015-06-20',
        nameParts: [
          { value: 'Sarah', type: 'GivenName' },
          { value: 'Louise', type: 'GivenName' },
          { value: 'Adeyemi', type: 'FamilyName' },
        ],
      },
      {
        validUntil: '2015-06-20',
        nameParts: [
          { value: 'Sarah', type: 'GivenName' },
          { value: 'Louise', type: 'GivenName' },
          { value: 'Thompson', type: 'FamilyName' },
        ],
      },
    ],
    birthDate: [{ value: '1986-01-30' }],
    address: [
      {
        uprn: '900000000106',
        buildingNumber: '59',
        streetName: 'ROUNDHAY MOUNT',
        dependentAddressLocality: 'OAKWOOD',
        addressLocality: 'LEEDS',
        postalCode: 'LS8 9ZX',
        addressCountry: 'GB',
        validFrom: '2016-04-01',
      },
    ],
    passport: [{ documentNumber: '900000106', icaoIssuerCode: 'GBR', expiryDate: '2027-07-12' }],
  },
  {
    id: 'joseph-lowe',
    label: 'Joseph Lowe',
    summary: 'Born 2007, apprentice in Stoke-on-Trent with no photo ID. Reaches low confidence only (P1).',
    email: 'joseph.lowe@govbridge.example',
    phoneNumber: '+447700900107',
    maxConfidence: 'P1',
    name: [
      {
        nameParts: [
          { value: 'Joseph', type: 'GivenName' },
          { value: 'Lowe', type: 'FamilyName' },
        ],
      },
    ],
    birthDate: [{ value: '2007-04-11' }],
    address: [
      {
        uprn: '900000000107',
        buildingNumber: '2',
        streetName: 'KILN LANE',
        dependentAddressLocality: 'BURSLEM',
        addressLocality: 'STOKE-ON-TRENT',
        postalCode: 'ST6 9ZX',
        addressCountry: 'GB',
        validFrom: '2007-04-11',
      },
    ],
  },
  {
    id: 'daniel-frost',
    label: 'Daniel Frost',
    summary:
      'Born 1995, lives in Norwich; his identity checks fail. Signs in (Cl.Cm) but cannot prove identity (P0).',
    email: 'daniel.frost@govbridge.example',
    phoneNumber: '+447700900108',
    maxConfidence: 'P0',
    name: [
      {
        nameParts: [
          { value: 'Daniel', type: 'GivenName' },
          { value: 'Frost', type: 'FamilyName' },
        ],
      },
    ],
    birthDate: [{ value: '1995-09-23' }],
    address: [
      {
        uprn: '900000000108',
        buildingNumber: '11',
        streetName: 'MAGDALEN CLOSE',
        addressLocality: 'NORWICH',
        postalCode: 'NR3 9ZX',
        addressCountry: 'GB',
        validFrom: '2019-10-01',
      },
    ],
    returnCodes: [{ code: 'X' }],
  },
];

export function findPersona(id: string): Persona | undefined {
  return PERSONAS.find((p) => p.id === id);
}
