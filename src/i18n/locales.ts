/**
 * The languages the hub speaks, which of them a page offers, and how a request's language is chosen.
 *
 * Languages: English and Welsh for UK-facing use; English, Chinese (Simplified), Malay and Tamil for
 * Singapore-facing use (Singapore's four official languages). `localesFor(audience)` is the one place
 * that says which a page offers: a relying party's login offers its country's languages
 * (`audienceOf(country)`), the hub's own neutral pages offer all of them.
 *
 * Order of precedence, within the offered languages (GOV.UK's language toggle; OIDC Core §3.1.2.1
 * for `ui_locales`): an explicit `?lang=` on the request (the switcher's link; the caller then keeps
 * it in a cookie), the cookie (the person's earlier choice), the relying party's `ui_locales` (the
 * first offered tag in its list), the browser's `Accept-Language`, then English. `en-XA` is
 * pseudo-localisation (accented, ~40% longer English) for layout tests: accepted only when the
 * caller allows it (never in production), on any page.
 *
 * Chinese: the locale id is `zh` (in `?lang=`, the cookie and `messages/zh.json`); pages say
 * `lang="zh-Hans"` (BCP 47 with the script subtag, so browsers and screen readers use Simplified
 * characters, as Singapore does). Any `zh` request matches it, `zh-SG`, `zh-CN` and `zh-Hans` as
 * well as `zh-TW` and `zh-Hant` (CLDR's language matching accepts Simplified for a reader of
 * Traditional, and no Traditional translation exists); see docs/translations.md.
 */
export const LOCALES = ['en', 'cy', 'zh', 'ms', 'ta'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';
export const PSEUDO_LOCALE = 'en-XA';
/** A locale pages can be rendered in: a real one, or the pseudo-locale. */
export type RenderLocale = Locale | typeof PSEUDO_LOCALE;

/** The BCP 47 tag a page in each language carries in `<html lang>`, `hreflang` and `Content-Language`. */
export const LANGUAGE_TAG: Record<RenderLocale, string> = {
  en: 'en',
  cy: 'cy',
  zh: 'zh-Hans',
  ms: 'ms',
  ta: 'ta',
  'en-XA': 'en-XA',
};

/** The Intl locale used to format dates and numbers for each language. */
export const INTL_LOCALE: Record<RenderLocale, string> = {
  en: 'en-GB',
  cy: 'cy',
  zh: 'zh-Hans-SG',
  ms: 'ms-SG',
  ta: 'ta-SG',
  'en-XA': 'en-GB',
};

/** Who a page is for: a UK-facing page, a Singapore-facing one, or the hub's own neutral pages. */
export type Audience = 'uk' | 'sg' | 'neutral';

const OFFERED: Record<Audience, readonly Locale[]> = {
  uk: ['en', 'cy'],
  sg: ['en', 'zh', 'ms', 'ta'],
  neutral: LOCALES,
};

/** The languages a page for `audience` offers, in the switcher's order (English first). */
export function localesFor(audience: Audience): readonly Locale[] {
  return OFFERED[audience];
}

/** The audience of a relying party's pages, from its registered country (ISO 3166-1 alpha-2). */
export function audienceOf(country: string | undefined): Audience {
  if (country === 'GB') return 'uk';
  if (country === 'SG') return 'sg';
  return 'neutral';
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export interface NegotiationInput {
  /** The `lang` query parameter, if any. */
  query?: unknown;
  /** The language cookie's value, if any. */
  cookie?: unknown;
  /** The relying party's `ui_locales` (space-separated BCP 47 tags, by preference), if any. */
  uiLocales?: unknown;
  /** The `Accept-Language` header, if any. */
  acceptLanguage?: string | undefined;
  /** The languages the page offers (default: every language). */
  offered?: readonly Locale[];
  /** Accept the pseudo-locale (development and tests only). */
  allowPseudo?: boolean;
}

export interface Negotiated {
  locale: RenderLocale;
  /** True when `?lang=` chose it: the caller should remember it in the cookie. */
  fromQuery: boolean;
}

export function negotiateLocale(input: NegotiationInput): Negotiated {
  const offered = input.offered ?? LOCALES;
  const allowed = (v: unknown): v is RenderLocale =>
    (isLocale(v) && offered.includes(v)) || (input.allowPseudo === true && v === PSEUDO_LOCALE);
  if (allowed(input.query)) return { locale: input.query, fromQuery: true };
  if (allowed(input.cookie)) return { locale: input.cookie, fromQuery: false };
  const fromRp = fromUiLocales(input.uiLocales, offered);
  if (fromRp) return { locale: fromRp, fromQuery: false };
  return { locale: fromAcceptLanguage(input.acceptLanguage, offered), fromQuery: false };
}

/** The locale a BCP 47 tag asks for, by its primary language subtag (`cy-GB` → `cy`, `zh-Hant-TW` → `zh`). */
export function localeOfTag(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split('-')[0] ?? '';
  return isLocale(primary) ? primary : undefined;
}

/**
 * The first offered language in a relying party's `ui_locales` (OIDC Core §3.1.2.1: space-separated
 * BCP 47 tags in order of preference; unsupported tags are skipped, never an error).
 */
export function fromUiLocales(value: unknown, offered: readonly Locale[] = LOCALES): Locale | undefined {
  if (typeof value !== 'string') return undefined;
  for (const tag of value.split(' ').slice(0, 32)) {
    const locale = localeOfTag(tag);
    if (locale && offered.includes(locale)) return locale;
  }
  return undefined;
}

/**
 * The best offered language in an `Accept-Language` header (RFC 9110 §12.5.4): ranges by
 * descending weight, `cy-GB` matching `cy`; `q=0` excludes. English when nothing matches.
 */
export function fromAcceptLanguage(header: string | undefined, offered: readonly Locale[] = LOCALES): Locale {
  if (!header) return DEFAULT_LOCALE;
  const ranges = header
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { locale: localeOfTag(tag), weight, index };
    })
    .filter((r) => Number.isFinite(r.weight) && r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const r of ranges) {
    if (r.locale && offered.includes(r.locale)) return r.locale;
  }
  return DEFAULT_LOCALE;
}
