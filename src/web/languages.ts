import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.ts';
import {
  type Audience,
  audienceOf,
  type Catalogues,
  DEFAULT_LOCALE,
  LANGUAGE_TAG,
  type Locale,
  localesFor,
  negotiateLocale,
  type RenderLocale,
} from '../i18n/index.ts';
import { hubCookieOptions } from './security.ts';

/**
 * A request's language (issue 12, ADR 19): which languages its page offers and which one it is in.
 *
 * Every request starts as the hub's own neutral page (all languages offered: `?lang=`, the cookie,
 * `Accept-Language`). A route that learns the request belongs to a relying party's login calls
 * `request.useLanguagesOf({ country, uiLocales })`: the page then offers the languages of the
 * relying party's country (i18n `localesFor(audienceOf(country))`: English and Welsh for GB; English,
 * Chinese, Malay and Tamil for SG), and the relying party's `ui_locales` chooses among them after the
 * person's own choice (`?lang=`, the cookie) and before `Accept-Language`. `request.locale` and
 * `request.t` are chosen again, so the route's messages, the page and any error page agree.
 */
declare module 'fastify' {
  interface FastifyRequest {
    /** Who this request's page is for; decides which languages it offers (`localesFor`). */
    audience: Audience;
    /** The page belongs to a relying party's login: offer its country's languages, honour its ui_locales. */
    useLanguagesOf(client: { country?: string | undefined; uiLocales?: string | undefined }): void;
  }
}

/** The language cookie (GOV.UK's language toggle keeps the choice for later visits). */
export const LANG_COOKIE = 'lang';
const LANG_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;

/** One language in the switcher: its name in itself, and the link to this page in it. */
export interface SwitcherLanguage {
  locale: Locale;
  /** BCP 47 tag for `hreflang` and `lang`. */
  tag: string;
  name: string;
  /** "Change the language to …", in that language (visually hidden link text). */
  switchTo: string;
  href: string;
}

export interface LanguageSwitcher {
  label: string;
  current: { locale: RenderLocale; tag: string; name: string };
  /** Every other language the page offers, in `localesFor` order. */
  others: SwitcherLanguage[];
}

export interface LanguageContext {
  locale: RenderLocale;
  htmlLang: string;
  languageSwitcher?: LanguageSwitcher | undefined;
}

export interface RequestLanguages {
  /** onRequest: the neutral page's language, remembered in the cookie when `?lang=` chose it. */
  negotiate(request: FastifyRequest, reply: FastifyReply): void;
  /** The page's language context: `locale`, `htmlLang` (a BCP 47 tag) and the switcher. */
  context(request: FastifyRequest, translated: boolean, switchPath?: unknown): LanguageContext;
}

export function requestLanguages(options: {
  config: Config;
  catalogues: Catalogues;
  cookieName: string;
  allowPseudo: boolean;
}): RequestLanguages {
  const { catalogues, cookieName, allowPseudo } = options;

  const choose = (request: FastifyRequest, uiLocales?: string) => {
    const query = request.query as Record<string, unknown> | undefined;
    const chosen = negotiateLocale({
      query: query?.['lang'],
      cookie: request.cookies[cookieName],
      uiLocales,
      acceptLanguage: request.headers['accept-language'],
      offered: localesFor(request.audience),
      allowPseudo,
    });
    request.locale = chosen.locale;
    request.t = catalogues.translator(chosen.locale);
    return chosen;
  };

  return {
    negotiate(request, reply) {
      request.audience = 'neutral';
      request.useLanguagesOf = (client) => {
        request.audience = audienceOf(client.country);
        choose(request, client.uiLocales);
      };
      const { locale, fromQuery } = choose(request);
      if (fromQuery) {
        // Not signed: it holds only a language code, checked against the list on every request.
        reply.setCookie(cookieName, locale, {
          ...hubCookieOptions(options.config),
          signed: false,
          maxAge: LANG_COOKIE_MAX_AGE,
        });
      }
    },

    context(request, translated, switchPath) {
      if (!translated) return { locale: DEFAULT_LOCALE, htmlLang: LANGUAGE_TAG[DEFAULT_LOCALE] };
      const locale = request.locale ?? DEFAULT_LOCALE;
      const here = catalogues.translator(locale);
      // A page answering a form post has no GET URL of its own unless the page names one.
      const path =
        typeof switchPath === 'string'
          ? switchPath
          : request.method === 'GET' || request.method === 'HEAD'
            ? request.url
            : undefined;
      const offered = localesFor(request.audience ?? 'neutral');
      const languageSwitcher: LanguageSwitcher | undefined =
        path && wellFormed(path)
          ? {
              label: here('language.navLabel'),
              current: { locale, tag: LANGUAGE_TAG[locale], name: here('language.name') },
              others: offered
                .filter((other) => other !== locale)
                .map((other) => {
                  const there = catalogues.translator(other);
                  return {
                    locale: other,
                    tag: LANGUAGE_TAG[other],
                    name: there('language.name'),
                    switchTo: there('language.switchTo'),
                    href: withLang(path, other),
                  };
                }),
            }
          : undefined;
      return { locale, htmlLang: LANGUAGE_TAG[locale], languageSwitcher };
    },
  };
}

/** A path that decodes (a malformed one, answered with a 400 page, is never echoed in a link). */
function wellFormed(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** `path` with its `lang` query parameter set to `locale` (the switcher's link; the rest of the query kept). */
export function withLang(path: string, locale: Locale): string {
  const url = new URL(path, 'http://hub.invalid');
  url.searchParams.set('lang', locale);
  return `${url.pathname}${url.search}`;
}
