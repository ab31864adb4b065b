import type { DemoDefinition } from './types.ts';

/**
 * The demo services. Everything that differs between them is here, as data; the code that runs
 * them (`relying-party.ts`) is one factory. Both are fictional: the agency names carry "(demo)" and
 * every page says the service is not real.
 */

/** A UK service that accepts someone arriving from Singapore, signing in with Singpass through the hub. */
export const ukDemo: DemoDefinition = {
  slug: 'uk',
  country: 'GB',
  clientId: 'demo-uk-service',
  serviceName: 'Apply for a National Insurance number — demo',
  agency: 'Department for Work and Pensions (demo)',
  idpHint: 'singpass',
  lifeEvent: {
    id: 'moving_singapore_to_uk',
    text: 'Moving from Singapore to the UK? See everything to do in both countries',
  },
  schemeName: 'Singpass',
  purpose:
    'To confirm who you are before you apply for a National Insurance number. This is a demonstration: nothing is kept or sent anywhere.',
  scopes: ['openid', 'profile', 'nationality', 'address', 'email'],
  attributes: ['name', 'given_name', 'family_name', 'birthdate', 'nationalities', 'address', 'email'],
  acr: 'urn:govbridge:loa:substantial',
  environment: 'uk-public-cloud',
  introduction: [
    'Use this service to apply for a National Insurance number if you have moved to the UK from Singapore and have the right to work here.',
    'You can prove who you are with your Singpass account. The govbridge hub checks your Singpass sign-in and shares only the details this service needs, after you agree.',
  ],
  youWillNeed: ['your Singpass account', 'the Singpass app or your Singpass password and a second factor'],
};

/** A Singapore service that accepts someone arriving from the UK, signing in with GOV.UK One Login through the hub. */
export const sgDemo: DemoDefinition = {
  slug: 'sg',
  country: 'SG',
  clientId: 'demo-sg-service',
  serviceName: 'Apply for an Employment Pass — demo',
  agency: 'Ministry of Manpower (demo)',
  idpHint: 'onelogin',
  lifeEvent: {
    id: 'moving_uk_to_singapore',
    text: 'Moving from the UK to Singapore? See everything to do in both countries',
  },
  schemeName: 'GOV.UK One Login',
  purpose:
    'To confirm who you are before you apply for an Employment Pass. This is a demonstration: nothing is kept or sent anywhere.',
  scopes: ['openid', 'profile', 'nationality', 'email', 'phone'],
  attributes: ['name', 'given_name', 'family_name', 'birthdate', 'nationalities', 'email', 'phone_number'],
  acr: 'urn:govbridge:loa:substantial',
  environment: 'sg-gcc',
  introduction: [
    'Use this service to apply for an Employment Pass if you are moving from the UK to work in Singapore.',
    'You can prove who you are with your GOV.UK One Login. The govbridge hub checks your GOV.UK One Login sign-in and shares only the details this service needs, after you agree.',
  ],
  youWillNeed: ['your GOV.UK One Login email address and password', 'your phone or authenticator app'],
};

/**
 * A UK service whose supplier hosts it in a commercial cloud outside both countries
 * (`overseas-commercial`, which may hold public information only): it accepts Singpass like the UK
 * demo, but the hub's release policy withholds every personal detail it asks for. The citizen sees
 * each one, with the reason, on the consent page; the service gets their names and the deciding rule
 * in the `govbridge_withheld` claim, which its result page shows (docs/policy.md).
 */
export const abroadDemo: DemoDefinition = {
  slug: 'abroad',
  country: 'GB',
  clientId: 'demo-overseas-service',
  serviceName: 'Check your UK State Pension from abroad — demo',
  agency: 'UK Pension Service (demo)',
  idpHint: 'singpass',
  lifeEvent: {
    id: 'moving_uk_to_singapore',
    text: 'Moved from the UK to Singapore? See everything to do in both countries',
  },
  schemeName: 'Singpass',
  purpose:
    'To confirm who you are before you check your UK State Pension. This is a demonstration: nothing is kept or sent anywhere.',
  scopes: ['openid', 'profile', 'address', 'email'],
  attributes: ['name', 'birthdate', 'address', 'email'],
  acr: 'urn:govbridge:loa:substantial',
  environment: 'overseas-commercial',
  introduction: [
    'Use this service to check your UK State Pension if you worked in the UK and now live in Singapore.',
    'You can prove who you are with your Singpass account. The govbridge hub checks your Singpass sign-in and shares only the details this service may receive, after you agree.',
  ],
  hostingNotice: [
    'For this demonstration, this service is hosted by its supplier in a commercial cloud outside both the UK and Singapore. Government rules in both countries allow only public information to be kept there.',
    'The govbridge hub will therefore withhold your personal details, such as your name, date of birth, address and email address. You can still sign in: the hub will show you each detail it withholds and why, and tell the service which details it did not send.',
  ],
  youWillNeed: ['your Singpass account', 'the Singpass app or your Singpass password and a second factor'],
};

export const demoDefinitions: readonly DemoDefinition[] = [ukDemo, sgDemo, abroadDemo];
