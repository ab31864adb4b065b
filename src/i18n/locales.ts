/**
 * The languages the hub speaks, and how a request's language is chosen.
 *
 * Order of precedence (GOV.UK's language toggle): an explicit `?lang=` on the request (the switcher's
 * link; the caller then keeps it in a cookie), the cookie, then the browser's `Accept-Language`, then
 * English. `en-XA` is pseudo-localisation (accented, ~40% longer English) for layout tests: accepted
 * only when the caller allows it (never in production).
 */
export const LOCALES = ['en', 'cy'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';
export const PSEUDO_LOCALE = 'en-XA';
/** A locale pages can be rendered in: a real one, or the pseudo-locale. */
export type RenderLocale = Locale | typeof PSEUDO_LOCALE;

/** The Intl locale used to format dates and numbers for each language. */
export const INTL_LOCALE: Record<RenderLocale, string> = { en: 'en-GB', cy: 'cy', 'en-XA': 'en-GB' };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export interface NegotiationInput {
  /** The `lang` query parameter, if any. */
  query?: unknown;
  /** The language cookie's value, if any. */
  cookie?: unknown;
  /** The `Accept-Language` header, if any. */
  acceptLanguage?: string | undefined;
  /** Accept the pseudo-locale (development and tests only). */
  allowPseudo?: boolean;
}

export interface Negotiated {
  locale: RenderLocale;
  /** True when `?lang=` chose it: the caller should remember it in the cookie. */
  fromQuery: boolean;
}

export function negotiateLocale(input: NegotiationInput): Negotiated {
  const allowed = (v: unknown): v is RenderLocale =>
    isLocale(v) || (input.allowPseudo === true && v === PSEUDO_LOCALE);
  if (allowed(input.query)) return { locale: input.query, fromQuery: true };
  if (allowed(input.cookie)) return { locale: input.cookie, fromQuery: false };
  return { locale: fromAcceptLanguage(input.acceptLanguage), fromQuery: false };
}

/**
 * The best supported language in an `Accept-Language` header (RFC 9110 §12.5.4): ranges by
 * descending weight, `cy-GB` matching `cy`; `q=0` excludes. English when nothing matches.
 */
export function fromAcceptLanguage(header: string | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  const ranges = header
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', weight, index };
    })
    .filter((r) => Number.isFinite(r.weight) && r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const r of ranges) {
    if (isLocale(r.primary)) return r.primary;
  }
  return DEFAULT_LOCALE;
}
