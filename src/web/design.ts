/**
 * Which country's design a page wears (issue 12, ADR 20): GOV.UK Frontend for UK-facing pages, the
 * Singapore Government Design System (SGDS) with the official Singapore Government masthead for
 * Singapore-facing ones. This file is the one place the choice is made; templates and routes only
 * pass on what they know.
 *
 * Rules, in order:
 *  1. A page of a relying party's login wears the design of the relying party's country (its
 *     registration's `govbridge_country`, GB or SG, checked by the client registry): a Singapore
 *     service's sign-in is Singapore-facing whoever signs in, and a UK service's is UK-facing.
 *  2. Otherwise the person's explicit choice, when a neutral page offers one.
 *  3. Otherwise GOV.UK, the hub's design before issue 12.
 *
 * Only the pages listed in `SGDS_TEMPLATES` have an SGDS version so far (the sign-in path); every
 * other page renders with GOV.UK Frontend whatever the decision, rather than a GOV.UK page inside
 * Singapore chrome.
 */
export type Design = 'govuk' | 'sgds';

export const DESIGNS: readonly Design[] = ['govuk', 'sgds'];

/** The design of a country's own government sites, for the countries a client may be registered in. */
const DESIGN_BY_COUNTRY: Readonly<Record<string, Design>> = { GB: 'govuk', SG: 'sgds' };

export interface DesignInput {
  /** The relying party's country (ISO 3166-1 alpha-2), when the page belongs to its login. */
  clientCountry?: string | undefined;
  /** The person's explicit choice, when a neutral page offers one. */
  chosen?: string | undefined;
}

export function isDesign(value: unknown): value is Design {
  return typeof value === 'string' && (DESIGNS as readonly string[]).includes(value);
}

/** The design for a page (see the rules above). */
export function decideDesign(input: DesignInput = {}): Design {
  const byClient = input.clientCountry ? DESIGN_BY_COUNTRY[input.clientCountry] : undefined;
  if (byClient) return byClient;
  if (isDesign(input.chosen)) return input.chosen;
  return 'govuk';
}

/**
 * Page templates that have an SGDS version: the pages a person sees during a relying party's login
 * (chooser, consent, the pages oidc-provider would render itself) and the error page.
 */
export const SGDS_TEMPLATES: Readonly<Record<string, string>> = {
  'sign-in/choose-scheme.njk': 'sign-in/sgds/choose-scheme.njk',
  'sign-in/consent.njk': 'sign-in/sgds/consent.njk',
  'sign-in/form-post.njk': 'sign-in/sgds/form-post.njk',
  'sign-in/logout.njk': 'sign-in/sgds/logout.njk',
  'sign-in/logged-out.njk': 'sign-in/sgds/logged-out.njk',
  'sign-in/switch-identity.njk': 'sign-in/sgds/switch-identity.njk',
  'error.njk': 'sgds/error.njk',
};

/** The template to render for `template` in `design`, and the design it really wears. */
export function templateFor(
  template: string,
  design: Design | undefined,
): { template: string; design: Design } {
  if (design === 'sgds') {
    const sgds = SGDS_TEMPLATES[template];
    if (sgds) return { template: sgds, design: 'sgds' };
  }
  return { template, design: 'govuk' };
}
