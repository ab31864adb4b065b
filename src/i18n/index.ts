/**
 * i18n: the hub's languages, message catalogues (ICU MessageFormat through intl-messageformat),
 * Intl formatting and locale negotiation. Pure: no web framework, no storage.
 */
export {
  CatalogueError,
  type Catalogues,
  compileCatalogues,
  loadCatalogues,
  MESSAGES_DIR,
  type MessageValues,
  type Translate,
} from './catalogue.ts';
export { countryName, formatDate } from './format.ts';
export {
  type Audience,
  audienceOf,
  DEFAULT_LOCALE,
  fromAcceptLanguage,
  fromUiLocales,
  INTL_LOCALE,
  isLocale,
  LANGUAGE_TAG,
  LOCALES,
  type Locale,
  localeOfTag,
  localesFor,
  type Negotiated,
  negotiateLocale,
  PSEUDO_LOCALE,
  type RenderLocale,
} from './locales.ts';
export { pseudoLocalise } from './pseudo.ts';
