import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.ts';
import {
  DEFAULT_LOCALE,
  type Locale,
  loadCatalogues,
  negotiateLocale,
  type RenderLocale,
  type Translate,
} from '../i18n/index.ts';
import { registerAccessibilityPage } from './accessibility/accessibility-page.ts';
import { registerAssets } from './assets.ts';
import { registerCookiesPage } from './cookies/cookies-page.ts';
import {
  createErrorResponder,
  type ErrorResponseObserver,
  registerErrorHandling,
  rememberFrameworkResponder,
} from './errors.ts';
import { registerHealth } from './health.ts';
import { registerHomePage } from './home/home-page.ts';
import { quietLevel } from './logging.ts';
import { CSRF_COOKIE, csrfTokenFor, hubCookieName, hubCookieOptions, registerSecurity } from './security.ts';
import { createViews, type ViewContext, type Views } from './views.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The hub's Nunjucks environment (web/views.ts). */
    views: Views;
  }
  interface FastifyReply {
    /**
     * Render a page template with the request's `csrfToken` and send it as
     * `text/html; charset=utf-8`.
     */
    view(template: string, context?: ViewContext): FastifyReply;
  }
  interface FastifyRequest {
    /** The request's language (see i18n/locales.ts): `?lang=`, then the language cookie, then Accept-Language. */
    locale: RenderLocale;
    /** Messages in the request's language. */
    t: Translate;
  }
}

/** The language cookie (GOV.UK's language toggle keeps the choice for later visits). */
export const LANG_COOKIE = 'lang';
const LANG_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;

/**
 * The pages written in every language (their messages are in src/i18n/messages/). Every other page
 * renders in English with `lang="en"` and no language switcher, so no page mixes a Welsh layout with
 * English content.
 */
export const TRANSLATED_PAGES: ReadonlySet<string> = new Set([
  'home/start.njk',
  'sign-in/choose-scheme.njk',
  'sign-in/consent.njk',
  'error.njk',
  'cookies/cookies.njk',
  'accessibility/accessibility.njk',
]);

export interface LanguageSwitcher {
  label: string;
  current: { locale: RenderLocale; name: string };
  other: { locale: Locale; name: string; switchTo: string; href: string };
}

export interface WebFoundationOptions {
  config: Config;
  /** Readiness: resolves when the hub can serve (database, keys); rejects otherwise. */
  checkReady: () => Promise<void>;
  /** Signs hub cookies (config.cookieSecret in production; a generated one in development). */
  cookieSecret: string;
  /** Extra `form-action` CSP sources (see security.ts); rarely needed. */
  formActionSources?: readonly string[];
  /** Reload templates on every render (development). */
  noCache?: boolean;
  /** Told of every error response by code and status (the hub's metrics). */
  errorObserver?: ErrorResponseObserver;
}

/**
 * The web foundation every page is built on: security headers, signed cookies and CSRF, form
 * bodies, views and `reply.view()`, `/assets/`, the one error mapping and not-found page,
 * `/healthz` and `/readyz`, and the start, cookies and accessibility pages.
 *
 * Not encapsulated (fastify-plugin semantics, via the `skip-override` symbol: fastify-plugin is only
 * a transitive dependency here), so its hooks, decorators and error handler reach every journey
 * plugin registered after it. Register it first. The logger is the Fastify instance's own: build
 * the instance with `loggerInstance: createLogger(config)` or `logger: loggerOptions(config)`, and
 * `frameworkErrors: webFrameworkErrors`.
 */
async function webFoundationPlugin(app: FastifyInstance, options: WebFoundationOptions): Promise<void> {
  const { config } = options;
  // Every language's messages, checked and compiled once (ADR 19: an incomplete catalogue stops start-up).
  const catalogues = loadCatalogues();
  const views = createViews({
    noCache: options.noCache ?? config.nodeEnv === 'development',
    catalogues,
  });
  app.decorate('views', views);

  /** The language part of a page's context: `locale`, `htmlLang` and the switcher. */
  const languageContext = (request: FastifyRequest, translated: boolean, switchPath?: unknown) => {
    if (!translated) return { locale: DEFAULT_LOCALE, htmlLang: DEFAULT_LOCALE };
    const locale = request.locale ?? DEFAULT_LOCALE;
    const other: Locale = locale === 'cy' ? 'en' : 'cy';
    const here = catalogues.translator(locale);
    const there = catalogues.translator(other);
    // A page answering a form post has no GET URL of its own unless the page names one.
    const path =
      typeof switchPath === 'string'
        ? switchPath
        : request.method === 'GET' || request.method === 'HEAD'
          ? request.url
          : undefined;
    const languageSwitcher: LanguageSwitcher | undefined =
      path && wellFormed(path)
        ? {
            label: here('language.navLabel'),
            current: { locale, name: here('language.name') },
            other: {
              locale: other,
              name: there('language.name'),
              switchTo: there('language.switchTo'),
              href: withLang(path, other),
            },
          }
        : undefined;
    return { locale, htmlLang: locale, languageSwitcher };
  };

  app.decorateReply('view', function view(this: FastifyReply, template: string, context: ViewContext = {}) {
    const language = languageContext(
      this.request,
      TRANSLATED_PAGES.has(template),
      context['languageSwitchPath'],
    );
    const html = views.render(template, { csrfToken: csrfTokenFor(this), ...language, ...context });
    // Pages carry a CSRF token and, after sign-in, personal data: no cache may keep them.
    return this.type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-language', language.htmlLang)
      .send(html);
  });

  await registerSecurity(app, {
    config,
    cookieSecret: options.cookieSecret,
    ...(options.formActionSources ? { formActionSources: options.formActionSources } : {}),
  });
  await app.register(fastifyFormbody);

  // After the cookie plugin (registerSecurity), so the language cookie is parsed.
  const langCookie = hubCookieName(config, LANG_COOKIE);
  const allowPseudo = config.nodeEnv !== 'production';
  app.decorateRequest('locale', DEFAULT_LOCALE);
  app.decorateRequest('t', null as unknown as Translate);
  app.addHook('onRequest', async (request, reply) => {
    const query = request.query as Record<string, unknown> | undefined;
    const { locale, fromQuery } = negotiateLocale({
      query: query?.['lang'],
      cookie: request.cookies[langCookie],
      acceptLanguage: request.headers['accept-language'],
      allowPseudo,
    });
    request.locale = locale;
    request.t = catalogues.translator(locale);
    if (fromQuery) {
      // Not signed: it holds only a language code, checked against the list on every request.
      reply.setCookie(langCookie, locale, {
        ...hubCookieOptions(config),
        signed: false,
        maxAge: LANG_COOKIE_MAX_AGE,
      });
    }
  });

  const responder = createErrorResponder(views, options.errorObserver, (request) => ({
    context: languageContext(request, true),
    t: request.t ?? catalogues.translator(DEFAULT_LOCALE),
  }));
  registerErrorHandling(app, responder);
  rememberFrameworkResponder(app, responder, config);

  const quiet = quietLevel(config.logLevel);
  await registerAssets(app, { logLevel: quiet });
  await registerHealth(app, { checkReady: options.checkReady, logLevel: quiet });
  await registerHomePage(app, { demoServices: config.demoServices });
  await registerCookiesPage(app, {
    csrfCookieName: hubCookieName(config, CSRF_COOKIE),
    langCookieName: langCookie,
  });
  await registerAccessibilityPage(app, { publicUrl: config.publicUrl });
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

export const webFoundation: FastifyPluginAsync<WebFoundationOptions> = Object.assign(webFoundationPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'govbridge-web-foundation',
});
