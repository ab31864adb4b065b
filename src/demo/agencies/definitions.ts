import type { AgencyDefinition } from './types.ts';

/**
 * The demo agencies Tell Us Once notifies: five UK (the agencies the real Tell Us Once reaches after
 * a death) and four Singapore ones. All fictional — every name carries "(demo)".
 *
 * Each subscribes only to the attributes it needs for its own work (data minimisation: UK GDPR
 * Art. 5(1)(c); PDPA s 18 purpose limitation), so the hub encrypts to each agency only those.
 * Nobody subscribes to `moving-abroad.email` or `birth.place_of_birth`: none of these agencies needs
 * them to act on the event. Environments are ids from the hub's registry: UK agencies in
 * `uk-public-cloud` (OFFICIAL), HM Passport Office in `uk-accredited` (its records are held in an
 * accredited environment), Singapore agencies in `sg-gcc` (Government on Commercial Cloud).
 *
 * `website` is the public site of the real organisation the demo stands in for, not the demo's own
 * page: the hub's agency registry accepts only https websites, and a development hub's pages are
 * plain http on loopback.
 */
export const agencyDefinitions: readonly AgencyDefinition[] = [
  {
    agencyId: 'hmrc',
    name: 'HM Revenue and Customs (demo)',
    website: 'https://www.gov.uk/government/organisations/hm-revenue-customs',
    description: 'Tax, Child Benefit and tax credits: closes or changes the person’s tax affairs.',
    country: 'GB',
    environment: 'uk-public-cloud',
    subscriptions: [
      {
        eventType: 'death',
        attributes: [
          'deceased_name',
          'deceased_birthdate',
          'date_of_death',
          'deceased_address',
          'informant_name',
          'informant_relationship',
          'informant_email',
        ],
      },
      {
        eventType: 'moving-abroad',
        attributes: [
          'name',
          'birthdate',
          'date_of_move',
          'from_country',
          'to_country',
          'previous_address',
          'new_address',
        ],
      },
      {
        eventType: 'birth',
        attributes: ['child_name', 'child_birthdate', 'parent_name', 'parent_address'],
      },
    ],
  },
  {
    agencyId: 'dwp',
    name: 'Department for Work and Pensions (demo)',
    website: 'https://www.gov.uk/government/organisations/department-for-work-pensions',
    description: 'State Pension and benefits: stops or changes payments.',
    country: 'GB',
    environment: 'uk-public-cloud',
    subscriptions: [
      {
        eventType: 'death',
        attributes: [
          'deceased_name',
          'deceased_birthdate',
          'date_of_death',
          'deceased_address',
          'informant_name',
          'informant_relationship',
        ],
      },
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'birthdate', 'date_of_move', 'to_country', 'new_address'],
      },
    ],
  },
  {
    agencyId: 'dvla',
    name: 'Driver and Vehicle Licensing Agency (demo)',
    website: 'https://www.gov.uk/government/organisations/driver-and-vehicle-licensing-agency',
    description: 'Driving licences and vehicle records: cancels a licence or updates an address.',
    country: 'GB',
    environment: 'uk-public-cloud',
    subscriptions: [
      {
        eventType: 'death',
        attributes: ['deceased_name', 'deceased_birthdate', 'date_of_death', 'deceased_address'],
      },
      { eventType: 'moving-abroad', attributes: ['name', 'birthdate', 'date_of_move', 'new_address'] },
    ],
  },
  {
    agencyId: 'hmpo',
    name: 'HM Passport Office (demo)',
    website: 'https://www.gov.uk/government/organisations/hm-passport-office',
    description: 'Passports: cancels the passport of someone who has died.',
    country: 'GB',
    environment: 'uk-accredited',
    subscriptions: [
      {
        eventType: 'death',
        attributes: ['deceased_name', 'deceased_birthdate', 'date_of_death', 'place_of_death'],
      },
    ],
  },
  {
    agencyId: 'local_council',
    name: 'Local council (demo)',
    website: 'https://www.gov.uk/find-local-council',
    description: 'Council Tax, electoral register, Blue Badge and library services.',
    country: 'GB',
    environment: 'uk-public-cloud',
    subscriptions: [
      {
        eventType: 'death',
        attributes: [
          'deceased_name',
          'deceased_birthdate',
          'date_of_death',
          'deceased_address',
          'informant_name',
          'informant_email',
        ],
      },
      { eventType: 'moving-abroad', attributes: ['name', 'date_of_move', 'to_country', 'new_address'] },
    ],
  },
  {
    agencyId: 'ica',
    name: 'Immigration & Checkpoints Authority (demo)',
    website: 'https://www.ica.gov.sg/',
    description: 'Identity cards, passports and passes: updates citizenship and residence records.',
    country: 'SG',
    environment: 'sg-gcc',
    subscriptions: [
      {
        eventType: 'death',
        attributes: ['deceased_name', 'deceased_birthdate', 'date_of_death', 'place_of_death'],
      },
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'birthdate', 'nationalities', 'date_of_move', 'to_country', 'new_address'],
      },
    ],
  },
  {
    agencyId: 'iras',
    name: 'Inland Revenue Authority of Singapore (demo)',
    website: 'https://www.iras.gov.sg/',
    description: 'Income tax: tax clearance when someone leaves Singapore or dies.',
    country: 'SG',
    environment: 'sg-gcc',
    subscriptions: [
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'birthdate', 'date_of_move', 'to_country', 'new_address'],
      },
      {
        eventType: 'death',
        attributes: [
          'deceased_name',
          'deceased_birthdate',
          'date_of_death',
          'informant_name',
          'informant_email',
        ],
      },
    ],
  },
  {
    agencyId: 'cpf',
    name: 'Central Provident Fund Board (demo)',
    website: 'https://www.cpf.gov.sg/',
    description: 'CPF savings: nominations and withdrawals on leaving Singapore or after a death.',
    country: 'SG',
    environment: 'sg-gcc',
    subscriptions: [
      { eventType: 'moving-abroad', attributes: ['name', 'birthdate', 'date_of_move', 'new_address'] },
      {
        eventType: 'death',
        attributes: [
          'deceased_name',
          'deceased_birthdate',
          'date_of_death',
          'informant_name',
          'informant_relationship',
          'informant_email',
        ],
      },
    ],
  },
  {
    agencyId: 'mom',
    name: 'Ministry of Manpower (demo)',
    website: 'https://www.mom.gov.sg/',
    description: 'Work passes: cancels a pass when its holder leaves Singapore.',
    country: 'SG',
    environment: 'sg-gcc',
    subscriptions: [
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'birthdate', 'nationalities', 'date_of_move', 'to_country'],
      },
    ],
  },
];
